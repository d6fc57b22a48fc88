"""Glue shared by the commands: reading IMAGES, resolving weights, planning
the run (shard, journal), assembling the outputs, running locally or on Ray,
and turning the outcome into an exit code."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import typer
from rich.markup import escape

from samcli.cli.drive import RunSummary, drive, err, report
from samcli.cli.exit_codes import EXIT_MODEL, EXIT_USAGE
from samcli.cli.plan import Plan, fingerprint, plan_run
from samcli.errors import CheckpointError, SamcliError
from samcli.io.images import ImageRef, list_images
from samcli.io.shards import Shard
from samcli.writers.outputs import Outputs, Writer
from samcli.writers.results import FORMATS, ResultWriter
from samcli.writers.stats import StatsTotals

if TYPE_CHECKING:  # torch comes with these: imported where used, so `samcli --help` starts without it
    from samcli.engine.pipeline import Job, PipelineOptions
    from samcli.engine.runners import Runner, RunnerSpec


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(message)}")  # messages quote user text: brackets are not markup
    return typer.Exit(code)


def images_or_exit(images: str) -> list[ImageRef]:
    """The same rule for every command: IMAGES that hold no image is a usage error."""
    try:
        refs = list_images(images)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    if not refs:
        raise fail(f"{images}: no images found (extensions: .jpg .jpeg .png .bmp .tif .tiff .webp)")
    return refs


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def shard_or_exit(text: str | None) -> Shard | None:
    try:
        return Shard.parse(text) if text else None
    except SamcliError as exc:
        raise fail(str(exc)) from None


def checkpoint_or_exit(model_id: str, checkpoint: Path | None, offline: bool, quiet: bool) -> Path:
    """The weights file for `model_id`: --checkpoint, the cache, or a download."""
    from samcli.models import get_spec
    from samcli.models.checkpoint import resolve_checkpoint

    try:
        return resolve_checkpoint(get_spec(model_id), checkpoint, offline=offline or None, progress=not quiet)
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except SamcliError as exc:  # unknown model id
        raise fail(str(exc)) from None


def plan_or_exit(refs: list[ImageRef], out: str | Path, fmt: str, shard: Shard | None, resume: bool,
                 command: str, model: str, checkpoint: Path, settings: dict[str, Any],
                 inputs: dict[str, Path | None] | None = None) -> Plan:
    try:
        return plan_run(refs, out, fmt, shard, resume,
                        lambda: fingerprint(command, model, checkpoint, settings, inputs or {}, shard))
    except SamcliError as exc:
        raise fail(str(exc)) from None


def outputs_for(plan: Plan, out: str | Path, fmt: str, categories: dict[int, str], info: dict, *,
                batch_size: int = 1, keep_journal: bool = False, with_stats: bool = False,
                masks_dir: Path | None = None, overlays_dir: Path | None = None,
                extra: Iterable[Writer] = ()) -> tuple[Outputs, StatsTotals | None]:
    """Pictures first, the results journal last: an image counts as done (and is
    skipped by --resume) only once everything of it is on disk."""
    from samcli.writers.images import MaskPngWriter, OverlayWriter

    writers: list[Writer] = []
    if masks_dir is not None:
        writers.append(MaskPngWriter(masks_dir))
    if overlays_dir is not None:
        writers.append(OverlayWriter(overlays_dir))
    writers += list(extra)
    writers.append(ResultWriter(out, fmt, categories, info, with_stats, image_ids=plan.ids, journal=plan.journal,
                                sync_every=batch_size, keep_journal=keep_journal, sidecar=plan.sidecar))
    totals = StatsTotals() if with_stats else None
    if totals is not None:
        writers.append(totals)
    return Outputs(writers), totals


def build_or_exit(spec: RunnerSpec) -> Runner:
    try:
        return spec.build()
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except SamcliError as exc:
        raise fail(str(exc)) from None


def runtime_or_exit(runtime: str, model: str, weights: Path, pipeline: PipelineOptions, quiet: bool) -> str:
    """--runtime resolved for this model and pipeline ("torch" or "onnxruntime"); for
    ONNX Runtime its files are built now if missing (once per weights file), saying so."""
    from samcli.engine.device import resolve_device
    from samcli.onnx.engine_runtime import prepare_runtime, resolve_runtime

    try:
        chosen = resolve_runtime(runtime, model, resolve_device(pipeline.device).type, pipeline.precision,
                                 pipeline.compile, pipeline.channels_last)
        if chosen == "onnxruntime":
            prepare_runtime(model, weights, pipeline.precision, None if quiet else lambda m: err.print(escape(m)))
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except SamcliError as exc:
        raise fail(str(exc)) from None
    return chosen


def run_settings(pipeline: PipelineOptions, **settings: Any) -> dict[str, Any]:
    """The settings a journal must match to be resumed: the command's own, plus the
    precision actually used and the batch sizes (batching can move float results)."""
    from samcli.engine.device import resolve_device, resolve_precision

    try:
        dtype = resolve_precision(pipeline.precision, resolve_device(pipeline.device))
    except SamcliError as exc:
        raise fail(str(exc)) from None
    precision = "int8" if pipeline.precision == "int8" else str(dtype).removeprefix("torch.")
    return {**settings, "precision": precision, "batch_size": pipeline.batch_size}


def announce_journal(plan: Plan, quiet: bool, label: str = "") -> None:
    """What --resume found: no journal, the images already done, a repaired last line."""
    if plan.journal is None:
        return
    who, where = f"{label}: " if label else "", escape(str(plan.journal.path))
    if plan.resume and plan.journal.created:
        err.print(f"[yellow]note[/] {who}--resume: no journal at {where}, so nothing to resume; "
                  "starting from the first image")
    elif plan.resumed and not quiet:
        err.print(f"{who}resuming: {plan.resumed} of {len(plan.refs)} images are done (journal {where})")
    if plan.journal.dropped_torn_line and not quiet:
        err.print(f"[yellow]warning[/] {who}the journal's last line was cut short (killed mid-write); "
                  "that image is done again")


def execute(plan: Plan, outputs: Outputs, spec: RunnerSpec, jobs: list[Job], label: str, quiet: bool, *,
            ray: str | None = None, ray_actors: int | None = None, upfront_errors: Iterable[str] = (),
            totals: StatsTotals | None = None) -> None:
    """Run the jobs (here, or on Ray), drive the results into the outputs, report,
    and exit with the run's code."""
    summary = RunSummary(upfront_errors=list(upfront_errors), resumed=plan.resumed,
                         resumable=plan.journal is not None)
    for key, message in plan.earlier_prompt_errors:
        summary.prompt_errors.add(key, message)
    announce_journal(plan, quiet)
    runner = None
    if ray:
        from samcli.engine.ray_backend import run_on_ray

        results = run_on_ray(spec, jobs, ray, ray_actors)
    else:
        runner = build_or_exit(spec.with_pipeline(keep_images=outputs.needs_images))
        results = runner.run(jobs)
    try:
        drive(results, len(plan.todo), outputs, quiet, label, summary)
    except SamcliError as exc:  # e.g. a Ray worker could not load the model
        raise fail(str(exc), EXIT_MODEL if isinstance(exc, CheckpointError) else EXIT_USAGE) from None
    summary.encoded = runner.encoded_images if runner is not None else None
    for line in totals.lines() if totals is not None else []:
        err.print(line)
    raise typer.Exit(report(summary, quiet))


def jobs_for(refs: Iterable[ImageRef], prompts: dict[str, list] | None = None) -> list[Job]:
    from samcli.engine.pipeline import Job

    return [Job(ref, list((prompts or {}).get(ref.key, []))) for ref in refs]
