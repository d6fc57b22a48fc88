"""SAM's ViT image encoder (ViT-B/L/H): windowed + global attention with
decomposed relative positions, then the SAM neck."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.layers import sam_neck
from samcli.models.onednn import linear


def relative_positions(q_size: int, k_size: int, table: torch.Tensor) -> torch.Tensor:
    """Rows of the relative-position table for every (query, key) pair → (q, k, C).
    The table already has 2·max(q, k) − 1 rows for every shape SAM uses."""
    q = torch.arange(q_size, device=table.device)[:, None] * max(k_size / q_size, 1.0)
    k = torch.arange(k_size, device=table.device)[None, :] * max(q_size / k_size, 1.0)
    return table[((q - k) + (k_size - 1) * max(q_size / k_size, 1.0)).long()]


class Attention(nn.Module):
    def __init__(self, dim: int, num_heads: int, input_size: tuple[int, int]) -> None:
        super().__init__()
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = head_dim**-0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.rel_pos_h = nn.Parameter(torch.zeros(2 * input_size[0] - 1, head_dim))
        self.rel_pos_w = nn.Parameter(torch.zeros(2 * input_size[1] - 1, head_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, _ = x.shape
        qkv = linear(self.qkv, x).reshape(b, h * w, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)  # (B, heads, HW, d)
        # decomposed relative position bias from the *unscaled* queries
        rq = q.reshape(b, self.num_heads, h, w, -1)
        rel_h = torch.einsum("bnhwc,hkc->bnhwk", rq, relative_positions(h, h, self.rel_pos_h))
        rel_w = torch.einsum("bnhwc,wkc->bnhwk", rq, relative_positions(w, w, self.rel_pos_w))
        bias = (rel_h[..., :, None] + rel_w[..., None, :]).reshape(b, self.num_heads, h * w, h * w)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=self.scale)
        out = out.transpose(1, 2).reshape(b, h, w, -1)
        return linear(self.proj, out)


class MLP(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.lin1 = nn.Linear(dim, hidden)
        self.lin2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return linear(self.lin2, linear(self.lin1, x, "gelu"))


def window_partition(x: torch.Tensor, window: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """(B, H, W, C) → (B·nW, window, window, C), zero-padding bottom/right (not masked)."""
    b, h, w, c = x.shape
    ph, pw = (window - h % window) % window, (window - w % window) % window
    x = F.pad(x, (0, 0, 0, pw, 0, ph))
    hp, wp = h + ph, w + pw
    x = x.view(b, hp // window, window, wp // window, window, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, window, window, c), (hp, wp)


def window_unpartition(x: torch.Tensor, window: int, padded: tuple[int, int], hw: tuple[int, int]) -> torch.Tensor:
    hp, wp = padded
    b = x.shape[0] // (hp * wp // window // window)
    x = x.view(b, hp // window, wp // window, window, window, -1).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, hp, wp, -1)[:, : hw[0], : hw[1]].contiguous()


class Block(nn.Module):
    def __init__(self, dim: int, num_heads: int, window: int, grid: int) -> None:
        super().__init__()
        self.window = window
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        size = (window, window) if window else (grid, grid)
        self.attn = Attention(dim, num_heads, size)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = MLP(dim, dim * 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.norm1(x)
        if self.window:
            hw = x.shape[1:3]
            x, padded = window_partition(x, self.window)
            x = window_unpartition(self.attn(x), self.window, padded, hw)
        else:
            x = self.attn(x)
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, dim: int, patch: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, stride=patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).permute(0, 2, 3, 1)  # B, H, W, C


class ImageEncoderViT(nn.Module):
    def __init__(self, dim: int, depth: int, num_heads: int, global_blocks: tuple[int, ...],
                 img_size: int = 1024, patch: int = 16, window: int = 14) -> None:
        super().__init__()
        grid = img_size // patch
        self.patch_embed = PatchEmbed(dim, patch)
        self.pos_embed = nn.Parameter(torch.zeros(1, grid, grid, dim))
        self.blocks = nn.ModuleList(
            Block(dim, num_heads, 0 if i in global_blocks else window, grid) for i in range(depth)
        )
        self.neck = sam_neck(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.neck(x.permute(0, 3, 1, 2))


VIT_CONFIGS = {
    "b": dict(dim=768, depth=12, num_heads=12, global_blocks=(2, 5, 8, 11)),
    "l": dict(dim=1024, depth=24, num_heads=16, global_blocks=(5, 11, 17, 23)),
    "h": dict(dim=1280, depth=32, num_heads=16, global_blocks=(7, 15, 23, 31)),
}
