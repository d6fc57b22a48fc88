"""oneDNN float32 layers: the same results as the PyTorch modules they stand for."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from samcli.models.layers import ConvBN
from samcli.models.onednn import conv2d, linear

ACTS = {"none": lambda x: x, "gelu": F.gelu, "relu": F.relu}


@pytest.mark.parametrize("act", list(ACTS))
@pytest.mark.parametrize("with_residual", [False, True])
@torch.no_grad()
def test_linear(act, with_residual):
    torch.manual_seed(0)
    layer = nn.Linear(48, 40)
    x = torch.randn(3, 50, 48)
    residual = torch.randn(3, 50, 40) if with_residual else None
    expected = ACTS[act](layer(x) + (0 if residual is None else residual))
    torch.testing.assert_close(linear(layer, x, act, residual), expected, rtol=1e-5, atol=1e-5)
    # strided inputs (a transposed view, a broadcast one) are fine too
    xt = torch.randn(3, 48, 50).transpose(1, 2)
    torch.testing.assert_close(linear(layer, xt, act), ACTS[act](layer(xt)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("act", list(ACTS))
@pytest.mark.parametrize("groups,stride,channels_last", [(1, 1, True), (1, 2, False), (16, 1, True), (16, 2, True)])
@torch.no_grad()
def test_conv2d(act, groups, stride, channels_last):
    torch.manual_seed(0)
    conv = nn.Conv2d(16, 16, 3, stride, 1, groups=groups)
    x = torch.randn(2, 16, 20, 20)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(conv2d(conv, x, act), ACTS[act](conv(x)), rtol=1e-5, atol=1e-5)
    residual = torch.randn_like(conv(x))
    torch.testing.assert_close(conv2d(conv, x, act, residual), ACTS[act](conv(x) + residual), rtol=1e-5, atol=1e-5)


@torch.no_grad()
def test_falls_back_to_the_module():
    """Modules that are not plain Linear/Conv2d (e.g. unfused conv+BN, int8 layers) are called."""
    torch.manual_seed(0)
    block = ConvBN(8, 8, 3, 1, 1).eval()
    x = torch.randn(1, 8, 9, 9)
    torch.testing.assert_close(conv2d(block, x, "gelu"), F.gelu(block(x)))
    seq = nn.Sequential(nn.Linear(81, 5))
    torch.testing.assert_close(linear(seq, x.flatten(2), "relu"), F.relu(seq(x.flatten(2))))


def test_autograd_still_works():
    layer = nn.Linear(4, 3)
    x = torch.randn(2, 4, requires_grad=True)
    linear(layer, x, "gelu").sum().backward()
    assert x.grad is not None and layer.weight.grad is not None
