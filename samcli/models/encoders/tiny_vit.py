"""TinyViT-5M image encoder as used by MobileSAM and TinySAM (`tiny_vit_sam.py`).

Maps are channels-last throughout: token sequences (B, N, C) and channels-last
(B, C, H, W) maps are the same memory, so switching between the two is free,
and oneDNN's convolutions run several times faster on that layout (see
`samcli.models.onednn`, which also fuses each conv's or Linear's GELU)."""
from __future__ import annotations

import functools
import itertools

import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.layers import ConvBN, sam_neck, tokens_to_map
from samcli.models.onednn import conv2d, linear


class PatchEmbed(nn.Module):
    def __init__(self, cin: int, dim: int) -> None:
        super().__init__()
        self.seq = nn.Sequential(ConvBN(cin, dim // 2, 3, 2, 1), nn.GELU(), ConvBN(dim // 2, dim, 3, 2, 1))

    def forward(self, x):
        return conv2d(self.seq[2], conv2d(self.seq[0], x, "gelu"))


class MBConv(nn.Module):
    def __init__(self, dim: int, expand: float) -> None:
        super().__init__()
        hidden = int(dim * expand)
        self.conv1 = ConvBN(dim, hidden, 1)
        self.conv2 = ConvBN(hidden, hidden, 3, 1, 1, groups=hidden)
        self.conv3 = ConvBN(hidden, dim, 1)

    def forward(self, x):
        y = conv2d(self.conv2, conv2d(self.conv1, x, "gelu"), "gelu")
        return conv2d(self.conv3, y, "gelu", residual=x)  # GELU after the residual sum


class PatchMerging(nn.Module):
    """1×1 → depthwise 3×3 → 1×1; the depthwise stride is 1 for out_dim 320/448/576."""

    def __init__(self, resolution: int, dim: int, out_dim: int) -> None:
        super().__init__()
        self.resolution = resolution
        stride = 1 if out_dim in (320, 448, 576) else 2
        self.conv1 = ConvBN(dim, out_dim, 1)
        self.conv2 = ConvBN(out_dim, out_dim, 3, stride, 1, groups=out_dim)
        self.conv3 = ConvBN(out_dim, out_dim, 1)

    def forward(self, x):
        if x.ndim == 3:  # tokens → channels-last map
            x = tokens_to_map(x, self.resolution, self.resolution)
        x = conv2d(self.conv3, conv2d(self.conv2, conv2d(self.conv1, x, "gelu"), "gelu"))
        return x.flatten(2).transpose(1, 2)


def offset_index(window: int) -> tuple[torch.Tensor, int]:
    """(N, N) index of the (|Δrow|, |Δcol|) offset class of every query/key pair in a
    window, numbered in order of first appearance (row-major) as TinyViT does, and
    the number of classes. Built on the CPU even under a meta-device context."""
    idx, count = _offset_classes(window)
    n = window * window
    return torch.tensor(idx, device="cpu").view(n, n), count


@functools.lru_cache(maxsize=None)
def _offset_classes(window: int) -> tuple[tuple[int, ...], int]:
    """Computed once per window size: a Python loop over N² pairs (38,416 for a
    14-pixel window) that every block of that size would otherwise repeat."""
    points = list(itertools.product(range(window), range(window)))
    classes: dict[tuple[int, int], int] = {}
    idx = [classes.setdefault((abs(a[0] - b[0]), abs(a[1] - b[1])), len(classes)) for a in points for b in points]
    return tuple(idx), len(classes)


class Attention(nn.Module):
    def __init__(self, dim: int, num_heads: int, window: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.key_dim = dim // num_heads
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        idx, num_offsets = offset_index(window)
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, num_offsets))
        self.register_buffer("attention_bias_idxs", idx, persistent=False)

    def forward(self, x):
        b, n, _ = x.shape
        # per-head interleaved layout: (B, N, heads, [q|k|v])
        qkv = linear(self.qkv, self.norm(x)).view(b, n, self.num_heads, 3 * self.key_dim).transpose(1, 2)
        q, k, v = qkv.split(self.key_dim, dim=-1)
        # Indexed on every call from the loaded parameter: the reference's eval-mode
        # cache (`ab`) goes stale if built before weights load (see parity README).
        bias = self.attention_biases[:, self.attention_bias_idxs].to(q.dtype)
        # a 4-D mask (a broadcast view) lets the CPU use its fused flash kernel; a
        # 3-D one falls back to the unfused maths path, 3× slower here
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.expand(b, -1, -1, -1))
        return linear(self.proj, out.transpose(1, 2).reshape(b, n, -1))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x, residual=None):
        return linear(self.fc2, linear(self.fc1, self.norm(x), "gelu"), residual=residual)


