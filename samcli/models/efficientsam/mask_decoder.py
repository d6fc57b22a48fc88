"""EfficientSAM's mask decoder: SAM's token decoder with GELU MLPs, a
GroupNorm upscaling path, and its own key names."""
from __future__ import annotations

import torch
from torch import nn

from samcli.models.sam_head.mask_decoder import TokenMaskDecoder
from samcli.models.sam_head.transformer import TwoWayAttentionBlock, TwoWayTransformer


class GeluMLP(nn.Module):
    """`layers.i.0` Linear + GELU (`num_hidden` of them), then `fc` Linear
    (EfficientSAM's MLPBlock; SAM's MLP has ReLU and `layers.i` only)."""

    def __init__(self, dim_in: int, hidden: int, dim_out: int, num_hidden: int) -> None:
        super().__init__()
        dims = [dim_in] + [hidden] * num_hidden
        self.layers = nn.ModuleList(nn.Sequential(nn.Linear(a, b), nn.GELU()) for a, b in zip(dims[:-1], dims[1:]))
        self.fc = nn.Linear(hidden, dim_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return self.fc(x)


def transformer_mlp(dim: int, hidden: int) -> GeluMLP:
    return GeluMLP(dim, hidden, dim, 1)


class ResidualSelfAttentionBlock(TwoWayAttentionBlock):
    """EfficientSAM's self-attention step: PE (after the first layer) is added to
    the tokens themselves, so it also enters the values and the residual, and the
    first layer keeps its residual. (SAM: PE only in queries/keys; no residual in
    the first layer.)"""

    def self_attend(self, queries: torch.Tensor, query_pe: torch.Tensor) -> torch.Tensor:
        if not self.skip_first_layer_pe:
            queries = queries + query_pe
        return queries + self.self_attn(queries, queries, queries)


class EfficientSamMaskDecoder(TokenMaskDecoder):
    def __init__(self, dim: int = 256, num_multimask_outputs: int = 3, upscaling_dims: tuple[int, int] = (64, 32),
                 iou_head_hidden: int = 256) -> None:
        transformer = TwoWayTransformer(dim=dim, mlp_factory=transformer_mlp, block=ResidualSelfAttentionBlock)
        super().__init__(dim, transformer, num_multimask_outputs)
        mid, out = upscaling_dims
        # GroupNorm(1, C) normalises over channels AND positions (not SAM's per-pixel LayerNorm2d)
        self.final_output_upscaling_layers = nn.ModuleList([
            nn.Sequential(nn.ConvTranspose2d(dim, mid, 2, stride=2), nn.GroupNorm(1, mid), nn.GELU()),
            nn.Sequential(nn.ConvTranspose2d(mid, out, 2, stride=2), nn.Identity(), nn.GELU()),
        ])
        self.output_hypernetworks_mlps = nn.ModuleList(GeluMLP(dim, dim, out, 2) for _ in range(self.num_mask_tokens))
        self.iou_prediction_head = GeluMLP(dim, iou_head_hidden, self.num_mask_tokens, 2)

    def upscale(self, image_tokens: torch.Tensor) -> torch.Tensor:
        for layer in self.final_output_upscaling_layers:
            image_tokens = layer(image_tokens)
        return image_tokens
