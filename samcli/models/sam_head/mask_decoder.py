"""SAM's mask decoder: two-way transformer + hypernetwork MLPs + IoU head.

`TokenMaskDecoder` is the part EfficientSAM shares (same maths, other layers)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.layers import LayerNorm2d, tokens_to_map
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

    def masks(self, src: torch.Tensor, hw: tuple[int, int], hyper: torch.Tensor) -> torch.Tensor:
        """Image tokens (B, hw, C) and hypernetwork outputs (B, T, C') → logits (B, T, 4h, 4w).
        Upscaled channels-last, as the tokens already are: no transposing copy, and
        oneDNN's transposed convs and LayerNorm2d are faster on that layout."""
        up = self.upscale(tokens_to_map(src, *hw))
        return (hyper @ up.flatten(2)).view(hyper.shape[0], -1, *up.shape[-2:])

    def forward(self, image: torch.Tensor, image_pe: torch.Tensor, sparse: torch.Tensor,
                index: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """image: (B, C, h, w), the image embedding (+ dense prompt) of each prompt,
        or (U, C, h, w) per distinct image with `index` (B,) naming each prompt's
        (see `per_image`); image_pe: (1, C, h, w); sparse: (B, T, C)
        → (B, 4, 4h, 4w), (B, 4)."""
        b = sparse.shape[0]
        out_tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight]).unsqueeze(0).expand(b, -1, -1)
        tokens = torch.cat([out_tokens, sparse], dim=1)
        hs, src = self.transformer(image, image_pe, tokens, index)
        iou_out = hs[:, 0]
        mask_out = hs[:, 1 : 1 + self.num_mask_tokens]
        hyper = torch.stack([mlp(mask_out[:, i]) for i, mlp in enumerate(self.output_hypernetworks_mlps)], dim=1)
        return self.masks(src, image.shape[-2:], hyper), self.iou_prediction_head(iou_out)


def per_image(embeddings: torch.Tensor, image_index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The embeddings the prompts use, once each, and each prompt's row among them:
    the decoder then does the image-only part of its work once per image."""
    images, index = torch.unique(image_index, return_inverse=True)
    return embeddings[images], index


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
