"""Glue shared by the commands: reading IMAGES, resolving weights, planning
the run (shard, journal), assembling the outputs, running locally or on Ray,
and turning the outcome into an exit code."""
from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, TypeVar

import typer
from rich.markup import escape

from samcli.cli.drive import OutputCounts, RunSummary, drive, err, report
from samcli.cli.exit_codes import EXIT_MODEL, EXIT_USAGE
from samcli.cli.plan import Plan, fingerprint, plan_run
from samcli.cli.progress import LOG_EVERY, RunProgress
from samcli.errors import CheckpointError, SamcliError
from samcli.models.checkpoint import weights_digest as remembered_digest
from samcli.io.image_ids import ImageIds
from samcli.io.images import ImageRef, list_images
from samcli.io.shards import Shard
from samcli.words import plural
from samcli.writers.destinations import check_output_file, check_output_folder
from samcli.writers.export import ExportOptions
from samcli.writers.formats import FORMATS, check_images, needs_path, writes_folder
from samcli.writers.journal import journal_path, lock_journal
from samcli.writers.outputs import Outputs, Writer
from samcli.writers.results import ResultWriter
from samcli.writers.stats import StatsTotals

if TYPE_CHECKING:  # torch comes with these: imported where used, so `samcli --help` starts without it
    from samcli.engine.jobs import Job, PipelineOptions
    from samcli.engine.runners import Runner, RunnerSpec

T = TypeVar("T")


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


def check_format(fmt: str, out: str | Path | None = None) -> None:
    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if needs_path(fmt) and str(out) == "-":
        what = "a folder: give --out DIR" if writes_folder(fmt) else "files: give --out FILE"
        raise fail(f"--format {fmt} writes {what}")


def export_or_exit(fmt: str, polygons: bool, polygon_parts: str, min_area: int, ls_image_root: str,
                   ls_from_name: str, ls_to_name: str, ls_polygons: bool) -> ExportOptions:
    """The mask-writing options, checked against the format they apply to."""
    if polygons and fmt not in ("coco", "coco-results", "jsonl"):
        hint = "; for labelstudio use --ls-polygons" if fmt == "labelstudio" else " (yolo-seg is always polygons)"
        raise fail(f"--polygons applies to coco, coco-results and jsonl{hint}")
    if ls_polygons and fmt != "labelstudio":
        raise fail("--ls-polygons applies to --format labelstudio")
    try:
        return ExportOptions(polygons, polygon_parts, min_area, ls_image_root, ls_from_name, ls_to_name, ls_polygons)
    except ValueError as exc:
        raise fail(str(exc)) from None


def weights_digest(plan: Plan, weights: Path) -> str:
    """sha256 of the weights file (already read for the journal's fingerprint when there is one)."""
    return plan.journal.fingerprint["weights_sha256"] if plan.journal is not None else remembered_digest(weights)


def outputs_writable_or_exit(files: Iterable[tuple[str, str | Path | None]],
                             folders: Iterable[tuple[str, Path | None]] = ()) -> None:
    """Every command that writes checks its outputs first: (option, path) pairs,
    None = not asked for. A path that cannot be written is exit 2 before any work."""
    try:
        for option, target in files:
            if target is not None:
                check_output_file(option, target)
        for option, folder in folders:
            if folder is not None:
                check_output_folder(option, folder)
    except SamcliError as exc:
        raise fail(str(exc)) from None


def results_target(out: str | None, fmt: str, *, optional: bool = False) -> str | None:
    """Where the results go: --out as given; without it stdout, when that is a pipe or a
    file. A terminal gets no dataset: exit 2 saying how to write or pipe it, or, where the
    results are optional (salient: its cutouts are the product), no results file at all."""
    if out is not None:
        return out
    if needs_path(fmt):  # never stdout: check_format says to give --out
        return None if optional else "-"
    if not sys.stdout.isatty():
        return "-"
    if optional:
        return None
    raise fail(f"no --out, and stdout is a terminal: samcli does not print a {fmt} dataset there. Write it to a "
               "file (--out FILE) or pipe it (-o - | jq ., or just | jq .)")


