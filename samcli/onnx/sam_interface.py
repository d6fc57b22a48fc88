"""Decoders with the interfaces annotators speak, as exportable modules.

`SamInterfaceDecoder`: SAM's ONNX decoder interface (`SamOnnxModel` in
segment-anything's `utils/onnx.py`, used by SAM's web demo, CVAT, Label Studio,
AnyLabeling, samexporter) for every SAM-head model: SAM, MobileSAM, TinySAM,
EfficientViT-SAM (its decoder and 1024 prompt frame are SAM's; only the encoder
differs) and EdgeSAM (single mask by EdgeSAM's own rule, below).

`EfficientSamInterfaceDecoder`: EfficientSAM's own exported interface
(yformer/EfficientSAM `export_to_onnx.py`): its prompt encoder pads every query
to 6 point tokens and takes no mask prompt, so SAM's interface does not fit.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.edgesam import EdgeSam
from samcli.models.efficientsam.model import EfficientSam
from samcli.models.efficientsam.prompt_encoder import PAD_LABEL
from samcli.models.sam_head.model import SamHeadModel
from samcli.ops.masks import stability_score

#: SAM's exporter picks token 0 when the prompt has more than this many point tokens
#: (padding included): one click → best of the 3 candidates, anything more → token 0
SAM_SINGLE_MASK_POINTS = 2.5


def sam_rule(iou: torch.Tensor, num_points) -> torch.Tensor:
    """SAM's exporter's single-mask choice, without control flow: token 0 is pushed
    far up (more than 2 point tokens) or far down (a lone click + padding, or a
    lone box) before the argmax over all tokens."""
    push = torch.zeros_like(iou[:1])
    push[:, 0] = 1000.0
    return (iou + (num_points - SAM_SINGLE_MASK_POINTS) * push).argmax(dim=1)


def edgesam_rule(low_res: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """EdgeSAM's demo (samcli's `EdgeSam.select` in auto mode): with a box, token 0;
    with points only, the most stable of all four tokens (its IoU head was not distilled)."""
    has_box = (labels == 2).any(dim=1)
    stability = stability_score(low_res).nan_to_num(nan=-1.0)
    return torch.where(has_box, torch.zeros_like(has_box, dtype=torch.long), stability.argmax(dim=1))


def prepadded_size(orig_hw: torch.Tensor, side: int) -> torch.Tensor:
    """(2,) original (h, w) → the size inside the `side` frame, rounded as SAM's ResizeLongestSide."""
    orig_hw = orig_hw.to(torch.float32)
    return torch.floor(orig_hw * (side / orig_hw.max()) + 0.5).to(torch.int64)


class SamInterfaceDecoder(nn.Module):
    """(image_embeddings, point_coords, point_labels, mask_input, has_mask_input,
    orig_im_size) → (masks, iou_predictions, low_res_masks), as SAM's exporter.

    `single_mask` (SAM's default for its demo): one mask per call, by SAM's rule
    (`sam_rule`), or EdgeSAM's (`edgesam_rule`) for EdgeSAM; otherwise all four tokens.
    """

    def __init__(self, model: SamHeadModel, single_mask: bool = True) -> None:
        super().__init__()
        self.model = model
        self.single_mask = single_mask

    def forward(self, image_embeddings, point_coords, point_labels, mask_input, has_mask_input, orig_im_size):
        prompt = self.model.prompt_encoder
        sparse = prompt.embed_labelled(point_coords, point_labels)
        no_mask = prompt.no_mask_embed.weight.reshape(1, -1, 1, 1)
        dense = has_mask_input * prompt.mask_downscaling(mask_input) + (1 - has_mask_input) * no_mask
        low_res, iou = self.model.mask_decoder(image_embeddings + dense, prompt.dense_pe(), sparse)
        if self.single_mask:
            if isinstance(self.model, EdgeSam):
                pick = edgesam_rule(low_res, point_labels)
            else:
                pick = sam_rule(iou, point_coords.shape[1])
            rows = torch.arange(low_res.shape[0])
            low_res, iou = low_res[rows, pick][:, None], iou[rows, pick][:, None]
        return self.to_original(low_res, orig_im_size), iou, low_res

    def to_original(self, low_res: torch.Tensor, orig_im_size: torch.Tensor) -> torch.Tensor:
        """SAM's postprocessing with sizes computed in the graph: bilinear to the
        prompt frame, crop the padding, bilinear to (h, w)."""
        side = self.model.prompt_size
        x = F.interpolate(low_res, (side, side), mode="bilinear", align_corners=False)
        inner = prepadded_size(orig_im_size, side)
        x = x[..., : inner[0], : inner[1]]
        size = orig_im_size.to(torch.int64)
        return F.interpolate(x, (size[0], size[1]), mode="bilinear", align_corners=False)


class EfficientSamInterfaceDecoder(nn.Module):
    """(image_embeddings (1, C, h, w), batched_point_coords (1, Q, N, 2) original
    pixels, batched_point_labels (1, Q, N), orig_im_size (2,) int64) →
    (output_masks (1, Q, 3, H, W) logits, iou_predictions (1, Q, 3), low_res_masks (Q, 3, 256, 256)):
    the reference exporter's interface. Points beyond 6 are dropped, as the
    reference does; its masks are upscaled bicubically as its PyTorch predictor
    does (the reference's ONNX file uses bilinear, for speed)."""

    def __init__(self, model: EfficientSam) -> None:
        super().__init__()
        self.model = model

    def forward(self, image_embeddings, batched_point_coords, batched_point_labels, orig_im_size):
        b, q, n, _ = batched_point_coords.shape
        size = orig_im_size.to(torch.int64)
        side = float(self.model.prompt_size)
        scale = torch.stack([side / size[1].to(torch.float32), side / size[0].to(torch.float32)])
        xy = torch.where(batched_point_coords >= 0, batched_point_coords * scale, -1.0).reshape(b * q, n, 2)
        labels = batched_point_labels.to(torch.int64).reshape(b * q, n)
        k = self.model.max_points  # every query becomes exactly k tokens: pad, or drop the extra
        xy = torch.cat([xy, xy.new_full((b * q, k, 2), -1.0)], dim=1)[:, :k]
        labels = torch.cat([labels, labels.new_full((b * q, k), PAD_LABEL)], dim=1)[:, :k]
        sparse = self.model.prompt_encoder(xy, labels)
        index = torch.zeros_like(labels[:, 0])  # one image, its image-side work done once
        low_res, iou = self.model.mask_decoder(image_embeddings, self.model.prompt_encoder.dense_pe(), sparse, index)
        low_res, iou = low_res[:, self.model.candidates], iou[:, self.model.candidates]
        masks = F.interpolate(low_res, (size[0], size[1]), mode="bicubic", align_corners=False)
        return masks.reshape(b, q, 3, size[0], size[1]), iou.reshape(b, q, 3), low_res
