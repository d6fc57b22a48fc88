"""EfficientSAM (Xiong et al. 2023; github.com/yformer/EfficientSAM, Apache-2.0):
SAMI-pretrained plain ViT-Ti/S encoders with a SAM-like point-prompt decoder."""
from __future__ import annotations

from samcli.models.efficientsam.model import EfficientSam
from samcli.models.zoo import EFFICIENTSAM_SPECS as SPECS

__all__ = ["SPECS", "EfficientSam"]
