"""SAM's mask decoder: two-way transformer + hypernetwork MLPs + IoU head.

`TokenMaskDecoder` is the part EfficientSAM shares (same maths, other layers)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.layers import LayerNorm2d
from samcli.models.sam_head.transformer import TwoWayTransformer


class MLP(nn.Module):
    """`layers.0..n-1` Linear with ReLU between (SAM's mask_decoder.MLP)."""

    def __init__(self, dim_in: int, hidden: int, dim_out: int, num_layers: int) -> None:
        super().__init__()
        dims = [dim_in] + [hidden] * (num_layers - 1) + [dim_out]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class TokenMaskDecoder(nn.Module):
    """What SAM-style decoders share: IoU + mask tokens run through the two-way
    transformer with the prompt tokens, then a hypernetwork product with the
    upscaled image tokens. Subclasses build `output_hypernetworks_mlps`,
    `iou_prediction_head` and implement `upscale` (their layers and key names differ).

    Returns the logits and IoU predictions of ALL mask tokens; callers slice.
    (Meta's decoder also computes all tokens and slices afterwards, so slicing
    here gives bit-identical results for every multimask setting.)
    """

    output_hypernetworks_mlps: nn.ModuleList
    iou_prediction_head: nn.Module

    def __init__(self, dim: int, transformer: nn.Module, num_multimask_outputs: int) -> None:
        super().__init__()
        self.transformer = transformer
        self.num_mask_tokens = num_multimask_outputs + 1
        self.iou_token = nn.Embedding(1, dim)
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, dim)

    def upscale(self, image_tokens: torch.Tensor) -> torch.Tensor:
        """(B, C, h, w) → (B, C', 4h, 4w)."""
        raise NotImplementedError

    def forward(self, image: torch.Tensor, image_pe: torch.Tensor, sparse: torch.Tensor,
                dense: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """image: (B, C, h, w) — one embedding per prompt; image_pe: (1, C, h, w);
        sparse: (B, T, C); dense: (B, C, h, w) or None → (B, 4, 4h, 4w), (B, 4)."""
        b = sparse.shape[0]
        out_tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight]).unsqueeze(0).expand(b, -1, -1)
        tokens = torch.cat([out_tokens, sparse], dim=1)
        src = image if dense is None else image + dense
        pos = image_pe.expand(b, -1, -1, -1)
        _, c, h, w = src.shape
        hs, src = self.transformer(src, pos, tokens)
        iou_out = hs[:, 0]
        mask_out = hs[:, 1 : 1 + self.num_mask_tokens]

        up = self.upscale(src.transpose(1, 2).reshape(b, c, h, w))
        hyper = torch.stack([mlp(mask_out[:, i]) for i, mlp in enumerate(self.output_hypernetworks_mlps)], dim=1)
        _, cu, hu, wu = up.shape
        masks = (hyper @ up.reshape(b, cu, hu * wu)).reshape(b, -1, hu, wu)
        return masks, self.iou_prediction_head(iou_out)


class MaskDecoder(TokenMaskDecoder):
    """SAM's decoder: LayerNorm2d upscaling and ReLU MLPs."""

    def __init__(self, dim: int = 256, transformer: TwoWayTransformer | None = None,
                 num_multimask_outputs: int = 3, iou_head_depth: int = 3, iou_head_hidden: int = 256) -> None:
        super().__init__(dim, transformer or TwoWayTransformer(dim=dim), num_multimask_outputs)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(dim, dim // 4, 2, stride=2),
            LayerNorm2d(dim // 4),
            nn.GELU(),
            nn.ConvTranspose2d(dim // 4, dim // 8, 2, stride=2),
            nn.GELU(),
        )
        self.output_hypernetworks_mlps = nn.ModuleList(
            MLP(dim, dim, dim // 8, 3) for _ in range(self.num_mask_tokens)
        )
        self.iou_prediction_head = MLP(dim, iou_head_hidden, self.num_mask_tokens, iou_head_depth)

    def upscale(self, image_tokens: torch.Tensor) -> torch.Tensor:
        return self.output_upscaling(image_tokens)
