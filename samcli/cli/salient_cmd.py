"""`samcli salient`: automatic cutouts of each image's main object."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from samcli import __version__
from samcli.cli import options as opt
from samcli.cli.common import (check_format, checkpoint_or_exit, execute, export_or_exit, fail, images_or_exit, jobs_for,
                               lock_or_exit, outputs_for, plan_or_exit, results_target, results_writable_or_exit,
                               run_settings, runtime_or_exit, shard_or_exit, weights_digest)
from samcli.cli.drive import err
from samcli.errors import SamcliError
from samcli.salient.clicks import DEFAULT_MIN_BLOB_AREA, DEFAULT_THRESHOLD
from samcli.salient.saliency import DEFAULT_SALIENCY_SOURCE, WEIGHT_FREE_SOURCES
from samcli.writers.formats import FILE_NAMES


SalientOut = Annotated[Optional[str], typer.Option(
    "--out", "-o", metavar="FILE", show_default=False,
    help="The annotations (a folder for yolo-seg), or - for stdout. Without it: stdout when that is a pipe or a "
         "file; none when it is a terminal (the cutouts are written either way).")]


def salient(
    images: opt.Images,
    out: SalientOut = None,
    save_cutouts: Annotated[Path, typer.Option("--save-cutouts", metavar="DIR", file_okay=False, help="RGBA cutouts: DIR/<image path>.png (alpha = the mask), cropped to the mask's box plus --pad, or --full-frame.")] = Path("cutouts"),
    save_masks: opt.SaveMasks = None,
    save_overlays: Annotated[Optional[Path], typer.Option("--save-overlays", metavar="DIR", file_okay=False, help="Also write DIR/<image path>.jpg with the clicks and the mask drawn, to look at.")] = None,
    save_saliency: Annotated[Optional[Path], typer.Option("--save-saliency", metavar="DIR", file_okay=False, help="Also write DIR/<image path>.png: the saliency map before thresholding.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", hidden=True, file_okay=False, help="Deprecated: --save-cutouts DIR/cutouts --out DIR/annotations.json.")] = None,
    sod: Annotated[str, typer.Option("--sod", metavar="[" + "|".join(opt.SALIENCY_SOURCES) + "]", help="Salient-object map: u2netp (4.7 MB) | u2net (176 MB, better) | spectral (no weights, works offline, lower quality).")] = DEFAULT_SALIENCY_SOURCE,
    sod_checkpoint: Annotated[Optional[Path], typer.Option("--sod-checkpoint", help="Local weights for --sod u2net/u2netp.")] = None,
    threshold: Annotated[float, typer.Option("--threshold", min=0.0, max=1.0, help="Salient where map/255 >= this.")] = DEFAULT_THRESHOLD,
    min_blob_area: Annotated[int, typer.Option("--min-blob-area", min=0, help="Ignore salient blobs smaller than this (pixels).")] = DEFAULT_MIN_BLOB_AREA,
    model: opt.Model = opt.DEFAULT_MODEL,
    checkpoint: opt.Checkpoint = None,
    offline: opt.Offline = False,
    fmt: opt.Format = "coco",
    polygons: opt.Polygons = False,
    polygon_parts: opt.PolygonParts = opt.EXPORT.polygon_parts,
    min_area: opt.MinArea = opt.EXPORT.min_area,
    ls_image_root: opt.LsImageRoot = opt.EXPORT.ls_image_root,
    ls_from_name: opt.LsFromName = opt.EXPORT.ls_from_name,
    ls_to_name: opt.LsToName = opt.EXPORT.ls_to_name,
    ls_polygons: opt.LsPolygons = False,
    pad: Annotated[int, typer.Option("--pad", min=0, help="Pixels of margin around the cropped cutout.")] = 0,
    full_frame: Annotated[bool, typer.Option("--full-frame", help="Cutouts keep the whole frame instead of the mask's box.")] = False,
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
    verbose: opt.Verbose = False,
    quiet: opt.Quiet = False,
    log_every: opt.LogEvery = 10.0,
) -> None:
    """Cut out each image's main object: salient-object map → threshold → the blob
    with the most saliency → 5 clicks (its centre of mass and its 4 quadrants') →
    one SAM mask → RGBA cutout + annotation. Images with no salient object are
    reported and skipped; they do not fail the run."""
    from samcli.engine.jobs import PipelineOptions
    from samcli.engine.runners import RunnerSpec
    from samcli.engine.salient import SalientOptions
    from samcli.models.registry import spec_for
    from samcli.writers.images import CutoutWriter, MapWriter

    if out_dir is not None:  # the old layout, for old scripts
        err.print(f"[yellow]warning[/] --out-dir is deprecated: it means --save-cutouts {escape(str(out_dir / 'cutouts'))} "
                  f"--out {escape(str(out_dir / FILE_NAMES[fmt]))}; write those instead")
        out = out if out is not None else str(out_dir / FILE_NAMES[fmt])
        save_cutouts = out_dir / "cutouts" if save_cutouts == Path("cutouts") else save_cutouts
    annotations = results_target(out, fmt, optional=True)
    check_format(fmt, annotations)
    export = export_or_exit(fmt, polygons, polygon_parts, min_area, ls_image_root, ls_from_name, ls_to_name,
                            ls_polygons)
    results_writable_or_exit(fmt, "--out", annotations,
                             [("--save-cutouts", save_cutouts), ("--save-masks", save_masks),
                              ("--save-overlays", save_overlays), ("--save-saliency", save_saliency)])
    lock_or_exit(annotations)
    refs = images_or_exit(images)
    part = shard_or_exit(shard)
    try:
        pipeline = PipelineOptions(device, precision, batch_size, workers)
        if sod not in WEIGHT_FREE_SOURCES:
            spec_for(sod, "saliency", "--sod", also=WEIGHT_FREE_SOURCES)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    weights = checkpoint_or_exit(model, checkpoint, offline, quiet, use="salient --model")
    sod_weights = None
    if sod not in WEIGHT_FREE_SOURCES:
        sod_weights = checkpoint_or_exit(sod, sod_checkpoint, offline, quiet, kind="saliency", use="--sod")
    elif sod_checkpoint is not None:
        raise fail(f"the {sod} saliency source has no weights; drop --sod-checkpoint")
    chosen = runtime_or_exit(runtime, model, weights, pipeline, quiet)
    options = SalientOptions(threshold, min_blob_area, keep_maps=save_saliency is not None)
    settings = run_settings(pipeline, runtime=chosen, sod=sod, threshold=threshold, min_blob_area=min_blob_area, pad=pad,
                            full_frame=full_frame)
    plan = plan_or_exit(refs, annotations, fmt, part, resume, "salient", model, weights, settings,
                        {"sod_weights": sod_weights})
    pictures = [CutoutWriter(save_cutouts, pad, full_frame)]
    if save_saliency is not None:
        pictures.append(MapWriter(save_saliency, "saliency"))
    info = {"description": "samcli salient", "version": __version__, "model": model, "sod": sod,
            "weights_sha256": weights_digest(plan, weights)}
    outputs, _ = outputs_for(plan, annotations, fmt, {1: "salient object"}, info, batch_size=batch_size,
                             keep_journal=keep_journal, masks_dir=save_masks, overlays_dir=save_overlays,
                             extra=pictures, export=export)
    if annotations is None and not quiet:
        err.print("no --out and stdout is a terminal: writing the cutouts only (give --out FILE for the annotations)")
    spec = RunnerSpec("salient", model, str(weights), options, pipeline,
                      saliency=(sod, str(sod_weights) if sod_weights else None), runtime=chosen)
    execute(plan, outputs, spec, jobs_for(plan.todo), "salient", quiet, ray=ray, ray_actors=ray_actors,
            verbose=verbose, log_every=log_every)
