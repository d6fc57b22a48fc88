"""`samcli salient`: automatic cutouts of each image's main object."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from samcli import __version__
from samcli.cli import options as opt
from samcli.cli.common import (check_format, checkpoint_or_exit, execute, fail, images_or_exit, jobs_for, outputs_for,
                               plan_or_exit, run_settings, runtime_or_exit, shard_or_exit)
from samcli.errors import SamcliError
from samcli.salient.clicks import DEFAULT_MIN_BLOB_AREA, DEFAULT_THRESHOLD
from samcli.salient.saliency import DEFAULT_SALIENCY_SOURCE, WEIGHT_FREE_SOURCES, saliency_source_names


def salient(
    images: opt.Images,
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Writes cutouts/, annotations.json(l), and saliency/ + overlays/ when asked.", file_okay=False)],
    sod: Annotated[str, typer.Option("--sod", help="Salient-object map: u2netp (default, 4.7 MB) | u2net (176 MB, better) | spectral (no weights, works offline, lower quality).")] = DEFAULT_SALIENCY_SOURCE,
    sod_checkpoint: Annotated[Optional[Path], typer.Option("--sod-checkpoint", help="Local weights for --sod u2net/u2netp.", dir_okay=False)] = None,
    threshold: Annotated[float, typer.Option("--threshold", min=0.0, max=1.0, help="Salient where map/255 >= this.")] = DEFAULT_THRESHOLD,
    min_blob_area: Annotated[int, typer.Option("--min-blob-area", min=0, help="Ignore salient blobs smaller than this (pixels).")] = DEFAULT_MIN_BLOB_AREA,
    model: opt.Model = opt.DEFAULT_MODEL,
    checkpoint: opt.Checkpoint = None,
    offline: opt.Offline = False,
    fmt: opt.Format = "coco",
    pad: Annotated[int, typer.Option("--pad", min=0, help="Pixels of margin around the cropped cutout.")] = 0,
    full_frame: Annotated[bool, typer.Option("--full-frame", help="Cutouts keep the whole frame instead of the mask's box.")] = False,
    save_saliency: Annotated[bool, typer.Option("--save-saliency", help="Also write saliency/<image>.png (the map before thresholding).")] = False,
    save_overlays: Annotated[bool, typer.Option("--save-overlays", help="Also write overlays/<image>.jpg with clicks and mask drawn.")] = False,
    batch_size: opt.BatchSize = 1,
    device: opt.Device = "auto",
    precision: opt.Precision = "auto",
    runtime: opt.Runtime = "auto",
    workers: opt.Workers = None,
    resume: opt.Resume = False,
    keep_journal: opt.KeepJournal = False,
    shard: opt.Shard = None,
    ray: opt.Ray = None,
    ray_actors: opt.RayActors = None,
    quiet: opt.Quiet = False,
) -> None:
    """Cut out each image's main object: salient-object map → threshold → the blob
    with the most saliency → 5 clicks (its centre of mass and its 4 quadrants') →
    one SAM mask → RGBA cutout + annotation. Images with no salient object are
    reported and skipped; they do not fail the run."""
    from samcli.engine.pipeline import PipelineOptions
    from samcli.engine.runners import RunnerSpec
    from samcli.engine.salient import SalientOptions
    from samcli.writers.images import CutoutWriter, MapWriter

    check_format(fmt)
    refs = images_or_exit(images)
    part = shard_or_exit(shard)
    try:
        pipeline = PipelineOptions(device, precision, batch_size, workers)
        if sod not in saliency_source_names():
            raise SamcliError(f"unknown saliency source {sod!r}; choose from {', '.join(saliency_source_names())}")
    except SamcliError as exc:
        raise fail(str(exc)) from None
    weights = checkpoint_or_exit(model, checkpoint, offline, quiet)
    sod_weights = None
    if sod not in WEIGHT_FREE_SOURCES:
        sod_weights = checkpoint_or_exit(sod, sod_checkpoint, offline, quiet)
    elif sod_checkpoint is not None:
        raise fail(f"the {sod} saliency source has no weights; drop --sod-checkpoint")
    chosen = runtime_or_exit(runtime, model, weights, pipeline, quiet)
    options = SalientOptions(threshold, min_blob_area, keep_maps=save_saliency)
    settings = run_settings(pipeline, runtime=chosen, sod=sod, threshold=threshold, min_blob_area=min_blob_area, pad=pad,
                            full_frame=full_frame)
    annotations = out_dir / ("annotations.jsonl" if fmt == "jsonl" else "annotations.json")
    plan = plan_or_exit(refs, annotations, fmt, part, resume, "salient", model, weights, settings,
                        {"sod_weights": sod_weights})
    pictures = [CutoutWriter(out_dir / "cutouts", pad, full_frame)]
    if save_saliency:
        pictures.append(MapWriter(out_dir / "saliency", "saliency"))
    info = {"description": "samcli salient", "version": __version__, "model": model, "sod": sod}
    outputs, _ = outputs_for(plan, annotations, fmt, {1: "salient object"}, info, batch_size=batch_size,
                             keep_journal=keep_journal, overlays_dir=out_dir / "overlays" if save_overlays else None,
                             extra=pictures)
    spec = RunnerSpec("salient", model, str(weights), options, pipeline,
                      saliency=(sod, str(sod_weights) if sod_weights else None), runtime=chosen)
    execute(plan, outputs, spec, jobs_for(plan.todo), "salient", quiet, ray=ray, ray_actors=ray_actors)
