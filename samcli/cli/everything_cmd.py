"""`samcli everything`: segment everything in every image (auto-labeling)."""
from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from samcli import __version__
from samcli.cli import options as opt
from samcli.cli.common import (check_format, checkpoint_or_exit, execute, fail, images_or_exit, jobs_for, outputs_for,
                               plan_or_exit, run_settings, runtime_or_exit, shard_or_exit)
from samcli.errors import SamcliError


def Int(name: str, help: str):  # noqa: N802  (reads like a type in the signature below)
    return Annotated[int, typer.Option(name, help=help)]


def Float(name: str, help: str):  # noqa: N802
    return Annotated[float, typer.Option(name, help=help)]


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
    crop_overlap_ratio: Float("--crop-overlap-ratio", "Overlap between neighbouring crops.") = 512 / 1500,
    crop_n_points_downscale_factor: Int("--crop-n-points-downscale-factor", "Points per side shrink by this per crop layer.") = 1,
    min_mask_region_area: Int("--min-mask-region-area", "Remove holes and islands smaller than this (pixels); 0 disables.") = 0,
    high_score_thresh: Float("--high-score-thresh", "Hierarchical: a round-1 pixel is covered where a kept mask's logit exceeds this.") = 8.5,
    stats: opt.Stats = False,
    out: opt.Out = "-",
    fmt: opt.Format = "coco",
    batch_size: opt.BatchSize = 1,
    device: opt.Device = "auto",
    precision: opt.Precision = "auto",
    runtime: opt.Runtime = "auto",
    workers: opt.Workers = None,
    save_masks: opt.SaveMasks = None,
    save_overlays: opt.SaveOverlays = None,
    resume: opt.Resume = False,
    keep_journal: opt.KeepJournal = False,
    shard: opt.Shard = None,
    ray: opt.Ray = None,
    ray_actors: opt.RayActors = None,
    quiet: opt.Quiet = False,
) -> None:
    """Segment everything: SAM's automatic mask generator (grid of point prompts,
    filtered by predicted IoU and stability, box NMS), or with --hierarchical
    TinySAM's two-round version. Works with every model. Options keep the names
    and defaults of SAM's generator so existing settings carry over."""
    from samcli.engine.everything import EverythingParams
    from samcli.engine.pipeline import PipelineOptions
    from samcli.engine.runners import RunnerSpec

    check_format(fmt)
    refs = images_or_exit(images)
    part = shard_or_exit(shard)
    try:
        params = EverythingParams(
            points_per_side=points_per_side, points_per_batch=points_per_batch, pred_iou_thresh=pred_iou_thresh,
            stability_score_thresh=stability_score_thresh, stability_score_offset=stability_score_offset,
            box_nms_thresh=box_nms_thresh, crop_n_layers=crop_n_layers, crop_nms_thresh=crop_nms_thresh,
            crop_overlap_ratio=crop_overlap_ratio, crop_n_points_downscale_factor=crop_n_points_downscale_factor,
            min_mask_region_area=min_mask_region_area, high_score_thresh=high_score_thresh, hierarchical=hierarchical)
        pipeline = PipelineOptions(device, precision, batch_size, workers)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    weights = checkpoint_or_exit(model, checkpoint, offline, quiet)
    chosen = runtime_or_exit(runtime, model, weights, pipeline, quiet)
    settings = run_settings(pipeline, runtime=chosen, **dataclasses.asdict(params), with_stats=stats)
    plan = plan_or_exit(refs, out, fmt, part, resume, "everything", model, weights, settings)
    info = {"description": "samcli everything", "version": __version__, "model": model,
            "mode": "hierarchical" if hierarchical else "grid"}
    outputs, totals = outputs_for(plan, out, fmt, {1: "object"}, info, batch_size=batch_size,
                                  keep_journal=keep_journal, with_stats=stats, masks_dir=save_masks,
                                  overlays_dir=save_overlays)
    spec = RunnerSpec("everything", model, str(weights), params, pipeline, runtime=chosen)
    execute(plan, outputs, spec, jobs_for(plan.todo), "everything", quiet, ray=ray, ray_actors=ray_actors,
            totals=totals)
