"""`samcli eval`: how well promptable models segment annotated objects.

Reads COCO ground truth, runs each model of `--model` in turn through the
engine (`samcli.eval.pipeline.Evaluator`: one encode per image, batched
prompts), keeps each image's per-instance results in a journal per model
beside `--out`, and computes the report and the table from the journals at
the end, so `--resume` after a kill reports what an uninterrupted run would.
"""
from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from samcli import __version__
from samcli.cli import options as opt
from samcli.cli.common import (announce_journal, checkpoint_or_exit, fail, images_or_exit, jobs_for,
                               lock_or_exit, outputs_writable_or_exit, plan_or_exit, run_settings, runtime_or_exit)
from samcli.cli.embeddings import embedding_folders_or_exit
from samcli.cli.drive import MAX_LISTED, RunSummary, drive, err, report_fault
from samcli.cli.exit_codes import EXIT_INTERRUPTED, EXIT_MODEL, EXIT_OK, EXIT_PARTIAL
from samcli.cli.plan import Plan
from samcli.cli.progress import RunProgress
from samcli.errors import CheckpointError, SamcliError
from samcli.words import plural
from samcli.eval.cocoeval import check_not_federated
from samcli.eval.ground_truth import GroundTruth, read_ground_truth
from samcli.eval.image_match import match_images
from samcli.io.images import ImageRef
from samcli.io.prompts import load_prompts, match_image
from samcli.writers.atomic import open_output
from samcli.writers.outputs import Outputs

Protocol = Annotated[Literal[opt.PROTOCOLS], typer.Option("--protocol", help="box: each instance prompted with its box → mIoU | point: simulated clicks → mIoU after each --clicks count | coco-ap: --detections boxes → mask AP (COCOeval).")]
Annotations = Annotated[Path, typer.Option("--annotations", "-a", help="COCO instances ground truth (polygons or RLE); file_name = the image's path relative to IMAGES.", exists=True, dir_okay=False)]
Models = Annotated[str, typer.Option("--model", "-m", metavar="ID[,ID...]", help="Model id, or several separated by commas: each is evaluated in turn, one row each.")]
Checkpoints = Annotated[Optional[list[Path]], typer.Option("--checkpoint", "-c", help="Local weights file, given once per model in --model order (or never: the cache/download).")]
Clicks = Annotated[Optional[str], typer.Option("--clicks", metavar="N,N,...", help="point: report mIoU after these click counts, e.g. 2,4 (default 1,3,5).")]
Feedback = Annotated[bool, typer.Option("--feedback", help="point: feed the previous mask back as a mask prompt (models that take one). Not what the papers report.")]
Detections = Annotated[Optional[Path], typer.Option("--detections", help="coco-ap: a detector's COCO results list [{image_id, category_id, bbox, score}].", exists=True, dir_okay=False)]
Multimask = Annotated[Literal[opt.MULTIMASK_MODES], typer.Option("--multimask", help="always: best of the 3 candidates by predicted IoU (the papers' evaluation) | auto | never")]
MaxImages = Annotated[Optional[int], typer.Option("--max-images", min=1, help="Evaluate only the first N images that have ground truth (in path order).")]
ReportOut = Annotated[Optional[str], typer.Option("--out", "-o", metavar="FILE", help="Write the JSON report here, or - for stdout. Per-model journals go beside it (<out>.<model>.journal.jsonl), for --resume.")]
PromptBatch = Annotated[Optional[int], typer.Option("--prompt-batch", min=1, help="Prompts per decoder call (default 64 on CUDA, 2 on CPU).")]
Resume = Annotated[bool, typer.Option("--resume", help="Continue an interrupted run from its journals (<out>.<model>.journal.jsonl): images already there are not evaluated again. Refused if a journal was written with other settings.")]
KeepJournal = Annotated[bool, typer.Option("--keep-journal", help="Keep the journals after the report is written (they are removed by default).")]


@dataclass
class ModelRun:
    label: str  # the model's row: its id, or id#n when the same id is given twice
    model_id: str
    weights: Path
    runtime: str = "torch"  # resolved: torch | onnxruntime
    plan: Plan | None = None
    timing: dict | None = None


