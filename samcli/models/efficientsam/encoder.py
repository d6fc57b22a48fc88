"""EfficientSAM's image encoder: a plain ViT (global attention in every block,
absolute position embedding from 224-pixel pretraining) + SAM's neck."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.encoders.vit_sam import PatchEmbed
from samcli.models.layers import sam_neck
from samcli.models.onednn import linear


class GlobalAttention(nn.Module):
    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = linear(self.qkv, x).reshape(b, n, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4).unbind(0)
        out = F.scaled_dot_product_attention(q, k, v)  # scale head_dim^-0.5, as the reference
        return linear(self.proj, out.transpose(1, 2).reshape(b, n, c))


class FeedForward(nn.Module):
    """fc1 → exact (erf) GELU → fc2; keys `fc1`/`fc2` (SAM's ViT says lin1/lin2)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return linear(self.fc2, linear(self.fc1, x, "gelu"))


class Block(nn.Module):
    def __init__(self, dim: int, num_heads: int, mlp_ratio: int = 4) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = GlobalAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = FeedForward(dim, dim * mlp_ratio)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class EfficientSamViT(nn.Module):
    """(B, 3, 1024, 1024) normalised → (B, 256, 64, 64)."""

    def __init__(self, dim: int, num_heads: int, depth: int = 12, img_size: int = 1024, patch: int = 16,
                 pretrain_size: int = 224) -> None:
        super().__init__()
        self.grid = img_size // patch
        pretrain_grid = pretrain_size // patch
        self.patch_embed = PatchEmbed(dim, patch)
        # slot 0 is the pretraining cls token, unused here
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + pretrain_grid**2, dim))
        self.blocks = nn.ModuleList(Block(dim, num_heads) for _ in range(depth))
        self.neck = sam_neck(dim)
        self.register_buffer("pos_embed_grid", torch.zeros(1, self.grid, self.grid, dim), persistent=False)
        self.refresh_pos_embed()

    @torch.no_grad()
    def refresh_pos_embed(self) -> None:
        """The reference resizes the 14×14 table to 64×64 (bicubic) on every forward;
        it depends on the weights only, so we do it once after loading them. Same
        op on the same (channels-last) layout, so the values are bit-identical."""
        table = self.pos_embed[:, 1:]
        side = math.isqrt(table.shape[1])
        grid = table.reshape(1, side, side, -1).permute(0, 3, 1, 2)
        if side != self.grid:
            grid = F.interpolate(grid, size=(self.grid, self.grid), mode="bicubic", align_corners=False)
        self.pos_embed_grid.copy_(grid.permute(0, 2, 3, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x) + self.pos_embed_grid  # B, H, W, C
        b, h, w, c = x.shape
        x = x.reshape(b, h * w, c)
        for blk in self.blocks:
            x = blk(x)
        return self.neck(x.reshape(b, h, w, c).permute(0, 3, 1, 2))
