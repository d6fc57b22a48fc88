"""SAM's two-way transformer: prompt tokens and image tokens attend to each other.

Written once for every SAM-head model; EfficientSAM reuses it with its own MLP
(`mlp_factory`) and its own self-attention step (`block` overriding `self_attend`),
since its blocks differ only there.

Where the time goes: a prompt has a handful of tokens (T ≈ 7) but the image has
N = 4096 tokens of width C = 256, so nearly all the work is projecting image
tokens (N·C·C/2 multiply-adds each). Two exact rewrites avoid most of it:

- In the first layer the image side is the same for every prompt of an image
  (the dense prompt is the constant no-mask embedding), so its projections run
  once per distinct image (`index` maps prompts to images) and are shared.
- Later, where the image side differs per prompt, the projections are moved
  onto the T tokens ("folding"): q·(W_k x) = (W_kᵀ q)·x, and since softmax rows
  sum to 1, Σ a·(W_v x + b) = W_v (Σ a·x) + b; likewise out_proj is applied to
  the T values before they are mixed into N outputs. That costs N·C·heads·T
  instead of N·C·inner, a saving while heads·T < inner, i.e. T < head_dim (16
  for SAM: up to 10 points with no box); otherwise the plain order is used.

Both change float rounding only (< 1e-6 on the logits).
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.onednn import linear


class MLPBlock(nn.Module):
    """lin1 → act → lin2 (SAM's `common.MLPBlock`)."""

    def __init__(self, dim: int, hidden: int, act: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.lin1 = nn.Linear(dim, hidden)
        self.lin2 = nn.Linear(hidden, dim)
        self.act = act()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin2(self.act(self.lin1(x)))


def take(per_image: torch.Tensor, index: torch.Tensor | None) -> torch.Tensor:
    """Rows of a per-image tensor for each prompt; a broadcast view (no copy) when
    there is one image. index None: already one row per prompt."""
    if index is None:
        return per_image
    if per_image.shape[0] == 1:
        return per_image.expand(index.shape[0], *per_image.shape[1:])
    return per_image[index]


class Attention(nn.Module):
    """Multi-head attention whose q/k/v projections may shrink the width (downsample_rate)."""

    def __init__(self, dim: int, num_heads: int, downsample_rate: int = 1) -> None:
        super().__init__()
        inner = dim // downsample_rate
        if inner % num_heads:
            raise ValueError("num_heads must divide dim // downsample_rate")
        self.num_heads = num_heads
        self.head_dim = inner // num_heads
        self.q_proj = nn.Linear(dim, inner)
        self.k_proj = nn.Linear(dim, inner)
        self.v_proj = nn.Linear(dim, inner)
        self.out_proj = nn.Linear(inner, dim)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        return x.reshape(b, n, self.num_heads, c // self.num_heads).transpose(1, 2)

    def _merge(self, x: torch.Tensor) -> torch.Tensor:
        b, h, n, d = x.shape
        return x.transpose(1, 2).reshape(b, n, h * d)

    def _per_head(self, layer: nn.Linear) -> torch.Tensor:
        """A q/k/v projection's weight as (heads, head_dim, dim)."""
        return layer.weight.view(self.num_heads, self.head_dim, -1)

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        q, k, v = (self._heads(linear(proj, x)) for proj, x in ((self.q_proj, q), (self.k_proj, k), (self.v_proj, v)))
        out = F.scaled_dot_product_attention(q, k, v)  # softmax(q·kᵀ/√d)·v, fused
        return linear(self.out_proj, self._merge(out))

    # ---- T prompt tokens ↔ N image tokens (see the module docstring) ----------
    def folds(self, tokens: int) -> bool:
        """Whether folding is cheaper: heads·T < inner, i.e. T < head_dim."""
        return tokens < self.head_dim

    def tokens_to_image(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                        index: torch.Tensor | None = None) -> torch.Tensor:
        """Tokens q (B, T, C) attend to image tokens k (with PE), v: (B, N, C) per
        prompt, or (U, N, C) per distinct image with `index` (B,)."""
        if index is None and self.folds(q.shape[1]):
            return self._tokens_to_image_folded(q, k, v)
        k, v = take(linear(self.k_proj, k), index), take(linear(self.v_proj, v), index)  # once per image
        out = F.scaled_dot_product_attention(self._heads(linear(self.q_proj, q)), self._heads(k), self._heads(v))
        return linear(self.out_proj, self._merge(out))

    def _tokens_to_image_folded(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        b, t, _ = q.shape
        q = self._heads(linear(self.q_proj, q)) * self.head_dim**-0.5
        # scores = (W_kᵀ q)·k; k_proj's bias adds the same q·b_k to a whole softmax row: dropped
        qk = torch.einsum("bhtd,hdc->bhtc", q, self._per_head(self.k_proj)).flatten(1, 2)
        attn = torch.bmm(qk, k.transpose(1, 2)).softmax(dim=-1)  # (B, heads·T, N)
        mixed = torch.bmm(attn, v).view(b, self.num_heads, t, -1)  # Σ a·v before v_proj
        out = torch.einsum("bhtc,hdc->bthd", mixed, self._per_head(self.v_proj)).reshape(b, t, -1)
        return linear(self.out_proj, out + self.v_proj.bias)

    def image_to_tokens(self, x: torch.Tensor, k: torch.Tensor, v: torch.Tensor, residual: torch.Tensor,
                        index: torch.Tensor | None = None) -> torch.Tensor:
        """residual (B, N, C) + the attention of image tokens x (with PE) to tokens
        k (with PE), v: (B, T, C). x is (B, N, C) per prompt, or (U, N, C) per
        distinct image with `index`."""
        b, t, _ = k.shape
        if index is None and not self.folds(t):
            return residual + self(x, k, v)
        h, d = self.num_heads, self.head_dim
        k = self._heads(linear(self.k_proj, k)) * d**-0.5  # (B, heads, T, d)
        # scores are laid out (B, heads·T, N): softmax over a head's T tokens is
        # then a reduction across rows, far faster than over a last axis of T
        if index is None:
            # (W_q x + b_q)·k = (W_qᵀ k)·x + b_q·k
            keys = torch.einsum("bhtd,hdc->bhtc", k, self._per_head(self.q_proj)).flatten(1, 2)
            shift = torch.einsum("bhtd,hd->bht", k, self.q_proj.bias.view(h, d)).flatten(1)
            scores = torch.baddbmm(shift[..., None], keys, x.transpose(1, 2))
        else:
            x = take(linear(self.q_proj, x), index)  # once per image
            # every head's products in one matmul: k laid out block-diagonally (heads·T, inner)
            eye = torch.eye(h, dtype=k.dtype, device=k.device)
            keys = torch.einsum("bhtd,hg->bgthd", k, eye).reshape(b, h * t, h * d)
            scores = torch.bmm(keys, x.transpose(1, 2))
        attn = scores.view(b, h, t, -1).softmax(dim=2)
        v = self._heads(linear(self.v_proj, v))
        if self.folds(t):
            # out_proj on the T values before mixing: Σ_h A_h·(v_h W_o,hᵀ + b_o/heads),
            # as each head's weights sum to 1; the residual is added by the same matmul
            vo = torch.einsum("bhtd,chd->bhtc", v, self.out_proj.weight.view(-1, h, d)) + self.out_proj.bias / h
            return torch.baddbmm(residual, attn.flatten(1, 2).transpose(1, 2), vo.flatten(1, 2))
        mixed = torch.einsum("bhtn,bhtd->bnhd", attn, v).flatten(2)
        return linear(self.out_proj, mixed, residual=residual)


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

    def forward(self, queries, keys, query_pe, key_pe, index=None):
        """keys: image tokens, (B, N, C) per prompt, or (U, N, C) per distinct image
        with `index` (B,) naming each prompt's image → keys (B, N, C)."""
        queries = self.norm1(self.self_attend(queries, query_pe))

        q, k = queries + query_pe, keys + key_pe
        queries = self.norm2(queries + self.cross_attn_token_to_image.tokens_to_image(q, k, keys, index))
        queries = self.norm3(queries + self.mlp(queries))

        q = queries + query_pe
        keys = self.norm4(self.cross_attn_image_to_token.image_to_tokens(k, q, queries, take(keys, index), index))
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

    def forward(self, image: torch.Tensor, image_pe: torch.Tensor, tokens: torch.Tensor,
                index: torch.Tensor | None = None):
        """image: (B, C, H, W), or (U, C, H, W) per distinct image with `index` (B,);
        image_pe: (1, C, H, W); tokens: (B, T, C) → (tokens', image tokens (B, HW, C))."""
        keys = image.flatten(2).transpose(1, 2).contiguous()  # read by several projections
        key_pe = image_pe.flatten(2).transpose(1, 2)
        queries = tokens
        for layer in self.layers:
            queries, keys = layer(queries, keys, tokens, key_pe, index)
            index = None  # the first layer made the image tokens prompt-specific
        q, k = queries + tokens, keys + key_pe
        queries = self.norm_final_attn(queries + self.final_attn_token_to_image.tokens_to_image(q, k, keys))
        return queries, keys