def evaluate(
    images: opt.Images,
    annotations: Annotations,
    protocol: Protocol,
    model: Models = opt.DEFAULT_MODEL,
    checkpoint: Checkpoints = None,
    offline: opt.Offline = False,
    clicks: Clicks = None,
    feedback: Feedback = False,
    detections: Detections = None,
    multimask: Multimask = "always",
    max_images: MaxImages = None,
    out: ReportOut = None,
    batch_size: opt.BatchSize = 1,
    prompt_batch: PromptBatch = None,
    device: opt.Device = "auto",
    precision: opt.Precision = "auto",
    runtime: opt.Runtime = "auto",
    workers: opt.Workers = None,
    embeddings: opt.Embeddings = None,
    resume: Resume = False,
    keep_journal: KeepJournal = False,
    quiet: opt.Quiet = False,
    log_every: opt.LogEvery = 10.0,
) -> None:
    """Evaluate models against COCO ground truth: box or point mIoU, or mask AP
    from a detector's boxes. Prints one table (a row per model) and, with --out,
    a JSON report. Exit 0: all evaluated; 1: finished, but some annotations,
    detections or images could not be used (listed); 2: unusable input; 3: weights."""
    from samcli.engine.choices import default_prompt_batch
    from samcli.engine.device import resolve_device
    from samcli.engine.jobs import PipelineOptions
    from samcli.eval.pipeline import EvalOptions
    from samcli.eval.protocol_point import DEFAULT_CLICKS
    from samcli.eval.report import REPORT_VERSION

    _check_protocol_options(protocol, clicks, feedback, detections)
    outputs_writable_or_exit([("--out", out)])
    stored = embedding_folders_or_exit(embeddings, None)
    try:
        options = EvalOptions(protocol, _parse_clicks(clicks) if clicks else DEFAULT_CLICKS, multimask, feedback,
                              prompt_batch)
        pipeline = stored.pipeline(PipelineOptions(device, precision, batch_size, workers))
        resolved = resolve_device(device)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    ids = [m.strip() for m in model.split(",")]
    if not all(ids):
        raise fail(f"--model {model!r}: an empty model id")
    if checkpoint and len(checkpoint) != len(ids):
        raise fail(f"--checkpoint is given {plural(len(checkpoint), 'time')} for {plural(len(ids), 'model')}: give "
                   "it once per model, in --model order, or not at all (the cache/download)")
    if resume and out in (None, "-"):
        raise fail("--resume needs --out FILE: the journals live beside the report")
    if out not in (None, "-"):  # the journals beside the report (else in a private scratch folder)
        lock_or_exit(*(f"{out}.{label}" for label in _labels(ids)))
    refs = images_or_exit(images)
    gt, truth, matched, errors, warnings = _ground_truth_or_exit(annotations, refs, protocol, max_images)
    found: dict = {}
    if detections is not None:
        found, det_errors, det_warnings = _detections_or_exit(detections, annotations, [r.key for r in refs])
        errors, warnings = errors + det_errors, warnings + det_warnings
    warnings += _check_models_or_exit(ids, options)
    _print_list("[red]error[/]", errors)
    if not quiet:
        _print_list("[yellow]warning[/]", warnings)
    runs = [ModelRun(label, m, checkpoint_or_exit(m, c, offline, quiet, use="eval"))
            for label, m, c in zip(_labels(ids), ids, checkpoint or [None] * len(ids))]
    for run in runs:
        run.runtime = runtime_or_exit(runtime, run.model_id, run.weights, pipeline, quiet)

    # the journals' fingerprint: what decides a model's per-image results (not --max-images: a subset)
    point = {"max_clicks": options.max_clicks, "feedback": feedback} if protocol == "point" else {}
    settings = run_settings(pipeline, protocol=protocol, multimask=multimask,
                            prompt_batch=prompt_batch or default_prompt_batch(resolved.type), **point, **stored.settings())
    inputs = {"annotations": annotations, "detections": detections}
    todo = [r for r in refs if r.key in truth]
    with tempfile.TemporaryDirectory(prefix="samcli-eval-") as scratch:
        base = out if out not in (None, "-") else str(Path(scratch) / "eval")
        for run in runs:
            run.plan = plan_or_exit(todo, f"{base}.{run.label}", "jsonl", None, resume, "eval", run.model_id,
                                    run.weights, {**settings, "runtime": run.runtime}, inputs)
            stored.writers_or_exit(run.model_id, run.weights, run.plan.journal.fingerprint["weights_sha256"], settings,
                                  run.runtime)
        digests = runs[0].plan.journal.fingerprint["inputs"]
        shown = {k: v for k, v in settings.items() if k not in ("protocol", "max_clicks")}
        report = {
            "samcli_eval": REPORT_VERSION, "samcli": __version__, "protocol": protocol,
            "settings": {**shown, **({"clicks": list(options.clicks)} if point else {}), "max_images": max_images,
                         "device": str(resolved)},
            **{name: None if path is None else {"path": str(path), "sha256": digests[name]}
               for name, path in inputs.items()},
            "images": {"listed": len(refs), "with_ground_truth": matched, "evaluated": len(truth)},
            "models": [], "errors": errors, "warnings": warnings,
        }
        for run in runs:
            run.timing = _run_model(run, options, truth, found, pipeline, quiet, log_every, resumable=base == out)
        report["models"] = [_model_entry(run, options, gt, truth) for run in runs]
        _write(report, out, quiet)
        for run in runs:
            if keep_journal:
                run.plan.journal.close()
            else:
                run.plan.journal.remove()
    failed = sum(m["failed"] for m in report["models"])
    raise typer.Exit(EXIT_PARTIAL if (errors or failed) else EXIT_OK)


