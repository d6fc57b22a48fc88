"""Glue shared by the commands: reading IMAGES, loading the model with clean
errors, assembling the outputs, and turning exceptions into exit codes."""
from __future__ import annotations

from pathlib import Path

import typer

from samcli.cli.drive import err
from samcli.cli.exit_codes import EXIT_MODEL, EXIT_USAGE
from samcli.errors import CheckpointError, SamcliError
from samcli.io.images import ImageRef, list_images
from samcli.writers.coco import FORMATS, ResultWriter
from samcli.writers.images import MaskPngWriter, OverlayWriter
from samcli.writers.outputs import Outputs, Writer
from samcli.writers.stats import StatsTotals


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err.print(f"[red]error:[/] {message}")
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


def load_model_or_exit(model_id: str, checkpoint: Path | None, offline: bool, quiet: bool):
    from samcli.models import load_model

    try:
        return load_model(model_id, checkpoint=checkpoint, offline=offline or None, progress=not quiet)
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except SamcliError as exc:  # unknown model id
        raise fail(str(exc)) from None


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def outputs_for(out: str | Path, fmt: str, categories: dict[int, str], info: dict, *, with_stats: bool = False,
                masks_dir: Path | None = None, overlays_dir: Path | None = None,
                extra: list[Writer] = ()) -> tuple[Outputs, StatsTotals | None]:
    """The results file plus the optional picture writers; with --stats also the
    run's totals, returned so the command can print them."""
    writers: list[Writer] = [ResultWriter(out, fmt, categories, info, with_stats)]
    if masks_dir is not None:
        writers.append(MaskPngWriter(masks_dir))
    if overlays_dir is not None:
        writers.append(OverlayWriter(overlays_dir))
    writers += list(extra)
    totals = StatsTotals() if with_stats else None
    if totals is not None:
        writers.append(totals)
    return Outputs(writers), totals


def print_totals(totals: StatsTotals | None) -> None:
    for line in totals.lines() if totals is not None else []:
        err.print(line)
