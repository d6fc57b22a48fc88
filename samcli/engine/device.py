"""Device and precision choices."""
from __future__ import annotations

import contextlib

import torch

from samcli.errors import SamcliError

PRECISIONS = ("auto", "fp32", "fp16", "bf16")


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise SamcliError(f"unknown device {name!r}: use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SamcliError(f"device {name!r} requested but CUDA is not available in this torch build")
    return device


def resolve_precision(precision: str, device: torch.device) -> torch.dtype:
    """auto: float32 on CPU (exact parity), bfloat16 autocast on CUDA (fast, and
    its float32-sized exponent keeps tiny eps terms from underflowing)."""
    if precision not in PRECISIONS:
        raise SamcliError(f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    return {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[precision]


def autocast(device: torch.device, dtype: torch.dtype):
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)