def _check_protocol_options(protocol: str, clicks: str | None, feedback: bool, detections: Path | None) -> None:
    if protocol == "coco-ap" and detections is None:
        raise fail("--protocol coco-ap needs --detections FILE (a detector's COCO results list)")
    if protocol != "coco-ap" and detections is not None:
        raise fail(f"--detections is for --protocol coco-ap, not {protocol}")
    if protocol != "point" and (clicks is not None or feedback):
        raise fail(f"--clicks and --feedback are for --protocol point, not {protocol}")


def _parse_clicks(text: str) -> tuple[int, ...]:
    try:
        counts = sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise SamcliError(f"--clicks must be click counts separated by commas, e.g. 1,3,5; got {text!r}") from None
    return tuple(counts)


def _labels(ids: list[str]) -> list[str]:
    """A row per model: its id, or id#1, id#2, … when an id is given twice (two checkpoints)."""
    total, seen, out = Counter(ids), Counter(), []
    for m in ids:
        seen[m] += 1
        out.append(m if total[m] == 1 else f"{m}#{seen[m]}")
    return out


def _print_list(kind: str, messages: list[str]) -> None:
    for message in messages[:MAX_LISTED]:
        err.print(f"{kind} {escape(message)}")  # messages quote file content: "bbox [x, y, w, h]" is no markup
    if len(messages) > MAX_LISTED:
        err.print(f"{kind} … and {len(messages) - MAX_LISTED} more (all are in the report)")


def _ground_truth_or_exit(annotations: Path, refs: list[ImageRef], protocol: str, max_images: int | None):
    """→ the ground truth, IMAGES key → its GtImage for the images to evaluate,
    errors (exit 1 at the end), warnings. Unusable ground truth: exit 2."""

    try:
        gt = read_ground_truth(annotations)
        if protocol == "coco-ap":
            check_not_federated(gt)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    match = match_images(gt, [r.key for r in refs])
    errors, warnings = gt.errors + match.errors, gt.warnings + match.notes
    truth = dict(list(match.matched.items())[:max_images])
    if not match.matched:
        _print_list("[yellow]warning[/]", warnings)
        raise fail(f"none of the {plural(len(refs), 'image')} is in {annotations}: nothing to evaluate")
    if protocol != "coco-ap" and not any(image.instances for image in truth.values()):
        _print_list("[red]error[/]", errors)
        _print_list("[yellow]warning[/]", warnings)
        raise fail(f"{annotations}: no instance to evaluate in the {plural(len(truth), 'image')}: every annotation "
                   "there is a crowd region, empty or unusable")
    return gt, truth, len(match.matched), errors, warnings


def _detections_or_exit(path: Path, annotations: Path, keys: list[str]):
    """IMAGES keys → IMAGES key → its detections (box prompts with score and category), errors, warnings."""

    try:
        found = load_prompts(path, "coco", coco_images=annotations)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    if any(p.score is None for prompts in found.images.values() for p in prompts):
        raise fail(f"{path}: a COCO dataset, not a detector's results list [{{image_id, category_id, bbox, score}}]: "
                   "AP ranks detections by their score")
    by_image, unknown = match_image(found, keys)
    errors = found.errors + [f"{path}: detections for {k!r}, which is not among the images; not evaluated"
                             for k in unknown]
    return by_image, errors, found.warnings


def _check_models_or_exit(ids: list[str], options) -> list[str]:
    """Promptable models only; for point, every model must take max(--clicks) points.
    → warnings: --feedback for a model that takes no mask prompt."""
    from samcli.eval.decoding import check_points
    from samcli.models.complexity import build_on_meta
    from samcli.models.registry import spec_for

    warnings: list[str] = []
    for m in dict.fromkeys(ids):
        try:
            spec = spec_for(m, "promptable", "eval")
        except SamcliError as exc:  # an unknown id, or a saliency model
            raise fail(str(exc)) from None
        if options.protocol == "point":
            shape = build_on_meta(spec)
            try:
                check_points(shape, options.max_clicks)
            except SamcliError as exc:
                raise fail(f"--clicks: {m}: {exc}") from None
            if options.feedback and not shape.accepts_mask_input:
                warnings.append(f"--feedback: {m} takes no mask prompt; its clicks run without the previous mask")
    return warnings