def results_writable_or_exit(fmt: str, option: str, out: str | Path | None,
                             folders: Iterable[tuple[str, Path | None]] = ()) -> None:
    """The results' destination (a file, or a folder for yolo-seg; None: none) and the picture folders."""
    if out is None:
        outputs_writable_or_exit([], folders)
    elif writes_folder(fmt):
        outputs_writable_or_exit([], [(option, Path(out)), *folders])
    else:
        outputs_writable_or_exit([(option, out)], folders)


def lock_or_exit(*outputs: str | Path | None) -> None:
    """One run per output: lock each output's journal now, before any slow step (prompts,
    weights), so a second run on the same output is refused at once (writers/lock.py).
    Held until the journal is closed or removed, or the process ends."""
    try:
        for out in outputs:
            if out is not None and str(out) != "-":
                lock_journal(journal_path(out))
    except SamcliError as exc:
        raise fail(str(exc)) from None


def shard_or_exit(text: str | None) -> Shard | None:
    try:
        return Shard.parse(text) if text else None
    except SamcliError as exc:
        raise fail(str(exc)) from None


def checkpoint_or_exit(model_id: str, checkpoint: Path | None, offline: bool, quiet: bool, *,
                       kind: str = "promptable", use: str = "this command") -> Path:
    """The weights file for `model_id`: --checkpoint, the cache, or a download. A model
    `use` cannot run (unknown, or not of its `kind`) is exit 2 before any of that."""
    from samcli.models.checkpoint import resolve_checkpoint
    from samcli.models.registry import spec_for

    try:
        spec = spec_for(model_id, kind, use)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    try:
        return resolve_checkpoint(spec, checkpoint, offline=offline or None, progress=not quiet)
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_MODEL) from None


def plan_or_exit(refs: list[ImageRef], out: str | Path | None, fmt: str, shard: Shard | None, resume: bool,
                 command: str, model: str, checkpoint: Path, settings: dict[str, Any],
                 inputs: dict[str, Path | None] | None = None, image_ids: ImageIds = ImageIds()) -> Plan:
    try:
        check_images(fmt, [r.key for r in refs])
        return plan_run(refs, out, fmt, shard, resume,
                        lambda: fingerprint(command, model, checkpoint, settings, inputs or {}, shard, image_ids),
                        image_ids)
    except SamcliError as exc:
        raise fail(str(exc)) from None


def outputs_for(plan: Plan, out: str | Path | None, fmt: str, categories: dict[int, str], info: dict, *,
                batch_size: int = 1, keep_journal: bool = False, with_stats: bool = False,
                masks_dir: Path | None = None, overlays_dir: Path | None = None,
                extra: Iterable[Writer] = (), export: ExportOptions | None = None) -> tuple[Outputs, StatsTotals | None]:
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
                                sync_every=batch_size, keep_journal=keep_journal, sidecar=plan.sidecar,
                                export=export or ExportOptions()))
    totals = StatsTotals() if with_stats else None
    if totals is not None:
        writers.append(totals)
    return Outputs(writers), totals


def build_or_exit(spec: RunnerSpec) -> Runner:
    return or_exit(spec.build)


def or_exit(step: Callable[[], T]) -> T:
    """A step before the run: weights that cannot be loaded are exit 3, any other
    user-fixable error exit 2."""
    try:
        return step()
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except SamcliError as exc:
        raise fail(str(exc)) from None


