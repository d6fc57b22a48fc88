"""SAM's two-way transformer: prompt tokens and image tokens attend to each other.

Written once for every SAM-head model; EfficientSAM reuses it with its own MLP
(`mlp_factory`) and its own self-attention step (`block` overriding `self_attend`),
since its blocks differ only there.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn


class MLPBlock(nn.Module):
    """lin1 → act → lin2 (SAM's `common.MLPBlock`)."""

    def __init__(self, dim: int, hidden: int, act: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.lin1 = nn.Linear(dim, hidden)
        self.lin2 = nn.Linear(hidden, dim)
        self.act = act()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin2(self.act(self.lin1(x)))


class Attention(nn.Module):
    """Multi-head attention whose q/k/v projections may shrink the width (downsample_rate)."""

    def __init__(self, dim: int, num_heads: int, downsample_rate: int = 1) -> None:
        super().__init__()
        inner = dim // downsample_rate
        if inner % num_heads:
            raise ValueError("num_heads must divide dim // downsample_rate")
        self.num_heads = num_heads
        self.q_proj = nn.Linear(dim, inner)
        self.k_proj = nn.Linear(dim, inner)
        self.v_proj = nn.Linear(dim, inner)
        self.out_proj = nn.Linear(inner, dim)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        return x.reshape(b, n, self.num_heads, c // self.num_heads).transpose(1, 2)

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        q, k, v = self._heads(self.q_proj(q)), self._heads(self.k_proj(k)), self._heads(self.v_proj(v))
        out = F.scaled_dot_product_attention(q, k, v)  # softmax(q·kᵀ/√d)·v, fused
        b, h, n, d = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, n, h * d))


MlpFactory = Callable[[int, int], nn.Module]


class TwoWayAttentionBlock(nn.Module):
    """Token self-attention, token→image, MLP on tokens, image→token; post-norm."""

    def __init__(self, dim: int, num_heads: int, mlp_dim: int, mlp_factory: MlpFactory,
                 downsample_rate: int, skip_first_layer_pe: bool, eps: float) -> None:
        super().__init__()
        self.self_attn = Attention(dim, num_heads)
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.cross_attn_token_to_image = Attention(dim, num_heads, downsample_rate)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = mlp_factory(dim, mlp_dim)
        self.norm3 = nn.LayerNorm(dim, eps=eps)
        self.norm4 = nn.LayerNorm(dim, eps=eps)
        self.cross_attn_image_to_token = Attention(dim, num_heads, downsample_rate)
        self.skip_first_layer_pe = skip_first_layer_pe

    def self_attend(self, queries: torch.Tensor, query_pe: torch.Tensor) -> torch.Tensor:
        """SAM: the first layer replaces the tokens by their self-attention (no
        residual, no PE); later layers add PE to queries/keys only."""
        if self.skip_first_layer_pe:
            return self.self_attn(queries, queries, queries)
        q = queries + query_pe
        return queries + self.self_attn(q, q, queries)

    def forward(self, queries, keys, query_pe, key_pe):
        queries = self.norm1(self.self_attend(queries, query_pe))

        q, k = queries + query_pe, keys + key_pe
        queries = self.norm2(queries + self.cross_attn_token_to_image(q, k, keys))
        queries = self.norm3(queries + self.mlp(queries))

        q, k = queries + query_pe, keys + key_pe
        keys = self.norm4(keys + self.cross_attn_image_to_token(k, q, queries))
        return queries, keys


class TwoWayTransformer(nn.Module):
    def __init__(self, depth: int = 2, dim: int = 256, num_heads: int = 8, mlp_dim: int = 2048,
                 mlp_factory: MlpFactory = MLPBlock, downsample_rate: int = 2, eps: float = 1e-5,
                 block: type[TwoWayAttentionBlock] = TwoWayAttentionBlock) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            block(dim, num_heads, mlp_dim, mlp_factory, downsample_rate, i == 0, eps)
            for i in range(depth)
        )
        self.final_attn_token_to_image = Attention(dim, num_heads, downsample_rate)
        self.norm_final_attn = nn.LayerNorm(dim, eps=eps)

    def forward(self, image: torch.Tensor, image_pe: torch.Tensor, tokens: torch.Tensor):
        """image, image_pe: (B, C, H, W); tokens: (B, T, C) → (tokens', image tokens (B, HW, C))."""
        keys = image.flatten(2).transpose(1, 2)
        key_pe = image_pe.flatten(2).transpose(1, 2)
        queries = tokens
        for layer in self.layers:
            queries, keys = layer(queries, keys, tokens, key_pe)
        q, k = queries + tokens, keys + key_pe
        queries = self.norm_final_attn(queries + self.final_attn_token_to_image(q, k, keys))
        return queries, keys
