"""Float32 CPU layers through oneDNN, with the next activation or residual fused in.

PyTorch runs float32 convolutions on oneDNN but float32 Linear layers on MKL,
which picks its AVX-512 kernels on Intel CPUs only: on an AMD EPYC with
AVX-512 a Linear through oneDNN measured 2.2× faster (1 and 2 threads). It is
the same float32 arithmetic in another summation order (differences of float
rounding, ~1e-7 relative). oneDNN also applies a following GELU, or adds a
residual, while the output is still in cache ("post-ops"), sparing a full
pass over large activation maps. Convolutions gain most on channels-last
inputs: keep the maps channels-last end to end.

`linear` and `conv2d` fall back to calling the module (then adding, then the
activation) wherever this does not apply: off the CPU, other dtypes, under
autocast or autograd, while tracing (an ONNX export must see standard ops),
without oneDNN, or for modules that are not plain
nn.Linear / nn.Conv2d (e.g. unfused conv+BN, or the int8 layers of
`quantize_int8`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

_ACTIVATIONS = {"none": lambda x: x, "gelu": F.gelu, "relu": F.relu}
#: oneDNN's post-op arguments (scalars, algorithm); "none" for gelu is exact erf GELU
_POST_OPS = {"none": ([], ""), "gelu": ([None], "none"), "relu": ([], "")}


#: the fused ops are PyTorch's own (what its compiler emits on the CPU), but private
_AVAILABLE = (torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")
              and hasattr(torch.ops.mkldnn, "_convolution_pointwise"))


def _fusable(x: torch.Tensor, w: torch.Tensor) -> bool:
    return (_AVAILABLE and x.device.type == "cpu" and x.dtype == w.dtype == torch.float32
            and not torch.is_autocast_enabled("cpu") and not torch.jit.is_tracing()
            and not (torch.is_grad_enabled() and (x.requires_grad or w.requires_grad)))


def linear(layer: nn.Module, x: torch.Tensor, act: str = "none", residual: torch.Tensor | None = None) -> torch.Tensor:
    """act(layer(x) + residual), residual optional (same shape as the output)."""
    if type(layer) is nn.Linear:
        return matmul(x, layer.weight, layer.bias, act, residual)
    y = layer(x)
    return _ACTIVATIONS[act](y if residual is None else y + residual)


def matmul(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None, act: str = "none",
           residual: torch.Tensor | None = None) -> torch.Tensor:
    """act(x @ weightᵀ + bias + residual), weight (out, in) as nn.Linear's."""
    if _fusable(x, weight):
        if residual is None:
            return torch.ops.mkldnn._linear_pointwise(x, weight, bias, act, *_POST_OPS[act])
        y = torch.ops.mkldnn._linear_pointwise.binary(x, residual.contiguous(), weight, bias, "add")
        return _ACTIVATIONS[act](y)
    y = F.linear(x, weight, bias)
    return _ACTIVATIONS[act](y if residual is None else y + residual)


def conv2d(conv: nn.Module, x: torch.Tensor, act: str = "none", residual: torch.Tensor | None = None) -> torch.Tensor:
    """act(conv(x) + residual), residual optional (same shape and layout as the output)."""
    if type(conv) is nn.Conv2d and _fusable(x, conv.weight) and conv.padding_mode == "zeros" and not isinstance(conv.padding, str):
        geometry = (conv.padding, conv.stride, conv.dilation, conv.groups)
        if residual is None:
            return torch.ops.mkldnn._convolution_pointwise(x, conv.weight, conv.bias, *geometry, act, *_POST_OPS[act])
        y = torch.ops.mkldnn._convolution_pointwise.binary(x, residual, conv.weight, conv.bias, *geometry,
                                                           "add", None, None, [], None)
        return _ACTIVATIONS[act](y)
    y = conv(x)
    return _ACTIVATIONS[act](y if residual is None else y + residual)
