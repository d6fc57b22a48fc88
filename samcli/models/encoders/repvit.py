"""RepViT-M1 image encoder as EdgeSAM builds it (`rep_vit.py`, `fuse=True`):
a stride-4 conv stem, 26 RepViT blocks, stride-16 and stride-32 features fused
into one 64×64 map, then SAM's neck.

Checkpoint names follow the reference: `features.<i>.token_mixer.*`,
`features.<i>.channel_mixer.m.*`, `fuse_stage2`, `fuse_stage3.op_list.0`, `neck`.
Released files keep every BatchNorm separate; `fuse()` methods here fold them
(and RepVGGDW's three branches) into plain convs after loading.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.layers import ConvBN, sam_neck

#: (channels, blocks) per stage; each stage after the first opens with a stride-2 block
M1_STAGES = ((48, 3), (96, 4), (192, 16), (384, 3))
#: 1-based block indices (= `features.<i>`) that carry squeeze-excite in RepViT-M1
M1_SE_BLOCKS = frozenset({1, 5, 9, 11, 13, 15, 17, 19, 21, 25})


def se_width(channels: int, divisor: int = 8) -> int:
    """timm's `make_divisible(channels / 4, 8)` with round_limit 0: 48/96/192/384 → 16/24/48/96."""
    return max(divisor, int(channels / 4 + divisor / 2) // divisor * divisor)


class SqueezeExcite(nn.Module):
    """timm's SqueezeExcite: global mean → fc1 → ReLU → fc2 → sigmoid gate (its
    `bn` is an Identity, hence no keys)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        hidden = se_width(channels)
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * gate.sigmoid()


class RepVGGDW(nn.Module):
    """Depthwise 3×3 + depthwise 1×1 + identity, summed. All three are linear, so
    `fuse()` turns them into one depthwise 3×3 conv (RepVGG reparameterisation)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = ConvBN(channels, channels, 3, 1, 1, groups=channels)
        self.conv1 = ConvBN(channels, channels, 1, 1, 0, groups=channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + self.conv1(x) + x

    @torch.no_grad()
    def fuse(self) -> nn.Conv2d:
        fused = self.conv.fuse()
        one_by_one = self.conv1.fuse()
        # the 1×1 tap and the identity (weight 1) both sit at the centre of the 3×3 kernel
        fused.weight[:, :, 1, 1] += one_by_one.weight[:, :, 0, 0] + 1.0
        fused.bias += one_by_one.bias
        return fused


class ConvMlp(nn.Module):
    """Residual pointwise MLP `x + m(x)`, m = 1×1 C→2C, GELU, 1×1 2C→C (the
    reference's `Residual(Sequential(...))`, so the keys read `channel_mixer.m.*`)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.m = nn.Sequential(ConvBN(channels, 2 * channels), nn.GELU(), ConvBN(2 * channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.m(x)


class RepViTBlock(nn.Module):
    """Token mixer (spatial, depthwise) then channel mixer. The reference's `use_hs`
    flag picks GELU either way, so every activation is exact GELU."""

    def __init__(self, cin: int, cout: int, stride: int, use_se: bool) -> None:
        super().__init__()
        se = SqueezeExcite(cin) if use_se else nn.Identity()
        if stride == 1:
            if cin != cout:
                raise ValueError("a stride-1 RepViT block keeps its width")
            self.token_mixer = nn.Sequential(RepVGGDW(cin), se)
        else:
            self.token_mixer = nn.Sequential(
                ConvBN(cin, cin, 3, stride, 1, groups=cin), se, ConvBN(cin, cout, 1)
            )
        self.channel_mixer = ConvMlp(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.channel_mixer(self.token_mixer(x))


class ConvUpsample(nn.Module):
    """1×1 projection, then ×2 upsampling (the reference's `OpSequential`, hence
    `op_list`). Projecting first keeps the interpolation on 256 channels, not 384."""

    def __init__(self, cin: int, cout: int, mode: str) -> None:
        super().__init__()
        self.op_list = nn.Sequential(
            nn.Conv2d(cin, cout, 1, bias=False),
            nn.Upsample(scale_factor=2, mode=mode, align_corners=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op_list(x)


class RepViTEncoder(nn.Module):
    """(B, 3, 1024, 1024) normalised image → (B, 256, 64, 64) embedding."""

    def __init__(self, stages=M1_STAGES, se_blocks=M1_SE_BLOCKS, embed_dim: int = 256,
                 upsample_mode: str = "bicubic") -> None:
        super().__init__()
        width = stages[0][0]
        stem = nn.Sequential(ConvBN(3, width // 2, 3, 2, 1), nn.GELU(), ConvBN(width // 2, width, 3, 2, 1))
        blocks: list[nn.Module] = [stem]
        self.stage_ends: list[int] = []  # feature index of each stage's last block
        for stage, (channels, depth) in enumerate(stages):
            for j in range(depth):
                stride = 2 if stage > 0 and j == 0 else 1
                blocks.append(RepViTBlock(width, channels, stride, len(blocks) in se_blocks))
                width = channels
            self.stage_ends.append(len(blocks) - 1)
        self.features = nn.ModuleList(blocks)
        # stride-16 and stride-32 features, projected to the neck's width and summed
        self.fuse_stage2 = nn.Conv2d(stages[2][0], embed_dim, 1, bias=False)
        self.fuse_stage3 = ConvUpsample(stages[3][0], embed_dim, upsample_mode)
        self.neck = sam_neck(embed_dim, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        stride16 = None
        for i, block in enumerate(self.features):
            x = block(x)
            if i == self.stage_ends[2]:
                stride16 = x
        return self.neck(self.fuse_stage2(stride16) + self.fuse_stage3(x))
