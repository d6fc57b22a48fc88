"""EfficientSAM (Xiong et al. 2023; github.com/yformer/EfficientSAM, Apache-2.0):
SAMI-pretrained plain ViT-Ti/S encoders with a SAM-like point-prompt decoder."""
from __future__ import annotations

from functools import partial

from samcli.models.efficientsam.model import CONFIGS, EfficientSam
from samcli.models.spec import ModelSpec

#: the checkpoints live in the repository itself (no releases, no published digests)
WEIGHTS_URL = "https://github.com/yformer/EfficientSAM/raw/main/weights/"

SPECS = (
    ModelSpec(
        id="efficientsam-ti", family="EfficientSAM", summary="EfficientSAM-Ti: SAMI-pretrained ViT-Tiny encoder",
        build=partial(EfficientSam, **CONFIGS["ti"]), url=WEIGHTS_URL + "efficient_sam_vitt.pt",
        filename="efficient_sam_vitt.pt", licence="Apache-2.0", input_size=1024, parity="efficientsam_vitt",
    ),
    ModelSpec(
        id="efficientsam-s", family="EfficientSAM", summary="EfficientSAM-S: SAMI-pretrained ViT-Small encoder",
        build=partial(EfficientSam, **CONFIGS["s"]), url=WEIGHTS_URL + "efficient_sam_vits.pt.zip",
        filename="efficient_sam_vits.pt", licence="Apache-2.0", input_size=1024, parity="efficientsam_vits",
        notes="released zipped (GitHub's 100 MB limit); the download unzips it",
    ),
)

__all__ = ["SPECS", "EfficientSam"]
