"""EfficientViT-SAM's variants (mit-han-lab/efficientvit, `models/efficientvit/sam.py`'s
builders) as plain data, free of torch: the model registry reads their input sizes."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EfficientViTSamConfig:
    input_size: int  # encoder input side
    widths: tuple[int, ...]  # per stage; stage 0 is the stride-2 stem
    depths: tuple[int, ...]  # blocks per stage after the stem / downsampling block
    neck_stages: tuple[int, ...]  # which stage outputs feed the neck, coarsest first
    neck_depth: int
    neck_expand: float
    # "att" = EfficientViT block with 5×5 aggregation, "att@3" with 3×3
    blocks: tuple[str, ...] = ("res", "fmb", "fmb", "mb", "att")
    expands: tuple[float, ...] = (1, 4, 4, 4, 6)
    fewer_norm: tuple[bool, ...] = (False, False, False, True, True)


_L_WIDTHS = (32, 64, 128, 256, 512)
_XL = dict(
    input_size=1024, widths=(32, 64, 128, 256, 512, 1024), neck_stages=(5, 4, 3), neck_expand=4,
    blocks=("res", "fmb", "fmb", "fmb", "att@3", "att@3"), expands=(1, 4, 4, 4, 4, 6),
    fewer_norm=(False, False, False, False, True, True),
)

CONFIGS = {
    "l0": EfficientViTSamConfig(512, _L_WIDTHS, (1, 1, 1, 4, 4), (4, 3, 2), neck_depth=4, neck_expand=1),
    "l1": EfficientViTSamConfig(512, _L_WIDTHS, (1, 1, 1, 6, 6), (4, 3, 2), neck_depth=8, neck_expand=1),
    "l2": EfficientViTSamConfig(512, _L_WIDTHS, (1, 2, 2, 8, 8), (4, 3, 2), neck_depth=12, neck_expand=1),
    "xl0": EfficientViTSamConfig(depths=(0, 1, 1, 2, 3, 3), neck_depth=6, **_XL),
    "xl1": EfficientViTSamConfig(depths=(1, 2, 2, 4, 6, 6), neck_depth=12, **_XL),
}