def runtime_or_exit(runtime: str, model: str, weights: Path, pipeline: PipelineOptions, quiet: bool) -> str:
    """--runtime resolved for this model and pipeline ("torch" or "onnxruntime"); for
    ONNX Runtime its files are built now if missing (once per weights file), saying so."""
    from samcli.engine.choices import device_type
    from samcli.onnx.engine_runtime import prepare_runtime, resolve_runtime

    try:
        chosen = resolve_runtime(runtime, model, device_type(pipeline.device), pipeline.precision,
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
    from samcli.engine.choices import device_type, precision_name

    try:
        dtype = precision_name(pipeline.precision, device_type(pipeline.device))
    except SamcliError as exc:
        raise fail(str(exc)) from None
    precision = "int8" if pipeline.precision == "int8" else dtype
    return {**settings, "precision": precision, "batch_size": pipeline.batch_size}


def announce_journal(plan: Plan, quiet: bool, label: str = "") -> None:
    """What --resume found: no journal, the images already done, a repaired last line."""
    if plan.journal is None:
        return
    who, where = f"{label}: " if label else "", escape(str(plan.journal.path))
    if plan.resume and plan.journal.created:
        err.print(f"[yellow]note[/] {who}--resume: no journal with a finished image at {where}, so nothing "
                  "to resume; starting from the first image")
    elif plan.resumed and not quiet:
        err.print(f"{who}resuming: {plan.resumed} of {plural(len(plan.refs), 'image')} done in the journal ({where})")
    if plan.journal.dropped_torn_line and not quiet:
        err.print(f"[yellow]warning[/] {who}the journal's last line was cut short (killed mid-write); "
                  "that image is done again")


def execute(plan: Plan, outputs: Outputs, spec: RunnerSpec, jobs: list[Job], label: str, quiet: bool, *,
            ray: str | None = None, ray_actors: int | None = None, verbose: bool = False,
            upfront_errors: Iterable[str] = (), warnings: Iterable[str] = (), totals: StatsTotals | None = None,
            log_every: float = LOG_EVERY) -> None:
    """Run the jobs (here, or on Ray), drive the results into the outputs, report,
    and exit with the run's code. `warnings` concern the whole run: printed once, now."""
    summary = RunSummary(upfront_errors=list(upfront_errors), run_warnings=list(warnings), resumed=plan.resumed,
                         resumable=plan.journal is not None,
                         journal=str(plan.journal.path) if plan.journal is not None else None)
    for key, message in plan.earlier_prompt_errors:
        summary.prompt_errors.add(key, message)
    announce_journal(plan, quiet)
    for warning in summary.run_warnings if not quiet else ():
        err.print(f"[yellow]warning[/] {escape(warning)}")
    shown = RunProgress(err, label, len(plan.todo), resumed=plan.resumed, quiet=quiet, log_every=log_every)
    runner = None
    with ExitStack() as stack:
        if ray:  # a cluster that cannot do the job is exit 2 or 3 here; leaving the `with` ends the run's actors
            from samcli.engine.ray_backend import RayRun

            results = or_exit(stack.enter_context(RayRun(spec, jobs, ray, ray_actors, verbose)).start)
        else:
            runner = build_or_exit(spec.with_pipeline(keep_images=outputs.needs_images))
            runner.on_prompts = shown.prompts
            results = runner.run(jobs)
        # a fault (e.g. a worker's weights) → its code
        drive(results, len(plan.todo), outputs, quiet, label, summary, shown)
    summary.encoded = runner.encoded_images if runner is not None else None
    if spec.pipeline.embeddings:  # counted from the results (`RunSummary.count`): on Ray too
        summary.embeddings_read = summary.embeddings_read or 0
    if plan.resumed and plan.journal is not None:
        summary.output = output_counts(plan.journal.entries.values(), plan.resumed)
    for line in totals.lines() if totals is not None and summary.fault is None else []:
        err.print(line)
    raise typer.Exit(report(summary, quiet))


def output_counts(entries: Iterable, earlier: int) -> OutputCounts:
    """The journal's images (every one in the output): how many, failed, masks."""
    entries = list(entries)
    return OutputCounts(len(entries), sum(not e.ok for e in entries), sum(e.masks for e in entries), earlier)


def jobs_for(refs: Iterable[ImageRef], prompts: dict[str, list] | None = None) -> list[Job]:
    from samcli.engine.jobs import Job

    return [Job(ref, list((prompts or {}).get(ref.key, []))) for ref in refs]
