"""The `samcli` command: a thin Typer layer over the Python API."""
from __future__ import annotations

import os
import signal
import sys
from typing import Annotated

import typer

from samcli import __version__
from samcli.cli import export_cmd, models_cmd
from samcli.cli.bench_cmd import bench
from samcli.cli.eval_cmd import evaluate
from samcli.cli.everything_cmd import everything
from samcli.cli.merge_cmd import merge
from samcli.cli.salient_cmd import salient
from samcli.cli.segment_cmd import segment

app = typer.Typer(
    name="samcli",
    help="Batch Segment-Anything for labeling jobs: images + prompts in, COCO RLE out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# short_help: one line each in `samcli --help`; `samcli CMD --help` shows the whole docstring
app.command(no_args_is_help=True, short_help="One mask per prompt (boxes, points; samcli JSON, COCO, YOLO, GroundingDINO files).")(segment)
app.command(no_args_is_help=True, short_help="Segment everything: SAM's point grid, or TinySAM's --hierarchical mode.")(everything)
app.command(no_args_is_help=True, short_help="Cut out each image's main object (saliency clicks → mask → RGBA).")(salient)
app.command("eval", no_args_is_help=True, short_help="Box / point-click / COCO-AP protocols on COCO ground truth, per model.")(evaluate)
app.command(short_help="Images/s, prompts/s, time per stage and memory of the segment engine.")(bench)
app.command(no_args_is_help=True, short_help="Merge the outputs of a job run in shards (--shard I/N).")(merge)
app.add_typer(models_cmd.app, name="models")
app.add_typer(export_cmd.app, name="export", short_help="Export a model to ONNX for interactive annotators and other runtimes.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"samcli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """Images go in, a chosen efficient Segment-Anything model runs, COCO-RLE annotations come out."""


def _terminate(signum, frame) -> None:
    # a pre-empted node gets SIGTERM first: stop like Ctrl-C, so finished work is written
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: anything unexpected becomes one line and exit code 4, with the
    traceback only on request (SAMCLI_DEBUG=1), never a wall of text in a pipeline."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except Exception as exc:  # typer.Exit / SystemExit are not Exceptions
        if os.environ.get("SAMCLI_DEBUG"):
            raise
        from rich.markup import escape

        from samcli.cli.drive import err
        from samcli.cli.exit_codes import EXIT_INTERNAL

        err.print(f"[red]internal error:[/] {exc.__class__.__name__}: {escape(str(exc))}  (rerun with SAMCLI_DEBUG=1 "
                  "for the traceback, and please report it)")
        sys.exit(EXIT_INTERNAL)
