"""Device, precision and batch defaults decided without importing torch (its
import alone costs ~2 s of a CPU run on ONNX Runtime, which never needs it).
`samcli.engine.device` turns these names into torch objects."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from samcli.errors import SamcliError

PRECISIONS = ("auto", "fp32", "fp16", "bf16", "int8")
#: files a GPU driver creates (NVIDIA, AMD ROCm, WSL's GPU paravirtualisation); where none
#: exists torch.cuda.is_available() is False, so "auto" is the CPU without asking torch
GPU_DRIVER_FILES = ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/kfd", "/dev/dxg")


def gpu_driver_present() -> bool:
    return any(Path(p).exists() for p in GPU_DRIVER_FILES)


def device_type(name: str = "auto") -> str:
    """"cpu" or "cuda" for --device NAME; asks torch only where a GPU may be there
    (or torch is already imported, or NAME is not plain cpu/auto)."""
    if name == "cpu" or (name == "auto" and "torch" not in sys.modules and not gpu_driver_present()):
        return "cpu"
    from samcli.engine.device import resolve_device

    return resolve_device(name).type


def precision_name(precision: str, device: str) -> str:
    """The dtype activations run in, as torch names it (float32, bfloat16, float16).
    auto: float32 on CPU (exact parity), bfloat16 autocast on CUDA (fast, and its
    float32-sized exponent keeps tiny eps terms from underflowing). int8: float32
    activations around the int8 layers the pipeline swaps into the encoder
    (`models.quantize`); CPU only."""
    if precision not in PRECISIONS:
        raise SamcliError(f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    if precision == "int8":
        if device != "cpu":
            raise SamcliError("--precision int8 runs on the CPU only (PyTorch's int8 kernels are CPU kernels); "
                              "on a GPU use bf16 or fp16")
        return "float32"
    if precision == "auto":
        return "bfloat16" if device == "cuda" else "float32"
    return {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}[precision]


def default_prompt_batch(device: str) -> int:
    """Prompts per PyTorch decoder call when none are asked for: 64 on CUDA; 2 on CPU,
    where big decoder batches spill the caches and run slower per prompt
    (benchmarks/bench_segment.py). ONNX Runtime's: `engine.ort_segment.ORT_PROMPT_BATCH`."""
    return 64 if device == "cuda" else 2


def default_workers(device: str) -> int:
    """Loader threads when none are asked for: 2 on CPU (the model wants the cores);
    on CUDA enough to keep the GPU fed (JPEG decode + resize per image is
    milliseconds of CPU, the encoder a fraction of that): all cores but the
    main thread's, at most 16."""
    if device != "cuda":
        return 2
    return min(16, max(2, cpu_count() - 1))


def cpu_count() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 2)
