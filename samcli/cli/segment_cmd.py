"""`samcli segment`: prompts in, one mask per prompt out."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

from samcli import __version__
from samcli.cli import options as opt
from samcli.cli.embeddings import embedding_folders_or_exit
from samcli.cli.common import (check_format, checkpoint_or_exit, execute, export_or_exit, fail, images_or_exit, jobs_for,
                               lock_or_exit, outputs_for, plan_or_exit, results_target, results_writable_or_exit,
                               run_settings, runtime_or_exit, shard_or_exit, weights_digest)
from samcli.errors import SamcliError
from samcli.io.image_ids import ImageIds
from samcli.io.prompts import PromptFile, load_prompts, match_image
from samcli.io.prompts.coco import ID_PREFIX
from samcli.io.prompts.load import FORMATS as PROMPT_FORMATS
from samcli.io.prompts.match import image_ids_for, unknown_key_message
from samcli.words import plural


def output_categories(prompt_file: PromptFile) -> dict[int, str]:
    """The prompt file's categories, and the default one when a prompt has none:
    known before the run, so every shard numbers yolo-seg classes alike."""
    from samcli.engine.prompted import DEFAULT_CATEGORY_ID

    categories = dict(prompt_file.categories)
    if DEFAULT_CATEGORY_ID not in categories and any(
            p.category_id is None for prompts in prompt_file.images.values() for p in prompts):
        categories[DEFAULT_CATEGORY_ID] = "object"
    return categories


def id_notes(prompt_file: PromptFile, image_ids: ImageIds, keys: list[str], fmt: str) -> list[str]:
    """What a user scoring the output against a COCO dataset must know about its image ids."""
    others = image_ids.unlisted(keys)
    if others:
        are = "is" if len(others) == 1 else "are"
        return [f"{plural(len(others), 'image')} {are} not in {image_ids.source} (first: {others[0]!r}): numbered "
                f"from {image_ids.above + 1} on, above the dataset's image ids"]
    by_stem = prompt_file.format == "coco" and any(key.startswith(ID_PREFIX) for key in prompt_file.images)
    if by_stem and fmt in ("coco", "coco-results"):
        return [f"{prompt_file.path}: image ids in the output are samcli's (1, 2, … by path), not the detections' "
                "image_id: give --coco-images GT.json to keep the dataset's ids, so that the results score against it"]
    return []


def segment(
    images: opt.Images,
    prompts: Annotated[Path, typer.Option("--prompts", "-p", help="Prompt file or YOLO label folder.", exists=True)],
    prompt_format: Annotated[Literal[PROMPT_FORMATS], typer.Option("--prompt-format", help="What --prompts is; auto: told by its content (a folder: yolo).")] = "auto",
    model: opt.Model = opt.DEFAULT_MODEL,
    checkpoint: opt.Checkpoint = None,
    offline: opt.Offline = False,
    out: opt.Out = None,
    fmt: opt.Format = "coco",
    polygons: opt.Polygons = False,
    polygon_parts: opt.PolygonParts = opt.EXPORT.polygon_parts,
    min_area: opt.MinArea = opt.EXPORT.min_area,
    ls_image_root: opt.LsImageRoot = opt.EXPORT.ls_image_root,
    ls_from_name: opt.LsFromName = opt.EXPORT.ls_from_name,
    ls_to_name: opt.LsToName = opt.EXPORT.ls_to_name,
    ls_polygons: opt.LsPolygons = False,
    multimask: Annotated[Literal[opt.MULTIMASK_MODES], typer.Option("--multimask", help="auto: the model reference's default choice | always: best of the 3 candidates by predicted IoU | never: the single-mask output")] = "auto",
    score: Annotated[Literal[opt.SCORE_MODES], typer.Option("--score", help="Each annotation's score (what COCO AP ranks by): detection: a detection prompt's own score, other prompts' predicted IoU | mask: the predicted IoU | product: detection score × predicted IoU. predicted_iou is always a field of its own.")] = "detection",
    batch_size: opt.BatchSize = 1,
    prompt_batch: Annotated[Optional[int], typer.Option("--prompt-batch", min=1, help="Prompts per decoder call (default: 64 on CUDA; on CPU 2 with PyTorch, where larger batches run slower per prompt, 8 with ONNX Runtime).")] = None,
    min_score: Annotated[Optional[float], typer.Option("--min-score", help="Drop detections (COCO results, YOLO conf, GroundingDINO) scoring below this.")] = None,
    class_names: Annotated[Optional[Path], typer.Option("--class-names", help="YOLO data.yaml or names file (one name per line).", exists=True)] = None,
    coco_images: Annotated[Optional[Path], typer.Option("--coco-images", help="COCO dataset JSON mapping image_id → file_name, for COCO results prompts.", exists=True)] = None,
    device: opt.Device = "auto",
    precision: opt.Precision = "auto",
    runtime: opt.Runtime = "auto",
    workers: opt.Workers = None,
    save_masks: opt.SaveMasks = None,
    save_overlays: opt.SaveOverlays = None,
    embeddings: opt.Embeddings = None,
    save_embeddings: opt.SaveEmbeddings = None,
    stats: opt.Stats = False,
    resume: opt.Resume = False,
    keep_journal: opt.KeepJournal = False,
    shard: opt.Shard = None,
    ray: opt.Ray = None,
    ray_actors: opt.RayActors = None,
    verbose: opt.Verbose = False,
    quiet: opt.Quiet = False,
    log_every: opt.LogEvery = 10.0,
) -> None:
    """Segment every prompt of every image: one mask per box / point set.

    Prompt coordinates are pixels of the image as displayed (EXIF rotation
    applied), x right, y down. Exit code 0 only if every image and prompt
    succeeded; see the README for the others.
    """
    from samcli.engine.jobs import PipelineOptions
    from samcli.engine.runners import RunnerSpec
    from samcli.engine.prompted import SegmentOptions

    out = results_target(out, fmt)
    check_format(fmt, out)
    export = export_or_exit(fmt, polygons, polygon_parts, min_area, ls_image_root, ls_from_name, ls_to_name,
                            ls_polygons)
    results_writable_or_exit(fmt, "--out", out, [("--save-masks", save_masks), ("--save-overlays", save_overlays),
                                                 ("--save-embeddings", save_embeddings)])
    lock_or_exit(out)
    stored = embedding_folders_or_exit(embeddings, save_embeddings)
    refs = images_or_exit(images)
    keys = [r.key for r in refs]
    part = shard_or_exit(shard)
    try:
        prompt_file = load_prompts(prompts, prompt_format, min_score=min_score,
                                   class_names=class_names, coco_images=coco_images)
        options = SegmentOptions(prompt_batch=prompt_batch, multimask=multimask, score=score)
        pipeline = stored.pipeline(PipelineOptions(device, precision, batch_size, workers))
        by_image, unknown = match_image(prompt_file, keys)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    upfront = list(prompt_file.errors) + [unknown_key_message(prompt_file, k) for k in unknown]
    image_ids = image_ids_for(prompt_file, keys)

    weights = checkpoint_or_exit(model, checkpoint, offline, quiet, use="segment")
    chosen = runtime_or_exit(runtime, model, weights, pipeline, quiet)
    settings = run_settings(pipeline, runtime=chosen, multimask=multimask, prompt_batch=prompt_batch,
                            prompt_format=prompt_format, min_score=min_score, score=score, with_stats=stats,
                            **stored.settings())
    plan = plan_or_exit(refs, out, fmt, part, resume, "segment", model, weights, settings,
                        {"prompts": prompts, "class_names": class_names, "coco_images": coco_images}, image_ids)
    info = {"description": "samcli segment", "version": __version__, "model": model, "prompts": str(prompts),
            "weights_sha256": weights_digest(plan, weights)}
    saver = stored.writers_or_exit(model, weights, info["weights_sha256"], settings, chosen)
    if prompt_file.format == "yolo":  # category k + 1 is YOLO class k: yolo-seg gives the user's classes back
        info["yolo_class_offset"] = 1
    outputs, totals = outputs_for(plan, out, fmt, output_categories(prompt_file), info, batch_size=batch_size,
                                  keep_journal=keep_journal, with_stats=stats, masks_dir=save_masks,
                                  overlays_dir=save_overlays, extra=saver, export=export)
    spec = RunnerSpec("segment", model, str(weights), options, pipeline, runtime=chosen)
    execute(plan, outputs, spec, jobs_for(plan.todo, by_image), "segment", quiet, ray=ray, ray_actors=ray_actors,
            verbose=verbose, upfront_errors=upfront,
            warnings=prompt_file.warnings + id_notes(prompt_file, image_ids, keys, fmt), totals=totals,
            log_every=log_every)
