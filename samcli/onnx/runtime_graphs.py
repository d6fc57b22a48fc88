"""The graphs samcli itself runs on ONNX Runtime (`--runtime onnxruntime`).

Not SAM's one-prompt interface: samcli's decoder advantages stay in the graph.
A call decodes a batch of B prompts against ONE image, whose image-side work
(the first layer's key/value projections, the dense prompt) is done once for
all B (`per_image` sharing), and later layers use the folded projections
(samcli.models.sam_head.transformer). Every prompt is a row of point tokens
with labels (SAM's ONNX form: 0/1 points, 2/3 box corners, −1 padding), so
one graph serves every prompt shape; the caller builds the rows
(`samcli.onnx.tokens`). Outputs: low-res logits and predicted IoU of ALL
mask tokens, as `PromptableModel.decode` returns them.
"""
from __future__ import annotations

import torch
from torch import nn

from samcli.models.base import PromptableModel
from samcli.models.efficientsam.model import EfficientSam
from samcli.models.sam_head.model import SamHeadModel


class EncoderGraph(nn.Module):
    """Preprocessed (B, 3, S, S) → embeddings (B, C, h, w)."""

    def __init__(self, model: PromptableModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model.encode(image)


class TokenDecoder(nn.Module):
    """(embedding (1, C, h, w), coords (B, T, 2) prompt frame, labels (B, T) int64
    [, mask_input (B, 1, 256, 256)]) → (low_res (B, 4, 256, 256), iou (B, 4))."""

    def __init__(self, model: PromptableModel, with_mask: bool = False) -> None:
        super().__init__()
        if with_mask and not model.accepts_mask_input:
            raise ValueError(f"{type(model).__name__} takes no mask prompt")
        self.model = model
        self.with_mask = with_mask

    def forward(self, embedding, coords, labels, mask_input=None):
        shared = torch.zeros_like(labels[:, 0])  # every prompt decodes against image 0
        if isinstance(self.model, EfficientSam):
            sparse = self.model.prompt_encoder(coords, labels)
            return self.model.mask_decoder(embedding, self.model.prompt_encoder.dense_pe(), sparse, shared)
        if not isinstance(self.model, SamHeadModel):
            raise TypeError(f"no ONNX decoder for {type(self.model).__name__}")
        prompt = self.model.prompt_encoder
        sparse = prompt.embed_labelled(coords, labels)
        if self.with_mask:  # the dense prompt differs per prompt: nothing image-side is shared
            return self.model.mask_decoder(embedding + prompt.mask_downscaling(mask_input), prompt.dense_pe(), sparse)
        no_mask = prompt.no_mask_embed.weight.reshape(1, -1, 1, 1)
        return self.model.mask_decoder(embedding + no_mask, prompt.dense_pe(), sparse, shared)
