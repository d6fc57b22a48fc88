"""A command's runner as data: which pipeline, model, weights file and
settings. Picklable, so the same runner can be built again wherever it runs
(the CLI's process, or Ray's workers), with weights (for the model) or
without (a weightless copy serves `load`: decode and resize)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Protocol

from samcli.engine.jobs import Job, PipelineOptions
from samcli.engine.records import ImageResult


class Runner(Protocol):
    """What every command's runner offers: `load` needs no weights (CPU, threads or
    other processes), `run_loaded` runs the model on loaded items, `run` chains both."""

    encoded_images: int

    def load(self, job: Job) -> Any: ...

    def run_loaded(self, items: Iterable[Any]) -> Iterator[ImageResult]: ...

    def run(self, jobs: Iterable[Job]) -> Iterator[ImageResult]: ...


@dataclass(frozen=True)
class RunnerSpec:
    command: str  # segment | everything | salient | embed
    model: str  # registry id
    checkpoint: str  # weights file (on a cluster: a path every node can read)
    settings: Any  # SegmentOptions | EverythingParams | SalientOptions | None (embed)
    pipeline: PipelineOptions
    #: salient only: the saliency source's name and weights file
    saliency: tuple[str, str | None] | None = None
    #: "torch" or "onnxruntime" (already resolved: samcli.onnx.engine_runtime)
    runtime: str = "torch"

    def with_pipeline(self, **changes: Any) -> "RunnerSpec":
        return replace(self, pipeline=replace(self.pipeline, **changes))

    def build(self, weights: bool = True) -> Runner:
        if self.runtime == "onnxruntime" and self.command in ("segment", "embed"):  # never imports torch
            from samcli.onnx.lean import load_lean

            model = load_lean(self.model, self.checkpoint, self.pipeline.precision, sessions=weights)
            if self.command == "embed":
                from samcli.engine.ort_flow import OrtEmbedder

                return OrtEmbedder(model, self.pipeline)
            from samcli.engine.ort_segment import OrtSegmenter

            return OrtSegmenter(model, self.settings, self.pipeline)
        from samcli.engine.everything import EverythingRunner
        from samcli.engine.salient import SalientRunner
        from samcli.engine.segment import Segmenter
        from samcli.models import get_spec
        from samcli.models.complexity import build_on_meta
        from samcli.onnx.engine_runtime import load_for_runtime

        if weights:
            # on the CPU (PyTorch): the pipeline moves it to its device
            model = load_for_runtime(self.model, self.checkpoint, self.runtime, self.pipeline.precision)
        else:
            model = build_on_meta(get_spec(self.model))
        if self.command == "segment":
            return Segmenter(model, self.settings, self.pipeline)
        if self.command == "everything":
            return EverythingRunner(model, self.settings, self.pipeline)
        if self.command == "embed":
            from samcli.engine.embed import EmbedRunner

            return EmbedRunner(model, self.pipeline)
        if self.command == "salient":
            source = None
            if weights:
                from samcli.engine.device import resolve_device
                from samcli.salient import load_saliency_source

                name, checkpoint = self.saliency
                source = load_saliency_source(name, checkpoint, device=resolve_device(self.pipeline.device),
                                              offline=True, progress=False, batch_size=self.pipeline.batch_size)
            return SalientRunner(model, source, self.settings, self.pipeline)
        raise ValueError(f"unknown command {self.command!r}")
