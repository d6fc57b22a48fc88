"""`samcli merge`: combine the outputs of `--shard I/N` runs."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from samcli.cli.common import fail, outputs_writable_or_exit
from samcli.cli.drive import err
from samcli.cli.exit_codes import EXIT_OK, EXIT_PARTIAL
from samcli.errors import SamcliError
from samcli.words import plural


def merge(
    outputs: Annotated[list[Path], typer.Argument(help="The shards' outputs, all of one format: coco, coco-results, jsonl or labelstudio files, or yolo-seg folders; or the manifests of samcli embed --shard (DIR/embeddings.I-of-N.json, merged into DIR/embeddings.json).", exists=True)],
    out: Annotated[str, typer.Option("--out", "-o", metavar="FILE", help="The merged file (a folder for yolo-seg), or - for stdout.")],
) -> None:
    """Merge shard outputs into the file a single run over all images writes:
    same images, annotations and ids. Shards missing (exit 1), given twice or
    from another job (exit 2) are reported, using the `<output>.shard.json`
    manifest each shard writes beside its output."""
    from samcli.writers.merge import merge as merge_files

    outputs_writable_or_exit([("--out", out)])
    try:
        report = merge_files(outputs, out)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    for warning in report.warnings:
        err.print(f"[yellow]warning[/] {escape(warning)}")
    err.print(f"merged {plural(len(outputs), 'file')}: {plural(report.images, 'image')}, "
              f"{plural(report.annotations, report.item)}")
    if report.missing:
        shards = "shard" if len(report.missing) == 1 else "shards"
        err.print(f"[red]missing[/] {shards} {', '.join(report.missing)}: their images are not in {escape(out)}")
    raise typer.Exit(EXIT_PARTIAL if report.missing else EXIT_OK)
