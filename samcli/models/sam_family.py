"""SAM ViT-B/L/H, MobileSAM and TinySAM: encoders plugged into the shared SAM head."""
from __future__ import annotations

from functools import partial

from samcli.models.base import MaskRules
from samcli.models.encoders.tiny_vit import TinyViT
from samcli.models.encoders.vit_sam import VIT_CONFIGS, ImageEncoderViT
from samcli.models.layers import fuse_modules
from samcli.models.spec import ModelSpec
from samcli.models.sam_head.model import SamHeadModel


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


# Digests: Meta names SAM files by the first hex digits of their MD5; the full
# MD5s below are the ones published alongside those names. Where no digest is
# published we record none rather than invent one.

SAM_URL = "https://dl.fbaipublicfiles.com/segment_anything/"



def _sam_spec(size: str, filename: str, md5: str, summary: str, **extra) -> ModelSpec:
    return ModelSpec(
        id=f"sam-vit-{size}", family="SAM", summary=summary, build=partial(build_sam_vit, size),
        url=SAM_URL + filename, filename=filename, digest=f"md5:{md5}", licence="Apache-2.0",
        input_size=1024, **extra,
    )


SPECS = (
    _sam_spec("b", "sam_vit_b_01ec64.pth", "01ec64d29a2fca3f0661936605ae66f8", "Segment Anything ViT-B (baseline)",
              parity="sam_vit_b"),
    _sam_spec("l", "sam_vit_l_0b3195.pth", "0b3195507c641ddb6910d2bb5adee89c", "Segment Anything ViT-L",
              notes="same code as sam-vit-b (parity-proven) with the ViT-L configuration"),
    _sam_spec("h", "sam_vit_h_4b8939.pth", "4b8939a88964f0f4ff5f5b2642c598a6", "Segment Anything ViT-H (largest)",
              notes="same code as sam-vit-b (parity-proven) with the ViT-H configuration"),
    ModelSpec(
        id="mobilesam", family="MobileSAM", summary="TinyViT-5M encoder distilled from SAM ViT-H",
        build=TinyViTSam, url="https://github.com/ChaoningZhang/MobileSAM/raw/master/weights/mobile_sam.pt",
        filename="mobile_sam.pt", digest="md5:f3c0d8cda613564d499310dab6c812cd",
        licence="Apache-2.0", input_size=1024, parity="mobilesam",
    ),
    ModelSpec(
        id="tinysam", family="TinySAM", summary="TinyViT-5M, full-stage distilled + quantisation-aware",
        build=TinySam, url="https://github.com/xinghaochen/TinySAM/releases/download/3.0/tinysam_42.3.pth",
        filename="tinysam_42.3.pth", licence="Apache-2.0", input_size=1024, parity="tinysam",
    ),
)
