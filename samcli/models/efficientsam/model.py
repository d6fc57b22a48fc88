"""EfficientSAM as a PromptableModel: the reference's stretch-to-square
preprocessing, point-only prompts, and bicubic upscaling straight to the image."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from samcli.models.base import Geometry, MaskRules, PromptableModel, PromptTensors
from samcli.models.efficientsam.encoder import EfficientSamViT
from samcli.models.geometry import frame_geometry
from samcli.models.efficientsam.mask_decoder import EfficientSamMaskDecoder
from samcli.models.preprocessing import Preprocessing
from samcli.models.efficientsam.prompt_encoder import EfficientSamPromptEncoder, points_with_box_corners
from samcli.models.sam_head.mask_decoder import per_image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class EfficientSam(PromptableModel):
    """Checkpoint layout: `image_encoder.*`, `prompt_encoder.*`, `mask_decoder.*`
    (the released files wrap it as {"model": sd}, which the loader unwraps)."""

    #: decoder_max_num_input_points: every query becomes exactly this many point tokens
    max_points = 6
    #: the reference always returns the 3 candidates and the example keeps the one with the
    #: highest predicted IoU, for every prompt; its threshold is logits >= 0 (SAM: > 0)
    rules = MaskRules(auto="always", upscale="bicubic", inclusive_threshold=True)

    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        self.image_encoder = EfficientSamViT(dim, num_heads, img_size=self.encoder_size)
        self.prompt_encoder = EfficientSamPromptEncoder(input_hw=(self.prompt_size, self.prompt_size))
        self.mask_decoder = EfficientSamMaskDecoder()
        self.register_buffer("pixel_mean", torch.tensor(IMAGENET_MEAN).view(3, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(IMAGENET_STD).view(3, 1, 1), persistent=False)

    def after_load(self) -> None:
        self.image_encoder.refresh_pos_embed()

    # ---- preprocessing -------------------------------------------------
    def geometry(self, original_hw: tuple[int, int]) -> Geometry:
        """The image is stretched to the square: prompts scale per axis."""
        return frame_geometry(original_hw, self.prompt_size, stretch=True)

    @property
    def preprocessing(self) -> Preprocessing:
        return Preprocessing(self.encoder_size, "stretch", 255, IMAGENET_MEAN, IMAGENET_STD, "none")

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        """uint8 H×W×3 as is: the resize is torch bilinear on floats, cheaper on
        the device, and uint8 is the smallest thing to transfer."""
        return torch.from_numpy(np.require(image, requirements=["C", "W"]))  # copies only if needed

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 H×W×3 → [0, 1] (`ToTensor`) → stretched to S×S (bilinear, no
        antialias; skipped when already S×S) → ImageNet mean/std."""
        x = (x.permute(2, 0, 1).float() / 255.0)[None]
        s = self.encoder_size
        if x.shape[-2:] != (s, s):
            x = F.interpolate(x, (s, s), mode="bilinear", align_corners=False)
        return ((x - self.pixel_mean) / self.pixel_std)[0]

    # ---- networks ------------------------------------------------------
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.image_encoder(x)

    def decode(self, embeddings: torch.Tensor, prompts: PromptTensors) -> tuple[torch.Tensor, torch.Tensor]:
        if prompts.masks is not None:
            raise ValueError("EfficientSAM takes no mask prompt (accepts_mask_input is False)")
        coords, labels = points_with_box_corners(prompts, self.max_points)
        sparse = self.prompt_encoder(coords, labels)
        images, index = per_image(embeddings, prompts.image_index)  # the reference tiles per query
        return self.mask_decoder(images, self.prompt_encoder.dense_pe(), sparse, index)

    # ---- postprocessing ------------------------------------------------
    def upscale(self, low_res: torch.Tensor, geom: Geometry) -> torch.Tensor:
        """Bicubic straight to the original size (no crop: nothing was padded)."""
        return F.interpolate(low_res, geom.original_hw, mode="bicubic", align_corners=False)

