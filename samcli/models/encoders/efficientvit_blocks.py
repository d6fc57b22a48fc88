"""EfficientViT's convolutional building blocks (mit-han-lab/efficientvit, `models/nn/ops.py`).

Module and attribute names follow the reference so that the released
checkpoints load as they are: `conv`/`norm` inside a conv layer, `main` inside
a residual, `op_list` inside a sequence. The ReLU linear attention lives in
`efficientvit_attention.py`.
"""
from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from samcli.models.layers import fold_batchnorm

#: EfficientViT-SAM's loader sets every BatchNorm/LayerNorm eps to 1e-6 (`set_norm_eps`)
NORM_EPS = 1e-6


class ConvLayer(nn.Module):
    """conv → BatchNorm (optional) → tanh-GELU (optional).

    The conv has a bias exactly where it has no norm after it, except where the
    caller says otherwise (the attention's qkv projection has neither).
    """

    def __init__(self, cin: int, cout: int, kernel: int = 1, stride: int = 1, groups: int = 1,
                 norm: bool = True, act: bool = False, bias: bool | None = None) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups,
                              bias=(not norm) if bias is None else bias)
        self.norm = nn.BatchNorm2d(cout, eps=NORM_EPS) if norm else None
        # EfficientViT registers "gelu" as the tanh approximation
        self.act = nn.GELU(approximate="tanh") if act else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        if self.act is not None:
            x = self.act(x)
        return x

    def fuse(self) -> "ConvLayer":
        """Fold the BatchNorm into the conv (inference only), in place."""
        if self.norm is not None:
            self.conv = fold_batchnorm(self.conv, self.norm)
            self.norm = None
        return self


class OpList(nn.Module):
    """Ops applied in order; checkpoint names `op_list.<i>.*` (the reference's OpSequential)."""

    def __init__(self, ops: list[nn.Module]) -> None:
        super().__init__()
        self.op_list = nn.ModuleList(ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for op in self.op_list:
            x = op(x)
        return x


class Residual(nn.Module):
    """`main(x) + x`, or just `main(x)` where the block changes shape (`skip=False`):
    the reference wraps both in the same module, hence the `main.` key prefix."""

    def __init__(self, main: nn.Module, skip: bool = True) -> None:
        super().__init__()
        self.main = main
        self.skip = skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x) + x if self.skip else self.main(x)


def _named(**layers: nn.Module) -> nn.Sequential:
    return nn.Sequential(OrderedDict(layers))


# In every local block only the last conv has no activation. "fewer_norm" (deep
# stages) drops the BatchNorm of all convs but the last, which then get a bias.

def mbconv(cin: int, cout: int, stride: int, expand: float, fewer_norm: bool) -> nn.Sequential:
    """Inverted bottleneck: 1×1 expand → 3×3 depthwise (carries the stride) → 1×1 project."""
    mid = round(cin * expand)
    return _named(
        inverted_conv=ConvLayer(cin, mid, 1, norm=not fewer_norm, act=True),
        depth_conv=ConvLayer(mid, mid, 3, stride, groups=mid, norm=not fewer_norm, act=True),
        point_conv=ConvLayer(mid, cout, 1),
    )


def fused_mbconv(cin: int, cout: int, stride: int, expand: float, fewer_norm: bool) -> nn.Sequential:
    """Fused inverted bottleneck: one full 3×3 conv expands, a 1×1 projects."""
    mid = round(cin * expand)
    return _named(
        spatial_conv=ConvLayer(cin, mid, 3, stride, norm=not fewer_norm, act=True),
        point_conv=ConvLayer(mid, cout, 1),
    )


def res_block(cin: int, cout: int, stride: int, expand: float, fewer_norm: bool) -> nn.Sequential:
    """Two full 3×3 convs (the residual wrapper adds the skip)."""
    mid = round(cin * expand)
    return _named(
        conv1=ConvLayer(cin, mid, 3, stride, norm=not fewer_norm, act=True),
        conv2=ConvLayer(mid, cout, 3),
    )


LOCAL_BLOCKS = {"mb": mbconv, "fmb": fused_mbconv, "res": res_block}
