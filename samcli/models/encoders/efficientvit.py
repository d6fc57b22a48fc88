"""EfficientViT-SAM image encoder: EfficientViT "large" backbone + SAM neck + LayerNorm2d.

Architecture and configurations from mit-han-lab/efficientvit (commit de7d773):
`models/efficientvit/backbone.py` (EfficientViTLargeBackbone) and
`models/efficientvit/sam.py` (SamNeck, EfficientViTSamImageEncoder, builders); the
configurations themselves, free of torch, in `efficientvit_configs.py`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.encoders.efficientvit_attention import EfficientViTBlock
from samcli.models.encoders.efficientvit_blocks import LOCAL_BLOCKS, NORM_EPS, ConvLayer, OpList, Residual, fused_mbconv
from samcli.models.encoders.efficientvit_configs import CONFIGS, EfficientViTSamConfig  # noqa: F401 (re-exported)
from samcli.models.layers import LayerNorm2d

EMBED_DIM = 256
EMBED_HW = (64, 64)


def _block_kind(name: str) -> tuple[str, tuple[int, ...]]:
    """"att@3" → ("att", (3,)); a local block name → (name, ())."""
    if name.startswith("att"):
        return "att", (int(name.partition("@")[2] or 5),)
    return name, ()


class EfficientViTLargeBackbone(nn.Module):
    """Stem (stride 2) + local blocks, then per stage a stride-2 downsampling block
    and `depth` blocks; returns every stage's output."""

    def __init__(self, cfg: EfficientViTSamConfig, head_dim: int = 32) -> None:
        super().__init__()
        stages = []
        cin = 3
        for i, (width, depth, name, expand, fewer) in enumerate(
            zip(cfg.widths, cfg.depths, cfg.blocks, cfg.expands, cfg.fewer_norm)
        ):
            kind, scales = _block_kind(name)
            if i == 0:
                ops = [ConvLayer(cin, width, 3, 2, act=True)]
            else:
                # attention stages downsample with an MBConv; the expansion is 4× the stage's
                down = kind if kind in ("mb", "fmb") else "mb"
                ops = [Residual(LOCAL_BLOCKS[down](cin, width, 2, expand * 4, fewer), skip=False)]
            for _ in range(depth):
                if kind == "att":
                    ops.append(EfficientViTBlock(width, head_dim, expand, scales))
                else:
                    ops.append(Residual(LOCAL_BLOCKS[kind](width, width, 1, expand, fewer)))
            stages.append(OpList(ops))
            cin = width
        self.stages = nn.ModuleList(stages)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features


class ResizeTo(nn.Module):
    """Torch bicubic (a = −0.75, align_corners=False) to a fixed size; identity if already there."""

    def __init__(self, hw: tuple[int, int]) -> None:
        super().__init__()
        self.hw = tuple(hw)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if tuple(x.shape[-2:]) == self.hw:
            return x
        # float32 for half inputs, as the reference does
        return F.interpolate(x.float(), self.hw, mode="bicubic", align_corners=False).to(x.dtype)


class SamNeck(nn.Module):
    """Project each chosen stage to `width` channels at 64×64 (1×1 conv + BN, bicubic),
    sum, refine with fused MBConvs, project to the 256-channel embedding."""

    def __init__(self, stages: tuple[int, ...], in_channels: list[int], depth: int, expand: float,
                 width: int = 256, out_dim: int = EMBED_DIM) -> None:
        super().__init__()
        self.stages = stages
        self.input_ops = nn.ModuleList(OpList([ConvLayer(c, width, 1), ResizeTo(EMBED_HW)]) for c in in_channels)
        self.middle = OpList([Residual(fused_mbconv(width, width, 1, expand, fewer_norm=False)) for _ in range(depth)])
        self.output_ops = nn.ModuleList([OpList([ConvLayer(width, out_dim, 1, norm=False)])])

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        projected = [op(features[s]) for s, op in zip(self.stages, self.input_ops)]
        # the reference sums as a + (b + c): same association for bit-level agreement
        x = projected[-1]
        for y in reversed(projected[:-1]):
            x = y + x
        return self.output_ops[0](self.middle(x))


class EfficientViTSamEncoder(nn.Module):
    """Image (B, 3, S, S) → embedding (B, 256, 64, 64); keys `backbone.*`, `neck.*`, `norm.*`."""

    def __init__(self, cfg: EfficientViTSamConfig) -> None:
        super().__init__()
        self.backbone = EfficientViTLargeBackbone(cfg)
        self.neck = SamNeck(cfg.neck_stages, [cfg.widths[s] for s in cfg.neck_stages], cfg.neck_depth, cfg.neck_expand)
        self.norm = LayerNorm2d(EMBED_DIM, eps=NORM_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.neck(self.backbone(x)))
