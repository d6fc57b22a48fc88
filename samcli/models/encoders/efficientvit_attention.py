"""EfficientViT's global context: ReLU linear attention with multi-scale tokens (LiteMLA)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.encoders.efficientvit_blocks import ConvLayer, Residual, mbconv

#: added to the attention's normaliser; tiny, so it only guards all-zero ReLU keys
LINEAR_ATTENTION_EPS = 1e-15


def relu_linear_attention(qkv: torch.Tensor, head_dim: int, eps: float = LINEAR_ATTENTION_EPS) -> torch.Tensor:
    """(B, heads·3·d, H, W) with each head's channels laid out [q | k | v] → (B, heads·d, H, W).

    out_n = Σ_m v_m (k_m·q_n) / (Σ_m k_m·q_n + eps) with q, k ≥ 0 after ReLU,
    computed as (v kᵀ) q so the cost is linear in the number of pixels.
    """
    b, _, h, w = qkv.shape
    dtype = qkv.dtype
    # float32 whatever the model's dtype: the normaliser sums over every pixel
    qkv = qkv.float().reshape(b, -1, 3 * head_dim, h * w)
    q, k, v = qkv.split(head_dim, dim=2)
    q, k = F.relu(q), F.relu(k)
    # a row of ones under v makes the same two matmuls yield the normaliser as
    # their last row (the reference's order of operations, hence its rounding)
    v = F.pad(v, (0, 0, 0, 1), value=1.0)
    out = (v @ k.transpose(-1, -2)) @ q
    out = out[:, :, :-1] / (out[:, :, -1:] + eps)
    return out.reshape(b, -1, h, w).to(dtype)


class LiteMLA(nn.Module):
    """qkv 1×1 → extra tokens from depthwise k×k + grouped 1×1 per scale → linear
    attention per head → 1×1 projection with BatchNorm.

    The reference switches to quadratic attention when H·W ≤ head_dim; samcli's
    encoders see at least 16×16 tokens at their fixed input sizes, so only the
    linear path is implemented.
    """

    def __init__(self, channels: int, head_dim: int = 32, scales: tuple[int, ...] = (5,)) -> None:
        super().__init__()
        heads = channels // head_dim
        width = 3 * heads * head_dim
        self.head_dim = head_dim
        self.qkv = ConvLayer(channels, width, 1, norm=False, bias=False)
        self.aggreg = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(width, width, s, padding=s // 2, groups=width, bias=False),
                nn.Conv2d(width, width, 1, groups=3 * heads, bias=False),  # mixes within one head's q, k or v
            )
            for s in scales
        )
        self.proj = ConvLayer(heads * head_dim * (1 + len(scales)), channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        qkv = self.qkv(x)
        # each scale contributes its own heads, each with a complete [q | k | v]
        qkv = torch.cat([qkv] + [agg(qkv) for agg in self.aggreg], dim=1)
        return self.proj(relu_linear_attention(qkv, self.head_dim))


class EfficientViTBlock(nn.Module):
    """Global context (LiteMLA) then local mixing (MBConv), each with a skip."""

    def __init__(self, channels: int, head_dim: int, expand: float, scales: tuple[int, ...]) -> None:
        super().__init__()
        self.context_module = Residual(LiteMLA(channels, head_dim, scales))
        self.local_module = Residual(mbconv(channels, channels, 1, expand, fewer_norm=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.local_module(self.context_module(x))
