"""Glue shared by the commands: loading the model with clean errors, wiring
writers, and turning exceptions into exit codes."""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Callable

import typer

from samcli.cli.runner import EXIT_MODEL, EXIT_USAGE, err
from samcli.engine.records import ImageResult
from samcli.errors import CheckpointError, SamcliError
from samcli.writers.coco import FORMATS, ResultWriter
from samcli.writers.images import save_masks, save_overlay


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err.print(f"[red]error:[/] {message}")
    return typer.Exit(code)


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


def open_sinks(stack: ExitStack, out: str, fmt: str, categories: dict[int, str], info: dict,
               save_masks_dir: Path | None, with_stats: bool = False) -> list[Callable[[ImageResult], None]]:
    """The writer for `out` plus optional PNG mask savers; overlays are fed by the
    engine's `on_image` hook since they need the decoded image."""
    writer = stack.enter_context(ResultWriter(out, fmt, categories, info, with_stats))
    sinks: list[Callable[[ImageResult], None]] = [writer.add]
    if save_masks_dir is not None:
        sinks.append(lambda r: save_masks(r, save_masks_dir))
    return sinks


def overlay_hook(overlays_dir: Path | None):
    if overlays_dir is None:
        return None

    def hook(result: ImageResult, image) -> None:
        if image is not None and result.ok:
            save_overlay(image, result, overlays_dir)

    return hook
