"""ONNX Runtime sessions as samcli runs them: optimised once and cached, one
chain of ops, threads that sleep between calls. No torch."""
from __future__ import annotations

import functools
import hashlib
import platform
from pathlib import Path

from samcli.onnx.deps import require
from samcli.onnx.large_graph import has_external_data
from samcli.writers.atomic import atomic_path


def session(path: Path, threads: int, fixed_shapes: bool = True):
    """A CPU session with all graph optimisations, `threads` threads for each op,
    ops run one after another (the graphs are chains; parallel ops only contend).
    `fixed_shapes=False` (a decoder: its prompt count changes from call to call):
    no memory pattern, which ORT plans as one block per input shape it meets
    (MobileSAM's decoder, 8 prompts: 363 instead of 539 MB peak, the same speed).

    Optimising a graph costs more than loading it (MobileSAM's encoder: 0.33 s vs
    0.09 s of CPU), so the optimised graph is saved beside the file once and
    loaded as is after that. It may hold kernels for this CPU's instruction set,
    so its name carries this machine's key (`machine_key`). A graph past 2 GB (SAM
    ViT-H's encoder) is optimised in memory each time: protobuf cannot hold it in one
    file, and its load and optimisation are seconds beside a minute of encoding."""
    ort = require("onnxruntime")
    if has_external_data(path):
        return ort.InferenceSession(str(path), _options(ort, threads, True, fixed_shapes),
                                    providers=["CPUExecutionProvider"])
    optimised = path.with_name(f"{path.stem}.optimised-{machine_key()}.onnx")
    if optimised.is_file():
        try:
            return ort.InferenceSession(str(optimised), _options(ort, threads, False, fixed_shapes),
                                        providers=["CPUExecutionProvider"])
        except Exception:  # e.g. written by another ORT build: optimise again
            optimised.unlink(missing_ok=True)
    options = _options(ort, threads, True, fixed_shapes)
    try:
        with atomic_path(optimised) as tmp:
            options.optimized_model_filepath = tmp
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except OSError:  # a read-only cache: optimise in memory each time
        return ort.InferenceSession(str(path), _options(ort, threads, True, fixed_shapes),
                                    providers=["CPUExecutionProvider"])


def _options(ort, threads: int, optimise: bool, fixed_shapes: bool):
    options = ort.SessionOptions()
    options.enable_mem_pattern = fixed_shapes
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimise
                                        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    options.log_severity_level = 3  # not ORT's warning that a saved optimised graph is CPU-specific: we know
    # ORT's threads spin after each op by default, waiting for the next: in samcli they
    # then take the cores from the loader threads and the Python between calls. Off:
    # 20 % less CPU and 11 % less wall time for `samcli segment` (MobileSAM, 5 photos ×
    # 8 boxes, 2 cores, A B A B, whole process)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


@functools.lru_cache(maxsize=1)
def machine_key() -> str:
    """ONNX Runtime's version and this CPU's model and instruction-set flags, hashed."""
    ort = require("onnxruntime")
    cpu = platform.machine() + platform.processor()
    try:
        with open("/proc/cpuinfo") as info:
            cpu += "".join(line for line in info if line.startswith(("model name", "flags")))[:4096]
    except OSError:
        pass
    return hashlib.sha256(f"{ort.__version__}|{cpu}".encode()).hexdigest()[:12]
