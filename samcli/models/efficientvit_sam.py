"""EfficientViT-SAM L0/L1/L2/XL0/XL1: the EfficientViT encoder plugged into the shared SAM head.

Numerics of the reference (`efficientvit/sam_model_zoo.py`, `models/efficientvit/sam.py`):
- the encoder sees S = 512 (L) or 1024 (XL) pixels, while prompts and masks stay in
  SAM's 1024 frame (`geometry` and `upscale` are SamHeadModel's, with prompt_size 1024);
- `set_norm_eps(model, 1e-6)` also reaches the two-way transformer's LayerNorms;
- pixels go through ToTensor (÷255) and Normalize(mean/255, std/255), then zero padding.
"""
from __future__ import annotations

import torch

from samcli.models.encoders.efficientvit import CONFIGS, EfficientViTSamEncoder
from samcli.models.encoders.efficientvit_blocks import NORM_EPS
from samcli.models.layers import fuse_modules
from samcli.models.preprocessing import Preprocessing
from samcli.models.sam_head.model import SAM_PIXEL_MEAN, SAM_PIXEL_STD, SamHeadModel
from samcli.models.zoo import EFFICIENTVIT_SAM_SPECS as SPECS  # noqa: F401 (re-exported)


class EfficientViTSam(SamHeadModel):
    def __init__(self, variant: str) -> None:
        cfg = CONFIGS[variant]
        super().__init__(EfficientViTSamEncoder(cfg), encoder_size=cfg.input_size, transformer_eps=NORM_EPS)
        # torchvision's Normalize gets mean/255 and std/255 rounded from float64 to float32
        self.pixel_mean = torch.tensor([m / 255 for m in SAM_PIXEL_MEAN]).view(3, 1, 1)
        self.pixel_std = torch.tensor([s / 255 for s in SAM_PIXEL_STD]).view(3, 1, 1)

    @property
    def preprocessing(self) -> Preprocessing:
        return Preprocessing(self.encoder_size, "longest_side", 255, tuple(m / 255 for m in SAM_PIXEL_MEAN),
                             tuple(s / 255 for s in SAM_PIXEL_STD), "bottom_right")

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        # ToTensor's ÷255 first; SamHeadModel then standardises and zero-pads to S×S
        return super().normalize(x.float() / 255)

    def after_load(self) -> None:
        fuse_modules(self.image_encoder)
