"""`samcli salient`: automatic cutouts of each image's main object."""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Optional

import cv2
import typer

from samcli import __version__
from samcli.cli import options as opt
from samcli.cli.common import check_format, fail, load_model_or_exit
from samcli.cli.runner import EXIT_MODEL, drive, err
from samcli.engine.records import ImageResult
from samcli.engine.salient import SalientOptions, salient_jobs
from samcli.engine.segment import SegmentOptions, Segmenter
from samcli.errors import CheckpointError, SamcliError
from samcli.io.images import list_images
from samcli.ops import rle
from samcli.salient import DEFAULT_MIN_BLOB_AREA, DEFAULT_SALIENCY_SOURCE, DEFAULT_THRESHOLD, cutout_rgba, load_saliency_source
from samcli.writers.coco import ResultWriter
from samcli.writers.images import save_overlay, stem_path


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
    workers: opt.Workers = 2,
    quiet: opt.Quiet = False,
) -> None:
    """Cut out each image's main object: salient-object map → threshold → the blob
    with the most saliency → 5 clicks (its centre of mass and its 4 quadrants') →
    one SAM mask → RGBA cutout + annotation. Images with no salient object are
    reported and skipped; they do not fail the run."""
    check_format(fmt)
    try:
        refs = list_images(images)
        segmenter_options = SegmentOptions(batch_size=batch_size, precision=precision, workers=workers)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    net = load_model_or_exit(model, checkpoint, offline, quiet)
    try:
        segmenter = Segmenter(net, device, segmenter_options, keep_images=True)
        source = load_saliency_source(sod, sod_checkpoint, device=segmenter.device, offline=offline or None,
                                      progress=not quiet, batch_size=max(batch_size, 1))
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except SamcliError as exc:
        raise fail(str(exc)) from None

    on_map = (lambda ref, m: _write_png(stem_path(out_dir / "saliency", ref.key).with_suffix(".png"), m)) if save_saliency else None
    segmenter.on_image = lambda result, image: _write_cutout(result, image, out_dir, pad, full_frame, save_overlays)
    jobs = salient_jobs(refs, source, SalientOptions(threshold, min_blob_area, max(batch_size, 1), workers), on_map)
    info = {"description": "samcli salient", "version": __version__, "model": model, "sod": sod}
    annotations = out_dir / ("annotations.jsonl" if fmt == "jsonl" else "annotations.json")
    with ExitStack() as stack:
        writer = stack.enter_context(ResultWriter(annotations, fmt, {1: "salient object"}, info))
        summary = drive(segmenter.run(jobs), len(refs), [writer.add, _report_missing(quiet)], quiet, "salient")
    raise typer.Exit(summary.exit_code)


def _write_png(path: Path, array) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if array.ndim == 3:  # RGB(A) → OpenCV's BGR(A)
        array = cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA if array.shape[2] == 4 else cv2.COLOR_RGB2BGR)
    cv2.imwrite(str(path), array)


def _write_cutout(result: ImageResult, image, out_dir: Path, pad: int, full_frame: bool, overlays: bool) -> None:
    if image is None or not result.annotations:
        return
    mask = rle.decode(result.annotations[0].rle)
    _write_png(stem_path(out_dir / "cutouts", result.file).with_suffix(".png"),
               cutout_rgba(image, mask, crop=not full_frame, pad=pad))
    if overlays:
        save_overlay(image, result, out_dir / "overlays")


def _report_missing(quiet: bool):
    def sink(result: ImageResult) -> None:
        info = result.stats.get("salient", {})
        if result.ok and not info.get("found", True) and not quiet:
            err.print(f"[yellow]no salient object[/] {result.file}: {info.get('reason')}")

    return sink
