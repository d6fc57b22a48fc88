"""SAM ViT-B/L/H, MobileSAM and TinySAM: encoders plugged into the shared SAM head."""
from __future__ import annotations

from samcli.models.base import MaskRules
from samcli.models.encoders.tiny_vit import TinyViT
from samcli.models.encoders.vit_sam import VIT_CONFIGS, ImageEncoderViT
from samcli.models.layers import fuse_modules
from samcli.models.sam_head.model import SamHeadModel
from samcli.models.zoo import SAM_FAMILY_SPECS as SPECS  # noqa: F401 (re-exported)


def build_sam_vit(size: str) -> SamHeadModel:
    return SamHeadModel(ImageEncoderViT(**VIT_CONFIGS[size]))


class TinyViTSam(SamHeadModel):
    """MobileSAM: TinyViT-5M + SAM head. The checkpoint carries TinyViT's unused
    classifier (`norm_head`, `head`); BatchNorms are folded after loading."""

    ignored_checkpoint_prefixes = ("image_encoder.norm_head.", "image_encoder.head.")

    def __init__(self) -> None:
        super().__init__(TinyViT())

    def after_load(self) -> None:
        fuse_modules(self.image_encoder)


class TinySam(TinyViTSam):
    """TinySAM: same architecture; its predictor always returns the 3 candidates
    and callers keep the best, so `auto` means best-of-three for every prompt."""

    rules = MaskRules(auto="always")
