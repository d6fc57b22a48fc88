"""`samcli everything`: segment everything in every image (auto-labeling)."""
from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from samcli import __version__
from samcli.cli import options as opt
from samcli.cli.embeddings import embedding_folders_or_exit
from samcli.cli.common import (check_format, checkpoint_or_exit, execute, export_or_exit, fail, images_or_exit, jobs_for,
                               lock_or_exit, outputs_for, plan_or_exit, results_target, results_writable_or_exit,
                               run_settings, runtime_or_exit, shard_or_exit, weights_digest)
from samcli.errors import SamcliError


def Int(name: str, help: str):  # noqa: N802  (reads like a type in the signature below)
    return Annotated[int, typer.Option(name, help=help)]


def Float(name: str, help: str):  # noqa: N802
    return Annotated[float, typer.Option(name, help=help)]


def fraction(text: str | float) -> float:
    """0.34, or a/b as SAM writes its crop overlap (512/1500): its default, typed as is."""
    if isinstance(text, float):
        return text
    top, slash, bottom = str(text).partition("/")
    try:
        return float(top) / float(bottom) if slash else float(top)
    except (ValueError, ZeroDivisionError):
        raise typer.BadParameter(f"{text!r} is neither a number nor a fraction such as 512/1500") from None


def everything(
    images: opt.Images,
    hierarchical: Annotated[bool, typer.Option("--hierarchical", help="TinySAM's mode: a sparse grid (points-per-side/4) first, dense points only where no confident mask covers the image. Fewer decoder calls; ignores the crop options.")] = False,
    model: opt.Model = opt.DEFAULT_MODEL,
    checkpoint: opt.Checkpoint = None,
    offline: opt.Offline = False,
    points_per_side: Int("--points-per-side", "Grid points along each side (the grid has this squared).") = 32,
    points_per_batch: Int("--points-per-batch", "Points decoded per decoder call.") = 64,
    pred_iou_thresh: Float("--pred-iou-thresh", "Keep masks whose predicted IoU is above this (0 disables).") = 0.88,
    stability_score_thresh: Float("--stability-score-thresh", "Keep masks this stable under ±offset logit thresholds (0 disables).") = 0.95,
    stability_score_offset: Float("--stability-score-offset", "Logit offset of the stability score.") = 1.0,
    box_nms_thresh: Float("--box-nms-thresh", "Box IoU above which the lower-scoring mask is dropped.") = 0.7,
    crop_n_layers: Int("--crop-n-layers", "Also run on 4^k crops for k = 1..N (small objects; slower).") = 0,
    crop_nms_thresh: Float("--crop-nms-thresh", "Box NMS threshold between crops.") = 0.7,
    crop_overlap_ratio: Annotated[float, typer.Option("--crop-overlap-ratio", parser=fraction, help="Overlap between neighbouring crops, a number or a fraction.")] = "512/1500",
    crop_n_points_downscale_factor: Int("--crop-n-points-downscale-factor", "Points per side shrink by this per crop layer.") = 1,
    min_mask_region_area: Int("--min-mask-region-area", "Remove holes and islands smaller than this (pixels); 0 disables.") = 0,
    high_score_thresh: Float("--high-score-thresh", "Hierarchical: a round-1 pixel is covered where a kept mask's logit exceeds this.") = 8.5,
    stats: opt.Stats = False,
    out: opt.Out = None,
    fmt: opt.Format = "coco",
    polygons: opt.Polygons = False,
    polygon_parts: opt.PolygonParts = opt.EXPORT.polygon_parts,
    min_area: opt.MinArea = opt.EXPORT.min_area,
    ls_image_root: opt.LsImageRoot = opt.EXPORT.ls_image_root,
    ls_from_name: opt.LsFromName = opt.EXPORT.ls_from_name,
    ls_to_name: opt.LsToName = opt.EXPORT.ls_to_name,
    ls_polygons: opt.LsPolygons = False,
    batch_size: opt.BatchSize = 1,
    device: opt.Device = "auto",
    precision: opt.Precision = "auto",
    runtime: opt.Runtime = "auto",
    workers: opt.Workers = None,
    save_masks: opt.SaveMasks = None,
    save_overlays: opt.SaveOverlays = None,
    embeddings: opt.Embeddings = None,
    save_embeddings: opt.SaveEmbeddings = None,
    resume: opt.Resume = False,
    keep_journal: opt.KeepJournal = False,
    shard: opt.Shard = None,
    ray: opt.Ray = None,
    ray_actors: opt.RayActors = None,
    verbose: opt.Verbose = False,
    quiet: opt.Quiet = False,
    log_every: opt.LogEvery = 10.0,
) -> None:
    """Segment everything: SAM's automatic mask generator (grid of point prompts,
    filtered by predicted IoU and stability, box NMS), or with --hierarchical
    TinySAM's two-round version. Works with every model. Options keep the names
    and defaults of SAM's generator so existing settings carry over."""
    from samcli.engine.everything import EverythingParams
    from samcli.engine.jobs import PipelineOptions
    from samcli.engine.runners import RunnerSpec

    out = results_target(out, fmt)
    check_format(fmt, out)
    export = export_or_exit(fmt, polygons, polygon_parts, min_area, ls_image_root, ls_from_name, ls_to_name,
                            ls_polygons)
    results_writable_or_exit(fmt, "--out", out, [("--save-masks", save_masks), ("--save-overlays", save_overlays),
                                                 ("--save-embeddings", save_embeddings)])
    lock_or_exit(out)
    stored = embedding_folders_or_exit(embeddings, save_embeddings)
    refs = images_or_exit(images)
    part = shard_or_exit(shard)
    try:
        params = EverythingParams(
            points_per_side=points_per_side, points_per_batch=points_per_batch, pred_iou_thresh=pred_iou_thresh,
            stability_score_thresh=stability_score_thresh, stability_score_offset=stability_score_offset,
            box_nms_thresh=box_nms_thresh, crop_n_layers=crop_n_layers, crop_nms_thresh=crop_nms_thresh,
            crop_overlap_ratio=crop_overlap_ratio, crop_n_points_downscale_factor=crop_n_points_downscale_factor,
            min_mask_region_area=min_mask_region_area, high_score_thresh=high_score_thresh, hierarchical=hierarchical)
        pipeline = stored.pipeline(PipelineOptions(device, precision, batch_size, workers))
    except SamcliError as exc:
        raise fail(str(exc)) from None
    weights = checkpoint_or_exit(model, checkpoint, offline, quiet, use="everything")
    chosen = runtime_or_exit(runtime, model, weights, pipeline, quiet)
    settings = run_settings(pipeline, runtime=chosen, **dataclasses.asdict(params), with_stats=stats,
                            **stored.settings())
    plan = plan_or_exit(refs, out, fmt, part, resume, "everything", model, weights, settings)
    info = {"description": "samcli everything", "version": __version__, "model": model,
            "mode": "hierarchical" if hierarchical else "grid", "weights_sha256": weights_digest(plan, weights)}
    saver = stored.writers_or_exit(model, weights, info["weights_sha256"], settings, chosen)
    outputs, totals = outputs_for(plan, out, fmt, {1: "object"}, info, batch_size=batch_size,
                                  keep_journal=keep_journal, with_stats=stats, masks_dir=save_masks,
                                  overlays_dir=save_overlays, extra=saver, export=export)
    spec = RunnerSpec("everything", model, str(weights), params, pipeline, runtime=chosen)
    execute(plan, outputs, spec, jobs_for(plan.todo), "everything", quiet, ray=ray, ray_actors=ray_actors,
            verbose=verbose, warnings=params.ignored(), totals=totals, log_every=log_every)
