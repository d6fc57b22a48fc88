"""Device and precision choices."""
from __future__ import annotations

import contextlib

import torch

from samcli.engine.choices import PRECISIONS, precision_name
from samcli.errors import SamcliError

__all__ = ["PRECISIONS", "resolve_device", "resolve_precision", "autocast", "exact_fp32", "pinned", "to_host",
           "synchronize"]


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
    """`choices.precision_name` as a torch dtype."""
    return getattr(torch, precision_name(precision, device.type))


def autocast(device: torch.device, dtype: torch.dtype):
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def exact_fp32(device: torch.device, dtype: torch.dtype) -> None:
    """float32 on CUDA means IEEE float32, as on the CPU: cuDNN would otherwise run
    convolutions in TF32 (10-bit mantissa), which parity tolerances do not allow.
    (Matrix products already default to IEEE.) A process-wide switch."""
    if device.type == "cuda" and dtype == torch.float32:
        torch.backends.cudnn.allow_tf32 = False


def pinned(t: torch.Tensor) -> torch.Tensor:
    """A page-locked copy of a CPU tensor, so the host→device copy is a true async DMA."""
    return t if t.is_pinned() else t.pin_memory()


def to_host(t: torch.Tensor) -> torch.Tensor:
    """Start copying a device tensor into page-locked host memory without waiting;
    read it only after `synchronize`. CPU tensors are returned as they are."""
    if t.device.type != "cuda":
        return t
    out = torch.empty(t.shape, dtype=t.dtype, pin_memory=True)
    return out.copy_(t, non_blocking=True)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
