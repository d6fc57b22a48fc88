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
from samcli.cli.command_style import command, samcli_typer
from samcli.cli.convert_cmd import convert
from samcli.cli.embed_cmd import embed
from samcli.cli.eval_cmd import evaluate
from samcli.cli.everything_cmd import everything
from samcli.cli.merge_cmd import merge
from samcli.cli.salient_cmd import salient
from samcli.cli.segment_cmd import segment
from samcli.writers.stdout import GuardedStdout, StdoutFailed

app = samcli_typer(
    name="samcli",
    help="Batch Segment-Anything for labeling jobs: images + prompts in, COCO RLE out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# short_help: one line each in `samcli --help`; `samcli CMD --help` shows the whole docstring
command(app, no_args_is_help=True, short_help="One mask per prompt (boxes, points; samcli JSON, COCO, YOLO, GroundingDINO files).")(segment)
command(app, no_args_is_help=True, short_help="Segment everything: SAM's point grid, or TinySAM's --hierarchical mode.")(everything)
command(app, no_args_is_help=True, short_help="Cut out each image's main object (saliency clicks → mask → RGBA).")(salient)
command(app, "eval", no_args_is_help=True, short_help="Box / point-click / COCO-AP protocols on COCO ground truth, per model.")(evaluate)
command(app, no_args_is_help=True, short_help="Keep each image's embedding (.npy + manifest): reuse it with --embeddings, or in an annotator.")(embed)
command(app, short_help="Images/s, prompts/s, time per stage and memory of the segment engine.")(bench)
command(app, no_args_is_help=True, short_help="Merge the outputs of a job run in shards (--shard I/N).")(merge)
command(app, no_args_is_help=True, short_help="Re-export a coco output as yolo-seg, labelstudio, COCO polygons, … (no model).")(convert)
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


def _run_app() -> None:
    try:
        app()
    finally:
        sys.stdout.flush()  # now, where a failure is handled below, not at interpreter exit


def _stdout_failed(exc: StdoutFailed) -> int:
    """Quiet when the reader stopped reading (it has what it wanted); else say why."""
    from samcli.cli.exit_codes import EXIT_BROKEN_PIPE, EXIT_IO_FAULT

    if exc.reader_gone:
        return EXIT_BROKEN_PIPE
    from rich.markup import escape

    from samcli.cli.drive import err

    err.print(f"[red]error:[/] cannot write to stdout ({escape(str(exc))}), so samcli stopped; "
              "write the results to a file instead: --out FILE")
    return EXIT_IO_FAULT


def main() -> None:
    """Entry point: anything unexpected becomes one line and exit code 4, with the
    traceback only on request (SAMCLI_DEBUG=1), never a wall of text in a pipeline."""
    signal.signal(signal.SIGTERM, _terminate)
    sys.stdout = GuardedStdout(sys.stdout)  # a closed or full stdout ends the run as Unix tools end
    try:
        _run_app()
    except StdoutFailed as exc:
        sys.exit(_stdout_failed(exc))
    except Exception as exc:  # typer.Exit / SystemExit are not Exceptions
        if os.environ.get("SAMCLI_DEBUG"):
            raise
        from rich.markup import escape

        from samcli.cli.drive import err
        from samcli.cli.exit_codes import EXIT_INTERNAL

        err.print(f"[red]internal error:[/] {exc.__class__.__name__}: {escape(str(exc))}  (rerun with SAMCLI_DEBUG=1 "
                  "for the traceback, and please report it)")
        sys.exit(EXIT_INTERNAL)
