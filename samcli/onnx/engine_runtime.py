"""Which runtime runs a model (`--runtime auto|torch|onnxruntime`), and loading
it for that runtime."""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Callable

from samcli.errors import InputError

RUNTIMES = ("auto", "torch", "onnxruntime")

#: Models that `--runtime auto` runs on ONNX Runtime on the CPU: a short job
#: (5 photos × 8 boxes, whole processes, A B A B) is faster or level there, as
#: ONNX Runtime starts ~2-3 s sooner (no torch import). Per photo PyTorch, with
#: the heap kept (ops.memory), is now as fast or faster for every model
#: (benchmarks/bench_runtimes.py, quiet machine, 2026-12-03: PyTorch / ONNX
#: Runtime L0 0.77, edgesam 0.85, XL0 0.86, mobilesam 0.91, tinysam 0.95), so on
#: long jobs the two are level (mobilesam, 20 photos, whole processes: 0.97).
#: efficientsam-ti left the table: level on the short job (1.01, 5 pairs) and
#: faster per photo (0.82) on PyTorch, at 0.38× ONNX Runtime's peak memory.
#: L1/L2/XL1 and edgesam-3x run the code of L0/XL0/edgesam at other sizes (or
#: other weights) and follow them. SAM ViT-B/L/H and EfficientSAM-S stay on
#: PyTorch (ViT-B per photo 0.91, EfficientSAM-S 0.92; ViT-B's peak memory on
#: ONNX Runtime is 2.4× PyTorch's).
ONNXRUNTIME_FASTER = frozenset({
    "mobilesam", "tinysam", "efficientvit-sam-l0", "efficientvit-sam-l1", "efficientvit-sam-l2",
    "efficientvit-sam-xl0", "efficientvit-sam-xl1", "edgesam", "edgesam-3x",
})
#: precisions ONNX Runtime runs here (float32; int8 through its quantized encoder)
ORT_PRECISIONS = ("auto", "fp32", "int8")


def ort_problem(model_id: str, device_type: str, precision: str, compile: bool = False,
                channels_last: bool = False) -> str | None:
    """Why ONNX Runtime cannot run this configuration, or None."""
    from samcli.onnx.deps import available

    if device_type != "cpu":
        return f"--runtime onnxruntime runs on the CPU (this is {device_type}); use --runtime torch there"
    if precision not in ORT_PRECISIONS:
        return f"--runtime onnxruntime runs {', '.join(ORT_PRECISIONS[1:])} only, not --precision {precision}"
    if compile or channels_last:
        return "--compile and --channels-last are PyTorch options; use --runtime torch with them"
    if model_id not in ONNXRUNTIME_FASTER and not onnx_exportable(model_id):  # the table's are
        return f"{model_id} has no ONNX export (samcli exports its promptable built-in models)"
    if not available():
        from samcli.onnx.deps import INSTALL_HINT

        return f"onnxruntime is not installed; {INSTALL_HINT}"
    return None


def onnx_exportable(model_id: str) -> bool:
    """A promptable model of a family samcli exports."""
    from samcli.models import get_spec
    from samcli.models.efficientsam.model import EfficientSam
    from samcli.models.sam_head.model import SamHeadModel

    return get_spec(model_id).kind == "promptable" and isinstance(weightless(model_id), (SamHeadModel, EfficientSam))


def resolve_runtime(runtime: str, model_id: str, device_type: str, precision: str, compile: bool = False,
                    channels_last: bool = False) -> str:
    """auto | torch | onnxruntime → the runtime that will run: "torch" or "onnxruntime".
    Raises InputError for onnxruntime where it cannot run."""
    if runtime not in RUNTIMES:
        raise InputError(f"--runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
    if runtime == "torch":
        return "torch"
    if runtime == "auto" and model_id not in ONNXRUNTIME_FASTER:
        return "torch"
    problem = ort_problem(model_id, device_type, precision, compile, channels_last)
    if problem is None:
        return "onnxruntime"
    if runtime == "auto":
        return "torch"
    raise InputError(problem)


def load_for_runtime(model_id: str, checkpoint: str | os.PathLike, runtime: str, precision: str = "auto",
                     announce: Callable[[str], None] | None = None):
    """The model for the engine: PyTorch's (`load_model`) or an `OrtModel` over the
    cached ONNX files (built first if missing, saying so through `announce`)."""
    from samcli.models import load_model

    if runtime == "torch":
        return load_model(model_id, checkpoint=checkpoint, device="cpu", offline=True, progress=False)
    from samcli.onnx.runtime import OrtModel

    _, files = prepare_runtime(model_id, checkpoint, precision, announce)
    host = weightless(model_id)
    model = OrtModel(host, files)
    model.spec = host.spec
    return model


@functools.lru_cache(maxsize=None)
def weightless(model_id: str):
    """The PyTorch model without weights, once per process: its methods (geometry,
    resize, mask choice, upscaling) need none and keep no state."""
    from samcli.models import get_spec
    from samcli.models.complexity import build_uninitialised

    spec = get_spec(model_id)
    host = build_uninitialised(spec)
    host.spec = spec
    return host


def prepare_runtime(model_id: str, checkpoint: str | os.PathLike, precision: str = "auto",
                    announce: Callable[[str], None] | None = None):
    """→ (the model's runtime description, its ONNX Runtime files), building them now if
    missing (the CLI calls this before a run, so the message comes before the progress bar).
    Where they are all there, nothing imports torch."""
    from samcli.onnx.cache import ensure_built, read_description, runtime_files, runtime_folder, write_description

    checkpoint, kind = Path(checkpoint), "int8" if precision == "int8" else "fp32"
    description = read_description(runtime_folder(model_id, checkpoint))
    if description is not None:
        files = runtime_files(model_id, checkpoint, kind, description.get("accepts_mask_input") is True)
        if not files.missing() and _usable(description, files):
            return description, files
    host = weightless(model_id)
    files = ensure_built(runtime_files(model_id, checkpoint, kind, host.accepts_mask_input), model_id, checkpoint,
                         announce)
    description = describe_for_runtime(host)
    write_description(files.folder, description)
    return description, files


def _usable(description: dict, files) -> bool:
    """Whether the torch-free engine can read this description (one damaged, or written by
    another samcli version with other fields, is written again)."""
    from samcli.onnx.lean import LeanOrtModel

    try:
        LeanOrtModel(description, files, sessions=False)
    except (TypeError, ValueError, KeyError, AttributeError):
        return False
    return True


def describe_for_runtime(model) -> dict:
    """What the ONNX Runtime engine without torch (`samcli.onnx.lean`) needs of a PyTorch
    model besides its graphs: its frames, prompt limits, token layout and mask rules."""
    from dataclasses import asdict

    from samcli.onnx.tokens import layout_of

    return {"model_class": type(model).__name__, "preprocessing": asdict(model.preprocessing),
            "prompt_size": model.prompt_size, "max_points": model.max_points,
            "candidate_tokens": list(model.candidate_tokens), "accepts_mask_input": model.accepts_mask_input,
            "token_layout": layout_of(model), "rules": asdict(model.rules)}
