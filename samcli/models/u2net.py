"""U²-Net and U²-Net-small (Qin et al. 2020), salient-object detection.

Module names follow the released checkpoints (`stage1.rebnconvin.conv_s1.weight`,
…, `side1`, `outconv`). After loading, every conv+BatchNorm pair is folded into
one conv: same maps, fewer kernels.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.layers import fold_batchnorm, fuse_modules
from samcli.models.zoo import U2NET_INPUT_SIZE
from samcli.models.zoo import U2NET_SPECS as SPECS  # noqa: F401 (re-exported)


class ConvBnRelu(nn.Module):
    """3×3 conv (with bias) → BatchNorm → ReLU, padding = dilation (the reference's REBNCONV)."""

    def __init__(self, cin: int, cout: int, dilation: int = 1) -> None:
        super().__init__()
        self.conv_s1 = nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation)
        self.bn_s1 = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn_s1(self.conv_s1(x)))

    def fuse(self) -> nn.Module:
        return nn.Sequential(fold_batchnorm(self.conv_s1, self.bn_s1), nn.ReLU())


def pool2(x: torch.Tensor) -> torch.Tensor:
    # ceil_mode: odd sizes keep their last row/column instead of dropping it
    return F.max_pool2d(x, 2, 2, ceil_mode=True)


def upsample_like(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=ref.shape[2:], mode="bilinear", align_corners=False)


class RSU(nn.Module):
    """Residual U-block of `depth` levels (RSU-7 … RSU-4), returning decoder output + input conv.

    Pooled variant: levels 1..depth-1 at halving resolutions, the bottom level
    dilated by 2. Flat variant (RSU-4F, for the already tiny deep stages): no
    pooling, dilations 1, 2, 4, 8 instead.
    """

    def __init__(self, depth: int, cin: int, mid: int, cout: int, flat: bool = False) -> None:
        super().__init__()
        self.depth, self.flat = depth, flat
        down = [2**i for i in range(depth)] if flat else [1] * (depth - 1) + [2]
        self.rebnconvin = ConvBnRelu(cin, cout)
        for level in range(1, depth + 1):
            self.add_module(f"rebnconv{level}", ConvBnRelu(cout if level == 1 else mid, mid, down[level - 1]))
        for level in range(depth - 1, 0, -1):
            self.add_module(f"rebnconv{level}d", ConvBnRelu(2 * mid, cout if level == 1 else mid, down[level - 1]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_in = self.rebnconvin(x)
        skips, h = [], x_in
        for level in range(1, self.depth):
            h = getattr(self, f"rebnconv{level}")(h)
            skips.append(h)
            if not self.flat and level < self.depth - 1:
                h = pool2(h)
        h = getattr(self, f"rebnconv{self.depth}")(h)
        for level in range(self.depth - 1, 0, -1):
            skip = skips[level - 1]
            if h.shape[2:] != skip.shape[2:]:
                h = upsample_like(h, skip)
            h = getattr(self, f"rebnconv{level}d")(torch.cat((h, skip), 1))
        return h + x_in


@dataclass(frozen=True)
class U2NetConfig:
    #: (depth, in, mid, out) of stage1..stage6; stages of depth 4 past the 4th are flat (RSU-4F)
    encoder: tuple[tuple[int, int, int, int], ...]
    #: (depth, in, mid, out) of stage5d..stage1d
    decoder: tuple[tuple[int, int, int, int], ...]


U2NET_FULL = U2NetConfig(
    encoder=((7, 3, 32, 64), (6, 64, 32, 128), (5, 128, 64, 256), (4, 256, 128, 512), (4, 512, 256, 512),
             (4, 512, 256, 512)),
    decoder=((4, 1024, 256, 512), (4, 1024, 128, 256), (5, 512, 64, 128), (6, 256, 32, 64), (7, 128, 16, 64)),
)
U2NET_SMALL = U2NetConfig(
    encoder=((7, 3, 16, 64), (6, 64, 16, 64), (5, 64, 16, 64), (4, 64, 16, 64), (4, 64, 16, 64), (4, 64, 16, 64)),
    decoder=((4, 128, 16, 64), (4, 128, 16, 64), (5, 128, 16, 64), (6, 128, 16, 64), (7, 128, 16, 64)),
)


class U2Net(nn.Module):
    """Six encoder stages, five decoder stages, a 3×3 side head per level and a
    1×1 conv fusing the six side logits. `forward` → (B, 7, H, W) probabilities:
    channel 0 the fused map d0 (the prediction), channels 1..6 the side maps."""

    input_size = U2NET_INPUT_SIZE

    def __init__(self, config: U2NetConfig) -> None:
        super().__init__()
        for i, (depth, cin, mid, cout) in enumerate(config.encoder, start=1):
            self.add_module(f"stage{i}", RSU(depth, cin, mid, cout, flat=i >= 5))
        for i, (depth, cin, mid, cout) in zip(range(5, 0, -1), config.decoder):
            self.add_module(f"stage{i}d", RSU(depth, cin, mid, cout, flat=i == 5))
        # side heads read stage1d..stage5d and stage6
        side_channels = [cfg[3] for cfg in reversed(config.decoder)] + [config.encoder[5][3]]
        for i, ch in enumerate(side_channels, start=1):
            self.add_module(f"side{i}", nn.Conv2d(ch, 1, 3, padding=1))
        self.outconv = nn.Conv2d(6, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        encoded, h = [], x
        for i in range(1, 7):
            if i > 1:
                h = pool2(h)
            h = getattr(self, f"stage{i}")(h)
            encoded.append(h)
        decoded = [h]  # stage6, then stage5d … stage1d
        for i in range(5, 0, -1):
            skip = encoded[i - 1]
            h = getattr(self, f"stage{i}d")(torch.cat((upsample_like(h, skip), skip), 1))
            decoded.append(h)
        decoded.reverse()  # stage1d … stage5d, stage6: the inputs of side1..side6
        sides = [getattr(self, f"side{i}")(feat) for i, feat in enumerate(decoded, start=1)]
        sides = [sides[0]] + [upsample_like(s, sides[0]) for s in sides[1:]]
        fused = self.outconv(torch.cat(sides, 1))
        return torch.sigmoid(torch.cat([fused, *sides], 1))

    def after_load(self) -> None:
        fuse_modules(self)


def build_u2net() -> U2Net:
    return U2Net(U2NET_FULL)


def build_u2netp() -> U2Net:
    return U2Net(U2NET_SMALL)
