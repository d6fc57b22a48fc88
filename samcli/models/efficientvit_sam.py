"""EfficientViT-SAM L0/L1/L2/XL0/XL1: the EfficientViT encoder plugged into the shared SAM head.

Numerics of the reference (`efficientvit/sam_model_zoo.py`, `models/efficientvit/sam.py`):
- the encoder sees S = 512 (L) or 1024 (XL) pixels, while prompts and masks stay in
  SAM's 1024 frame (`geometry` and `upscale` are SamHeadModel's, with prompt_size 1024);
- `set_norm_eps(model, 1e-6)` also reaches the two-way transformer's LayerNorms;
- pixels go through ToTensor (÷255) and Normalize(mean/255, std/255), then zero padding.
"""
from __future__ import annotations

from functools import partial

import torch

from samcli.models.encoders.efficientvit import CONFIGS, EfficientViTSamEncoder
from samcli.models.encoders.efficientvit_blocks import NORM_EPS
from samcli.models.layers import fuse_modules
from samcli.models.preprocessing import Preprocessing
from samcli.models.spec import ModelSpec
from samcli.models.sam_head.model import SAM_PIXEL_MEAN, SAM_PIXEL_STD, SamHeadModel


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


HF_URL = "https://huggingface.co/mit-han-lab/efficientvit-sam/resolve/main/"
#: variants with a golden under shared/parity; the others share their code and
#: are checked against the reference's key/shape manifests
PARITY_FIXTURES = {"l0": "efficientvit_sam_l0", "xl0": "efficientvit_sam_xl0"}
_SUMMARIES = {
    "l0": "EfficientViT-L0 encoder at 512 px (fastest)",
    "l1": "EfficientViT-L1 encoder at 512 px",
    "l2": "EfficientViT-L2 encoder at 512 px",
    "xl0": "EfficientViT-XL0 encoder at 1024 px",
    "xl1": "EfficientViT-XL1 encoder at 1024 px (most accurate)",
}


def _spec(variant: str) -> ModelSpec:
    filename = f"efficientvit_sam_{variant}.pt"
    proven_by = "l0" if variant.startswith("l") else "xl0"
    return ModelSpec(
        id=f"efficientvit-sam-{variant}", family="EfficientViT-SAM", summary=_SUMMARIES[variant],
        build=partial(EfficientViTSam, variant), url=HF_URL + filename, filename=filename,
        licence="Apache-2.0", input_size=CONFIGS[variant].input_size, parity=PARITY_FIXTURES.get(variant),
        notes="" if variant in PARITY_FIXTURES else
        f"same code as efficientvit-sam-{proven_by} (parity-proven); keys and shapes match the reference's",
    )


SPECS = tuple(_spec(v) for v in CONFIGS)