def _run_model(run: ModelRun, options, truth: dict, found: dict, pipeline: PipelineOptions, quiet: bool,
               log_every: float, resumable: bool) -> dict:
    """One model over the images its journal does not hold yet → its timing. A fault
    that stops the run (e.g. the disk is full) ends the command with its exit code."""
    from samcli.eval.pipeline import Evaluator, JournalWriter
    from samcli.onnx.engine_runtime import load_for_runtime

    plan = run.plan
    announce_journal(plan, quiet, run.label)
    if not plan.todo:  # all in the journal: not even the model is needed
        return {"images": 0, "seconds": 0.0, "images_per_s": None, "encoded": 0}
    try:
        model = load_for_runtime(run.model_id, run.weights, run.runtime, pipeline.precision)
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    evaluator = Evaluator(model, options, truth, found, pipeline)
    label = f"eval {run.label}"
    summary = drive(evaluator.run(jobs_for(plan.todo)), len(plan.todo),
                    Outputs([JournalWriter(plan.journal, pipeline.batch_size)]), quiet, label,
                    RunSummary(resumed=plan.resumed, resumable=resumable, journal=str(plan.journal.path)),
                    RunProgress(err, label, len(plan.todo), resumed=plan.resumed, quiet=quiet, log_every=log_every))
    if summary.fault is not None:
        report_fault(summary, run.label)
        raise typer.Exit(summary.exit_code)
    if summary.interrupted:
        err.print(f"[yellow]interrupted[/] during {run.label}: the images evaluated so far are in the journals; "
                  "rerun the same command with --resume to finish")
        raise typer.Exit(EXIT_INTERRUPTED)
    rate = summary.images / summary.seconds if summary.images and summary.seconds > 0 else None
    timing = {"images": summary.images, "seconds": round(summary.seconds, 3),
              "images_per_s": None if rate is None else round(rate, 3), "encoded": evaluator.encoded_images}
    read = ""
    if pipeline.embeddings:
        timing["embeddings_read"] = evaluator.read_embeddings
        read = f", {evaluator.read_embeddings} read from --embeddings"
    if not quiet:
        resumed = f" (+{plan.resumed} from the journal)" if plan.resumed else ""
        err.print(f"{run.label}: {plural(summary.images, 'image')}{resumed}, {summary.failed.count} failed, "
                  f"{evaluator.encoded_images} encoded{read}, {summary.seconds:.1f} s")
    summary.failed.print("[red]failed[/]")
    return timing


def _model_entry(run: ModelRun, options: EvalOptions, gt: GroundTruth, truth: dict) -> dict:
    """A model's part of the report, its numbers computed from its journal."""
    from samcli.eval.report import model_numbers

    journal = run.plan.journal
    records = journal.records([k for k in truth if k in journal.entries])
    return {"label": run.label, "model": run.model_id, "checkpoint": str(run.weights),
            "weights_sha256": journal.fingerprint["weights_sha256"], **model_numbers(options, gt, truth, records),
            "timing": run.timing}


def _write(report: dict, out: str | None, quiet: bool) -> None:
    """The table on stderr (unless -q with a report file), the JSON report to --out."""
    if not (quiet and out is not None):
        _print_table(report)
    if out is not None:
        with open_output(out) as f:
            f.write(json.dumps(report, indent=1) + "\n")
        if out != "-" and not quiet:
            err.print(f"report: {out}")


def _print_table(report: dict) -> None:
    from samcli.eval.report import table

    headers, rows = table(report)
    what = {"box": "box prompts: mask IoU", "point": "simulated clicks: mask IoU",
            "coco-ap": "detector boxes: COCO mask AP"}[report["protocol"]]
    grid = Table(title=f"samcli eval: {what} ×100, {plural(report['images']['evaluated'], 'image')}",
                 title_justify="left")
    for k, header in enumerate(headers):
        grid.add_column(header, justify="left" if k == 0 else "right")
    for row in rows:
        grid.add_row(*row)
    # never squeezed into a narrow (or non-terminal, 80-column) stderr: numbers would be cut
    width = max(err.width, Measurement.get(err, err.options.update_width(1000), grid).maximum)
    Console(stderr=True, highlight=False, width=width).print(grid)
