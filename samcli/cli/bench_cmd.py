"""`samcli bench`: end-to-end throughput of the segment engine (see samcli.bench)."""
from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from rich.console import Console

from samcli.cli import options as opt
from samcli.cli.common import fail
from samcli.cli.exit_codes import EXIT_MODEL
from samcli.errors import CheckpointError, SamcliError


def _size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    if not (sep and w.isdigit() and h.isdigit()):
        raise typer.BadParameter("expected WIDTHxHEIGHT, e.g. 640x480")
    return int(w), int(h)


def bench(
    images: Annotated[Optional[str], typer.Argument(
        help="Images to time (as for every command); default: generated photo-like JPEGs.", show_default=False)] = None,
    model: opt.Model = opt.DEFAULT_MODEL,
    checkpoint: opt.Checkpoint = None,
    device: opt.Device = "auto",
    precision: opt.Precision = "auto",
    runtime: opt.Runtime = "auto",
    batch_size: opt.BatchSize = 1,
    prompt_batch: Annotated[Optional[int], typer.Option("--prompt-batch", min=1, help="Prompts per decoder call (default: 64 on CUDA; on CPU 2 with PyTorch, 8 with ONNX Runtime).")] = None,
    prompts_per_image: Annotated[int, typer.Option("--prompts-per-image", "-k", min=1, help="Seeded box prompts per image.")] = 8,
    count: Annotated[int, typer.Option("--images", "-n", min=1, help="Images timed (rounded up to whole batches), after the warm-up.")] = 16,
    image_size: Annotated[str, typer.Option("--image-size", metavar="WxH", help="WIDTHxHEIGHT of generated images.")] = "640x480",
    warmup: Annotated[int, typer.Option("--warmup", min=0, help="Images run first and not timed (rounded up to whole batches).")] = 1,
    workers: opt.Workers = None,
    compile_encoder: Annotated[bool, typer.Option("--compile", help="torch.compile the encoder (compiles during the warm-up).")] = False,
    channels_last: Annotated[bool, typer.Option("--channels-last", help="Channels-last memory format for the image encoder and its input.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated images and prompts.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout instead of the table.")] = False,
) -> None:
    """Time the segment engine end to end: images/s, prompts/s, milliseconds per
    stage, peak memory; on ONNX Runtime also PyTorch on the same images (vs_torch). Never downloads: uses --checkpoint, else cached weights,
    else deterministic stand-in weights (speed does not depend on their values)."""
    from samcli.bench import BenchOptions, bench_model, run_bench
    from samcli.bench.run import resolved_runtime

    try:
        options = BenchOptions(model, str(checkpoint) if checkpoint else None, images, device, precision, batch_size,
                               prompt_batch, prompts_per_image, count, _size(image_size), warmup, workers,
                               compile_encoder, channels_last, seed, runtime)
        net, weights = bench_model(model, checkpoint, resolved_runtime(options), precision)
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except SamcliError as exc:
        raise fail(str(exc)) from None
    try:
        report = run_bench(options, net, weights)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(report))
    else:
        from samcli.bench.report import report_table

        Console().print(report_table(report))
