"""A SAM-head model: any image encoder + SAM's prompt encoder and mask decoder,
with SAM's letterbox preprocessing and mask upscaling."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.base import Geometry, PromptableModel, PromptTensors
from samcli.models.geometry import frame_geometry
from samcli.models.sam_head.mask_decoder import MaskDecoder, per_image
from samcli.models.preprocessing import Preprocessing
from samcli.models.sam_head.prompt_encoder import PromptEncoder
from samcli.models.sam_head.transformer import TwoWayTransformer
from samcli.ops.resize import longest_side_shape, pil_bilinear

SAM_PIXEL_MEAN = (123.675, 116.28, 103.53)
SAM_PIXEL_STD = (58.395, 57.12, 57.375)


class SamHeadModel(PromptableModel):
    """Checkpoint layout: `image_encoder.*`, `prompt_encoder.*`, `mask_decoder.*`."""

    float64_points = True  # RandomFourierPE.points normalises before casting
    accepts_mask_input = True

    def __init__(self, image_encoder: nn.Module, encoder_size: int = 1024, transformer_eps: float = 1e-5) -> None:
        super().__init__()
        self.encoder_size = encoder_size
        self.image_encoder = image_encoder
        self.prompt_encoder = PromptEncoder()
        self.mask_decoder = MaskDecoder(transformer=TwoWayTransformer(eps=transformer_eps))
        self.register_buffer("pixel_mean", torch.tensor(SAM_PIXEL_MEAN).view(3, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(SAM_PIXEL_STD).view(3, 1, 1), persistent=False)

    # ---- preprocessing -------------------------------------------------
    def geometry(self, original_hw: tuple[int, int]) -> Geometry:
        return frame_geometry(original_hw, self.prompt_size, stretch=False)

    @property
    def preprocessing(self) -> Preprocessing:
        return Preprocessing(self.encoder_size, "longest_side", 1, SAM_PIXEL_MEAN, SAM_PIXEL_STD, "bottom_right")

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        resized = pil_bilinear(image, longest_side_shape(image.shape[:2], self.encoder_size))
        return torch.from_numpy(np.ascontiguousarray(resized))

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 h×w×3 → normalised, then zero-padded bottom/right to S×S (pad after
        normalising, so the padding is 0 in normalised units, as in `Sam.preprocess`)."""
        x = (x.permute(2, 0, 1).float() - self.pixel_mean) / self.pixel_std
        h, w = x.shape[-2:]
        return F.pad(x, (0, self.encoder_size - w, 0, self.encoder_size - h))

    # ---- networks ------------------------------------------------------
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.image_encoder(x)

    def decode(self, embeddings: torch.Tensor, prompts: PromptTensors) -> tuple[torch.Tensor, torch.Tensor]:
        sparse, dense = self.prompt_encoder(prompts.coords, prompts.labels, prompts.boxes, prompts.masks)
        pe = self.prompt_encoder.dense_pe()
        if prompts.masks is None:  # dense is the no-mask embedding, the same for every prompt
            images, index = per_image(embeddings, prompts.image_index)
            return self.mask_decoder(images + dense[:1], pe, sparse, index)
        image = embeddings[prompts.image_index]  # = the reference's repeat_interleave
        return self.mask_decoder(image + dense, pe, sparse)

    # ---- postprocessing ------------------------------------------------
    def upscale(self, low_res: torch.Tensor, geom: Geometry) -> torch.Tensor:
        """Bilinear to the prompt frame, crop the padding, bilinear to the original
        size (`Sam.postprocess_masks`)."""
        s = self.prompt_size
        x = F.interpolate(low_res, (s, s), mode="bilinear", align_corners=False)
        ph, pw = geom.prompt_hw
        x = x[..., :ph, :pw]
        return F.interpolate(x, geom.original_hw, mode="bilinear", align_corners=False)
