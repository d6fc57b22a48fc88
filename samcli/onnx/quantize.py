"""int8 encoders for ONNX Runtime: dynamic quantization (int8 weights, one scale
per output channel; activations quantized per call from their range) of the
MatMul and Gemm nodes only.

Measured on MobileSAM's encoder (2 threads, relative error of the embedding):
MatMul/Gemm, per-channel int8: 1.4× faster than float32, 2.7 % error; every
op incl. Conv (ORT's default set), per-tensor uint8 (SAM's notebook settings):
slower than float32 and 5.8 % error (ORT's ConvInteger is a slow kernel); with
Conv per-channel int8: 2.6× slower, 6.5 %. Convolutions stay float32, as in
the PyTorch int8 path (samcli.models.quantize).
"""
from __future__ import annotations

import logging
from pathlib import Path

from samcli.onnx.deps import require
from samcli.writers.atomic import atomic_path


def quantize_encoder(src: Path, dst: Path) -> Path:
    """Write the int8 version of the float32 encoder `src` to `dst`, atomically."""
    quantization = require("onnxruntime.quantization")
    logging.disable(logging.WARNING)  # the quantizer logs each tensor it cannot infer a type for
    try:
        with atomic_path(dst) as tmp:
            quantization.quantize_dynamic(str(src), tmp, op_types_to_quantize=["MatMul", "Gemm"], per_channel=True,
                                          weight_type=quantization.QuantType.QInt8)
    finally:
        logging.disable(logging.NOTSET)
    return dst
