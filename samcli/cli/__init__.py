"""The `samcli` command: a thin Typer layer over the Python API."""
from __future__ import annotations

import os
import signal
import sys
from typing import Annotated

import typer

from samcli import __version__
from samcli.cli.command_style import samcli_typer
from samcli.cli.lazy import Lazy, lazy_group
from samcli.writers.stdout import GuardedStdout, StdoutFailed

# short_help: one line each in `samcli --help`; `samcli CMD --help` shows the whole docstring.
# Each module is imported only when its command runs (or --help lists them all).
COMMANDS = {
    "segment": Lazy("samcli.cli.segment_cmd", "segment", "One mask per prompt (boxes, points; samcli JSON, COCO, YOLO, GroundingDINO files).", settings={"no_args_is_help": True}),
    "everything": Lazy("samcli.cli.everything_cmd", "everything", "Segment everything: SAM's point grid, or TinySAM's --hierarchical mode.", settings={"no_args_is_help": True}),
    "salient": Lazy("samcli.cli.salient_cmd", "salient", "Cut out each image's main object (saliency clicks → mask → RGBA).", settings={"no_args_is_help": True}),
    "eval": Lazy("samcli.cli.eval_cmd", "evaluate", "Box / point-click / COCO-AP protocols on COCO ground truth, per model.", settings={"no_args_is_help": True}),
    "embed": Lazy("samcli.cli.embed_cmd", "embed", "Keep each image's embedding (.npy + manifest): reuse it with --embeddings, or in an annotator.", settings={"no_args_is_help": True}),
    "bench": Lazy("samcli.cli.bench_cmd", "bench", "Images/s, prompts/s, time per stage and memory of the segment engine."),
    "merge": Lazy("samcli.cli.merge_cmd", "merge", "Merge the outputs of a job run in shards (--shard I/N).", settings={"no_args_is_help": True}),
    "convert": Lazy("samcli.cli.convert_cmd", "convert", "Re-export a coco output as yolo-seg, labelstudio, COCO polygons, … (no model).", settings={"no_args_is_help": True}),
    "models": Lazy("samcli.cli.models_cmd", "app", "List the model zoo and manage the weights cache.", group=True),
    "export": Lazy("samcli.cli.export_cmd", "app", "Export a model to ONNX for interactive annotators and other runtimes.", group=True),
}

app = samcli_typer(
    cls=lazy_group(COMMANDS),
    name="samcli",
    help="Batch Segment-Anything for labeling jobs: images + prompts in, COCO RLE out.",
    no_args_is_help=True,
)


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
