"""`samcli bench`: the real segment engine (the one `segment` runs + the results writer) over
generated or given images with K seeded box prompts each, timed end to end.

Honest by construction: warm-up images (rounded up to whole encoder batches)
are run first and not counted; the clock starts when the last warm-up result
arrives and stops after the results file is closed, so images/s covers
decoding, the model, RLE and writing in steady state; prompts/s is that rate
times K (same wall time). Per-stage times come from the engine's own stats
(one CUDA sync per stage and batch, never per prompt) plus the writer's time.
"""
from __future__ import annotations

import copy
import datetime
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from samcli import __version__
from samcli.bench.inputs import box_prompts, cycled, write_images
from samcli.bench.weights import bench_model
from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.ort_segment import OrtSegmenter
from samcli.engine.segment import SegmentOptions, Segmenter
from samcli.errors import SamcliError
from samcli.io.images import list_images
from samcli.onnx.engine_runtime import describe_for_runtime
from samcli.onnx.lean import LeanOrtModel
from samcli.ops import rle
from samcli.writers.results import ResultWriter
from samcli.writers.outputs import Outputs

PRECISION_NAMES = {torch.float32: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16"}
#: engine stages (ImageResult.stats["time_s"]) then the writer's, as reported
STAGES = ("read", "preprocess", "encode", "decode", "postprocess", "write")
STAGE_LABELS = {"read": "read (JPEG decode)", "preprocess": "preprocess (resize)", "encode": "encode",
                "decode": "prompt decode", "postprocess": "upscale + RLE", "write": "write (journal + COCO JSON)"}


@dataclass(frozen=True)
class BenchOptions:
    model: str
    checkpoint: str | None = None
    images: str | None = None  # IMAGES as for every command; None: generated JPEGs
    device: str = "auto"
    precision: str = "auto"
    batch_size: int = 1
    prompt_batch: int | None = None
    prompts_per_image: int = 8
    num_images: int = 16  # measured, rounded up to whole batches
    image_size: tuple[int, int] = (640, 480)  # (w, h) of generated images
    warmup: int = 1  # images, rounded up to whole batches
    workers: int | None = None  # None: the engine's default for the device
    compile: bool = False
    channels_last: bool = False
    seed: int = 0
    #: auto | torch | onnxruntime (samcli.onnx.engine_runtime)
    runtime: str = "auto"
    #: on ONNX Runtime, also time PyTorch on the same images (`vs_torch`)
    vs_torch: bool = True

    def __post_init__(self) -> None:
        if self.prompts_per_image < 1 or self.num_images < 1 or self.warmup < 0 or self.batch_size < 1:
            raise SamcliError("--prompts-per-image, --images and --batch-size must be at least 1, --warmup at least 0")
        if min(self.image_size) < 16:
            raise SamcliError("--image-size must be at least 16x16")


def resolved_runtime(o: BenchOptions) -> str:
    from samcli.engine.device import resolve_device
    from samcli.onnx.engine_runtime import resolve_runtime

    return resolve_runtime(o.runtime, o.model, resolve_device(o.device).type, o.precision, o.compile, o.channels_last)


def whole_batches(n: int, batch: int) -> int:
    return math.ceil(n / batch) * batch


def peak_rss_mb() -> float | None:
    """This process's peak resident set so far (Linux reports KiB, macOS bytes); None on Windows."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values) * 1e3, 3), "mean": round(statistics.fmean(values) * 1e3, 3)}


def run_bench(options: BenchOptions, model: nn.Module | None = None, weights: str | None = None) -> dict:
    """One benchmark → the report (JSON-ready). `model`/`weights`: a model already
    built (e.g. by `bench_model`, to time several batch sizes on one build)."""
    if model is None:
        model, weights = bench_model(options.model, options.checkpoint, resolved_runtime(options), options.precision)
    o = options
    warmup = whole_batches(o.warmup, o.batch_size)
    measured = whole_batches(o.num_images, o.batch_size)
    on_ort = getattr(model, "runtime", "torch") == "onnxruntime"
    float_model = None
    if o.precision == "int8":  # int8 quantizes a PyTorch `model` in place: keep a float copy
        float_model = model.float32() if on_ort else copy.deepcopy(model)

    def engine(net: nn.Module, precision: str) -> Segmenter | OrtSegmenter:
        """What `segment` runs: on ONNX Runtime its torch-free engine over the same files."""
        pipeline = PipelineOptions(o.device, precision, o.batch_size, o.workers, compile=o.compile,
                                   channels_last=o.channels_last)
        if getattr(net, "runtime", "torch") == "onnxruntime":
            lean = LeanOrtModel(describe_for_runtime(net.host), net.files, net.threads)
            return OrtSegmenter(lean, SegmentOptions(prompt_batch=o.prompt_batch), pipeline)
        return Segmenter(net, SegmentOptions(prompt_batch=o.prompt_batch), pipeline)

    segmenter = engine(model, o.precision)
    device = torch.device("cpu") if on_ort else segmenter.device
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    with tempfile.TemporaryDirectory(prefix="samcli-bench-") as tmp:
        if o.images is None:
            refs = write_images(Path(tmp) / "images", warmup + measured, o.image_size, o.seed)
            source = f"generated {o.image_size[0]}x{o.image_size[1]} JPEG (seed {o.seed})"
        else:
            found = list_images(o.images)
            if not found:
                raise SamcliError(f"{o.images}: no images found")
            refs, source = cycled(found, warmup + measured), str(o.images)
        jobs = [Job(ref, box_prompts(o.prompts_per_image, o.seed * 1_000_003 + i)) for i, ref in enumerate(refs)]
        outputs = results_outputs(Path(tmp) / "results.json", o.model, o.batch_size)
        masks: list[list[dict]] = []
        times, wall = _timed_run(segmenter, jobs, warmup, outputs, o.prompts_per_image, masks)
        vs_fp32 = None
        if float_model is not None:  # the same images and prompts in float32: speed and mask agreement
            float_masks: list[list[dict]] = []
            _, float_wall = _timed_run(engine(float_model, "fp32"), jobs, warmup,
                                       results_outputs(Path(tmp) / "fp32.json", o.model, o.batch_size),
                                       o.prompts_per_image, float_masks)
            vs_fp32 = {"speedup": round(float_wall / wall, 3), **agreement(masks, float_masks)}
        vs_torch = None
        if on_ort and o.vs_torch:  # the same images and prompts on PyTorch, same precision and weights
            torch_masks: list[list[dict]] = []
            torch_model, _ = bench_model(o.model, o.checkpoint, "torch")
            _, torch_wall = _timed_run(engine(torch_model, o.precision), jobs, warmup,
                                       results_outputs(Path(tmp) / "torch.json", o.model, o.batch_size),
                                       o.prompts_per_image, torch_masks)
            vs_torch = {"speedup": round(torch_wall / wall, 3), **agreement(masks, torch_masks)}
    images_per_s = measured / wall
    cuda = device.type == "cuda"
    return {
        "samcli": __version__,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "model": o.model,
        "runtime": "onnxruntime" if on_ort else "torch",
        "weights": weights,
        "device": str(device),
        "gpu": torch.cuda.get_device_name(device) if cuda else None,
        "torch": torch.__version__,
        "cuda": torch.version.cuda if cuda else None,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "threads": segmenter.model.threads if on_ort else torch.get_num_threads(),  # the runtime's own
        "precision": "int8" if o.precision == "int8" else "fp32" if on_ort else PRECISION_NAMES[segmenter.dtype],
        "batch_size": o.batch_size,
        "prompt_batch": segmenter.prompt_batch,
        "workers": segmenter.workers,
        "compile": o.compile,
        "channels_last": o.channels_last,
        "images_source": source,
        "prompts_per_image": o.prompts_per_image,
        "warmup_images": warmup,
        "images": measured,
        "wall_s": round(wall, 4),
        "images_per_s": images_per_s,
        "prompts_per_s": images_per_s * o.prompts_per_image,
        "stage_ms_per_image": {stage: summary(times[stage]) for stage in STAGES},
        "peak_rss_mb": peak_rss_mb(),
        "peak_cuda_mb": round(torch.cuda.max_memory_allocated(device) / 2**20, 1) if cuda else None,
        "vs_fp32": vs_fp32,  # int8 only: {speedup, mean_iou, worst_iou, prompts} against float32
        "vs_torch": vs_torch,  # onnxruntime only: the same against PyTorch
    }


def agreement(ours: list[list[dict]], reference: list[list[dict]]) -> dict:
    """Mask IoU prompt by prompt (same images, same prompts): mean and worst."""
    ious = [rle.iou(a, b) for x, y in zip(ours, reference) for a, b in zip(x, y)]
    return {"mean_iou": round(statistics.fmean(ious), 5), "worst_iou": round(min(ious), 5), "prompts": len(ious)}


def results_outputs(path: Path, model_id: str, batch_size: int) -> Outputs:
    """What `samcli segment --out FILE` writes by default: each result journaled (synced
    once per batch), then a COCO dataset JSON written from the journal at close."""
    info = {"description": "samcli bench", "version": __version__, "model": model_id}
    return Outputs([ResultWriter(str(path), "coco", {1: "object"}, info, sync_every=batch_size)])


def _timed_run(segmenter: Segmenter | OrtSegmenter, jobs: list[Job], warmup: int, outputs: Outputs, prompts: int,
               masks: list[list[dict]]) -> tuple[dict[str, list[float]], float]:
    """Run every job; → per-stage seconds of each measured image, and the measured wall
    time. Each measured image's masks (RLE) are appended to `masks`."""
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    start = time.perf_counter()
    for i, result in enumerate(segmenter.run(jobs)):
        if not result.ok or len(result.annotations) != prompts:
            problem = result.error or "; ".join(result.prompt_errors) or f"{len(result.annotations)} masks"
            raise SamcliError(f"benchmark image {result.key} failed: {problem}")
        if i < warmup:
            if i == warmup - 1:
                start = time.perf_counter()
            continue
        masks.append([a.rle for a in result.annotations])
        t = time.perf_counter()
        outputs.add(result)
        stage_s = result.stats.get("time_s", {})
        for stage in STAGES[:-1]:
            times[stage].append(float(stage_s.get(stage, 0.0)))
        times["write"].append(time.perf_counter() - t)
    t = time.perf_counter()
    outputs.close()
    end = time.perf_counter()
    share = (end - t) / max(1, len(times["write"]))  # the file is written at close: share it out
    times["write"] = [s + share for s in times["write"]]
    return times, end - start