class TinyViTBlock(nn.Module):
    def __init__(self, dim: int, resolution: int, num_heads: int, window: int, mlp_ratio: float) -> None:
        super().__init__()
        self.resolution = resolution
        self.window = window
        self.attn = Attention(dim, num_heads, window)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.local_conv = ConvBN(dim, dim, 3, 1, 1, groups=dim)

    def _window_attention(self, x):
        b, n, c = x.shape
        h = w = self.resolution
        s = self.window
        if h == s and w == s:
            return self.attn(x)
        x = x.reshape(b, h, w, c)
        pb, pr = (s - h % s) % s, (s - w % s) % s
        x = F.pad(x, (0, 0, 0, pr, 0, pb))  # padded tokens are not masked
        hp, wp = h + pb, w + pr
        x = x.view(b, hp // s, s, wp // s, s, c).transpose(2, 3).reshape(-1, s * s, c)
        x = self.attn(x)
        x = x.view(b, hp // s, wp // s, s, s, c).transpose(2, 3).reshape(b, hp, wp, c)
        return x[:, :h, :w].reshape(b, n, c)

    def forward(self, x):
        x = x + self._window_attention(x)
        x = conv2d(self.local_conv, tokens_to_map(x, self.resolution, self.resolution)).flatten(2).transpose(1, 2)
        return self.mlp(x, residual=x)


class Stage(nn.Module):
    """`blocks` then an optional `downsample` (the checkpoint's layer layout)."""

    def __init__(self, blocks: list[nn.Module], downsample: nn.Module | None) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.downsample = downsample

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.downsample(x) if self.downsample is not None else x


class TinyViT(nn.Module):
    """Stages at 256, 128, 64, 64 for a 1024 input; the neck makes (B, 256, 64, 64)."""

    def __init__(self, img_size: int = 1024, embed_dims=(64, 128, 160, 320), depths=(2, 2, 6, 2),
                 num_heads=(2, 4, 5, 10), window_sizes=(7, 7, 14, 7), mlp_ratio: float = 4.0,
                 mbconv_expand_ratio: float = 4.0) -> None:
        super().__init__()
        self.patch_embed = PatchEmbed(3, embed_dims[0])
        base = img_size // 4
        n = len(embed_dims)
        self.layers = nn.ModuleList()
        for i in range(n):
            res = base // (2 ** (i - 1 if i == 3 else i))
            down = PatchMerging(res, embed_dims[i], embed_dims[i + 1]) if i < n - 1 else None
            if i == 0:  # convolutional stage
                blocks = [MBConv(embed_dims[0], mbconv_expand_ratio) for _ in range(depths[0])]
            else:
                blocks = [TinyViTBlock(embed_dims[i], res, num_heads[i], window_sizes[i], mlp_ratio)
                          for _ in range(depths[i])]
            self.layers.append(Stage(blocks, down))
        self.out_resolution = base // 4
        self.neck = sam_neck(embed_dims[-1])

    def forward(self, x):
        x = self.patch_embed(x.contiguous(memory_format=torch.channels_last))
        for layer in self.layers:
            x = layer(x)
        return self.neck(tokens_to_map(x, self.out_resolution, self.out_resolution))
