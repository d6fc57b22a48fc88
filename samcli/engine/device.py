"""Device and precision choices."""
from __future__ import annotations

import contextlib
import os

import torch

from samcli.errors import SamcliError

PRECISIONS = ("auto", "fp32", "fp16", "bf16", "int8")


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
    """The dtype activations run in. auto: float32 on CPU (exact parity), bfloat16
    autocast on CUDA (fast, and its float32-sized exponent keeps tiny eps terms from
    underflowing). int8: float32 activations around the int8 layers the pipeline
    swaps into the encoder (`models.quantize`); CPU only."""
    if precision not in PRECISIONS:
        raise SamcliError(f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    if precision == "int8":
        if device.type != "cpu":
            raise SamcliError("--precision int8 runs on the CPU only (PyTorch's int8 kernels are CPU kernels); "
                              "on a GPU use bf16 or fp16")
        return torch.float32
    if precision == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    return {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[precision]


def autocast(device: torch.device, dtype: torch.dtype):
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def default_prompt_batch(device: torch.device) -> int:
    """Prompts per decoder call when none are asked for: 64 on CUDA; 2 on CPU, where
    big decoder batches spill the caches and run slower per prompt
    (benchmarks/bench_segment.py)."""
    return 64 if device.type == "cuda" else 2


def default_workers(device: torch.device) -> int:
    """Loader threads when none are asked for: 2 on CPU (the model wants the cores);
    on CUDA enough to keep the GPU fed (JPEG decode + resize per image is
    milliseconds of CPU, the encoder a fraction of that): all cores but the
    main thread's, at most 16."""
    if device.type != "cuda":
        return 2
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 2)
    return min(16, max(2, cpus - 1))


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
