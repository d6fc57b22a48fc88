"""int8 inference on the CPU: `quantize_int8(model)`.

What runs in int8, and why only that:

- The image encoder, not the prompt side. After the decoder's image-side
  sharing and folding, the decoder's heavy work is products of two activations
  (attention scores, the hypernetwork product) and the upscaling transposed
  convs, none of which PyTorch's int8 modules cover; its Linear layers act on a
  handful of tokens per prompt, where int8 would add error and save nothing.
  (The folded attention also reads its projections' float weights.)
- Every nn.Linear of the encoder: PyTorch dynamic quantization — int8 weights
  (one scale per output channel), activations quantized per call from their
  observed range, int8×int8 products accumulated in int32 by fbgemm, float in
  and float out. PyTorch quantizes those activations to 7 bits by default
  (`reduce_range`), so that pre-VNNI kernels cannot saturate their 16-bit
  intermediate sums; on CPUs with VNNI (which sum into 32 bits) we use all 8
  bits, which nearly halves the error (MobileSAM embedding: 6.2 % → 3.6 %).
- Every 1×1 convolution without groups: it *is* a Linear over channels, so it
  is run as one on the channels-last pixels (`PointwiseLinear`) and quantized
  the same way. These carry most of the work of the convolutional encoders
  (EfficientViT, RepViT, TinyViT's first stage).
- Other convolutions (k×k, depthwise) stay float32. PyTorch 2.13 offers two
  ways for them and neither fits: dynamic int8 Conv2d exists but is left out of
  its default mapping for poor accuracy (measured here: twice the error of the
  per-channel Linear path, and 5–13× *slower* than float32 oneDNN on two of
  four encoder shapes); static quantization needs observers, a calibration set
  and quantize/dequantize stubs around every conv, since each is followed by
  float ops (GELU, LayerNorm, residual sums), and then re-quantizes at every
  boundary. Depthwise convs are memory-bound anyway.

`encode` / `decode` keep their float interfaces, so the engine is unchanged.
CPU only (PyTorch's int8 kernels are CPU kernels). PyTorch marks
`torch.ao.quantization` deprecated in favour of torchao (not a dependency);
its deprecation warnings are silenced here, around the calls that raise them.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager

import torch
from torch import nn
from torch.ao.nn.quantized import dynamic as nnqd

#: torch's own words for what it deprecates; filtered only around our calls
_DEPRECATIONS = (r"torch\.ao\.quantization is deprecated", r"torch\.quantize_per_tensor, torch\.quantize_per_channel")


@contextmanager
def _torch_deprecations_silenced():
    with warnings.catch_warnings():
        for message in _DEPRECATIONS:
            warnings.filterwarnings("ignore", message=message)
        yield


class FullRangeLinear(nnqd.Linear):
    """Dynamic int8 Linear quantizing its input to all 8 bits (VNNI CPUs only)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        packed = self._packed_params._packed_params
        return torch.ops.quantized.linear_dynamic(x, packed, reduce_range=False).to(x.dtype)


class PointwiseLinear(nn.Module):
    """A 1×1, stride-1, ungrouped Conv2d run as the Linear over channels it is."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        self.linear = nn.Linear(conv.in_channels, conv.out_channels, bias=conv.bias is not None)
        with torch.no_grad():
            self.linear.weight.copy_(conv.weight.flatten(1))
            if conv.bias is not None:
                self.linear.bias.copy_(conv.bias)

    @staticmethod
    def applies_to(module: nn.Module) -> bool:
        return (type(module) is nn.Conv2d and module.kernel_size == (1, 1) and module.stride == (1, 1)
                and module.groups == 1 and module.padding in ((0, 0), "valid"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (B, C, H, W) → (B, H, W, C): no copy for channels-last maps
        return self.linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


def _pointwise_to_linear(module: nn.Module) -> int:
    count = 0
    for name, child in module.named_children():
        if PointwiseLinear.applies_to(child):
            setattr(module, name, PointwiseLinear(child))
            count += 1
        else:
            count += _pointwise_to_linear(child)
    return count


def quantize_int8(model: nn.Module) -> nn.Module:
    """Make `model.image_encoder` run its Linear layers and 1×1 convs in int8, in
    place; returns the model. Load the weights (and fold BatchNorms) first.
    A model with its own int8 form (ONNX Runtime's, samcli.onnx) provides it."""
    own = getattr(model, "quantize_int8", None)
    if callable(own):
        return own()
    encoder = getattr(model, "image_encoder", None)
    if not isinstance(encoder, nn.Module):
        raise TypeError(f"quantize_int8 takes a promptable model (image_encoder + decoder), not {type(model).__name__}")
    if any(p.device.type != "cpu" for p in model.parameters()):
        raise ValueError("int8 inference runs on the CPU only: quantize a model on the CPU")
    _pointwise_to_linear(encoder)
    qconfig = torch.ao.quantization.per_channel_dynamic_qconfig
    int8_linear = FullRangeLinear if torch.cpu._is_vnni_supported() else nnqd.Linear
    with _torch_deprecations_silenced():
        torch.ao.quantization.quantize_dynamic(encoder.eval(), {nn.Linear: qconfig}, dtype=torch.qint8,
                                               mapping={nn.Linear: int8_linear}, inplace=True)
    return model
