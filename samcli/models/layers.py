"""Small building blocks shared by several model families."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.onednn import conv2d


class LayerNorm2d(nn.Module):
    """LayerNorm over the channel axis of an NCHW map (SAM's `common.LayerNorm2d`)."""

    def __init__(self, channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # the same statistics as SAM's mean/var formula, in one fused pass over a
        # channels-last view (the output is channels-last)
        return F.layer_norm(x.permute(0, 2, 3, 1), self.weight.shape, self.weight, self.bias, self.eps).permute(0, 3, 1, 2)


def tokens_to_map(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """(B, h·w, C) tokens → (B, C, h, w): for contiguous tokens, a channels-last
    view of the same memory."""
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], h, w)


class SamNeck(nn.Sequential):
    """The 1×1 conv → LN2d → 3×3 conv → LN2d neck that SAM-style encoders end with
    (checkpoint keys `0`..`3`). Convs through `onednn.conv2d`: on channels-last
    input PyTorch sends a 1×1 conv to its slow generic kernel."""

    def __init__(self, in_channels: int, out_channels: int = 256) -> None:
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            LayerNorm2d(out_channels),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            LayerNorm2d(out_channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        project, norm1, refine, norm2 = self
        return norm2(conv2d(refine, norm1(conv2d(project, x))))


sam_neck = SamNeck


@torch.no_grad()
def fold_batchnorm(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A conv equal to `bn(conv(x))` in eval mode: w' = w·γ/σ, b' = β + (b − μ)·γ/σ."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    fused = nn.Conv2d(
        conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
        conv.dilation, conv.groups, bias=True, padding_mode=conv.padding_mode,
    ).to(conv.weight.device, conv.weight.dtype)
    fused.weight.copy_(conv.weight * scale.reshape(-1, 1, 1, 1))
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    fused.bias.copy_(bn.bias + (bias - bn.running_mean) * scale)
    return fused


class ConvBN(nn.Sequential):
    """Bias-free conv + BatchNorm2d, checkpoint names `.c` / `.bn` (LeViT style,
    used by TinyViT and RepViT). `fuse()` returns the equivalent single conv."""

    def __init__(self, cin: int, cout: int, ks: int = 1, stride: int = 1, pad: int = 0,
                 dilation: int = 1, groups: int = 1) -> None:
        super().__init__()
        self.add_module("c", nn.Conv2d(cin, cout, ks, stride, pad, dilation, groups, bias=False))
        self.add_module("bn", nn.BatchNorm2d(cout))

    def fuse(self) -> nn.Module:
        return fold_batchnorm(self.c, self.bn)


def fuse_modules(model: nn.Module) -> int:
    """Replace every submodule that offers `fuse()` by what it returns (pre-order,
    so a block that fuses its own children is fused as a whole). Returns the count."""
    count = 0
    for name, child in list(model.named_children()):
        fuse = getattr(child, "fuse", None)
        if callable(fuse):
            setattr(model, name, fuse())
            count += 1
        else:
            count += fuse_modules(child)
    return count
