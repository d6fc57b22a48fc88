"""`samcli segment`: prompts in, one mask per prompt out."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from samcli import __version__
from samcli.cli import options as opt
from samcli.cli.common import (check_format, checkpoint_or_exit, execute, fail, images_or_exit, jobs_for, outputs_for,
                               plan_or_exit, run_settings, runtime_or_exit, shard_or_exit)
from rich.markup import escape

from samcli.cli.drive import err
from samcli.errors import SamcliError
from samcli.io.prompts import load_prompts, match_image


def segment(
    images: opt.Images,
    prompts: Annotated[Path, typer.Option("--prompts", "-p", help="Prompt file or YOLO label folder.", exists=True)],
    prompt_format: Annotated[str, typer.Option("--prompt-format", help="auto | json | coco | yolo | gdino")] = "auto",
    model: opt.Model = opt.DEFAULT_MODEL,
    checkpoint: opt.Checkpoint = None,
    offline: opt.Offline = False,
    out: opt.Out = "-",
    fmt: opt.Format = "coco",
    multimask: Annotated[str, typer.Option("--multimask", help="auto: the model reference's default choice | always: best of the 3 candidates by predicted IoU | never: the single-mask output")] = "auto",
    batch_size: opt.BatchSize = 1,
    prompt_batch: Annotated[Optional[int], typer.Option("--prompt-batch", min=1, help="Prompts per decoder call (default: 64 on CUDA, 2 on CPU, where larger batches run slower per prompt).")] = None,
    min_score: Annotated[Optional[float], typer.Option("--min-score", help="Drop detections (COCO results, YOLO conf, GroundingDINO) scoring below this.")] = None,
    class_names: Annotated[Optional[Path], typer.Option("--class-names", help="YOLO data.yaml or names file (one name per line).", exists=True)] = None,
    coco_images: Annotated[Optional[Path], typer.Option("--coco-images", help="COCO dataset JSON mapping image_id → file_name, for COCO results prompts.", exists=True)] = None,
    device: opt.Device = "auto",
    precision: opt.Precision = "auto",
    runtime: opt.Runtime = "auto",
    workers: opt.Workers = None,
    save_masks: opt.SaveMasks = None,
    save_overlays: opt.SaveOverlays = None,
    stats: opt.Stats = False,
    resume: opt.Resume = False,
    keep_journal: opt.KeepJournal = False,
    shard: opt.Shard = None,
    ray: opt.Ray = None,
    ray_actors: opt.RayActors = None,
    quiet: opt.Quiet = False,
) -> None:
    """Segment every prompt of every image: one mask per box / point set.

    Prompt coordinates are pixels of the image as displayed (EXIF rotation
    applied), x right, y down. Exit code 0 only if every image and prompt
    succeeded; see the README for the others.
    """
    from samcli.engine.pipeline import PipelineOptions
    from samcli.engine.runners import RunnerSpec
    from samcli.engine.segment import SegmentOptions

    check_format(fmt)
    refs = images_or_exit(images)
    part = shard_or_exit(shard)
    try:
        prompt_file = load_prompts(prompts, prompt_format, min_score=min_score,
                                   class_names=class_names, coco_images=coco_images)
        options = SegmentOptions(prompt_batch=prompt_batch, multimask=multimask)
        pipeline = PipelineOptions(device, precision, batch_size, workers)
        by_image, unknown = match_image(prompt_file, [r.key for r in refs])
    except SamcliError as exc:
        raise fail(str(exc)) from None
    upfront = list(prompt_file.errors) + [f"{prompts}: prompts for {k!r}, which is not among the images" for k in unknown]
    if not quiet:
        for w in prompt_file.warnings:
            err.print(f"[yellow]warning[/] {escape(w)}")

    weights = checkpoint_or_exit(model, checkpoint, offline, quiet)
    chosen = runtime_or_exit(runtime, model, weights, pipeline, quiet)
    settings = run_settings(pipeline, runtime=chosen, multimask=multimask, prompt_batch=prompt_batch, prompt_format=prompt_format,
                            min_score=min_score, with_stats=stats)
    plan = plan_or_exit(refs, out, fmt, part, resume, "segment", model, weights, settings,
                        {"prompts": prompts, "class_names": class_names, "coco_images": coco_images})
    info = {"description": "samcli segment", "version": __version__, "model": model, "prompts": str(prompts)}
    outputs, totals = outputs_for(plan, out, fmt, prompt_file.categories, info, batch_size=batch_size,
                                  keep_journal=keep_journal, with_stats=stats, masks_dir=save_masks,
                                  overlays_dir=save_overlays)
    spec = RunnerSpec("segment", model, str(weights), options, pipeline, runtime=chosen)
    execute(plan, outputs, spec, jobs_for(plan.todo, by_image), "segment", quiet, ray=ray, ray_actors=ray_actors,
            upfront_errors=upfront, totals=totals)
