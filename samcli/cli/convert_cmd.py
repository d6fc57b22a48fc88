"""`samcli convert`: re-export a `coco` output into another format, no model needed."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from samcli.cli import options as opt
from samcli.cli.common import check_format, export_or_exit, fail
from samcli.cli.drive import err
from samcli.cli.exit_codes import EXIT_OK
from samcli.errors import SamcliError
from samcli.words import plural


def convert(
    source: Annotated[Path, typer.Argument(help="A `coco` output of samcli segment/everything/salient (or of samcli merge), written without --polygons.", exists=True, dir_okay=False)],
    to: Annotated[opt.FormatName, typer.Option("--to", "-t", help=opt.FORMATS_HELP)],
    out: Annotated[str, typer.Option("--out", "-o", metavar="FILE", help="Output file (a folder for yolo-seg), or - for stdout.")],
    polygons: opt.Polygons = False,
    polygon_parts: opt.PolygonParts = opt.EXPORT.polygon_parts,
    min_area: opt.MinArea = opt.EXPORT.min_area,
    ls_image_root: opt.LsImageRoot = opt.EXPORT.ls_image_root,
    ls_from_name: opt.LsFromName = opt.EXPORT.ls_from_name,
    ls_to_name: opt.LsToName = opt.EXPORT.ls_to_name,
    ls_polygons: opt.LsPolygons = False,
    quiet: opt.Quiet = False,
) -> None:
    """Write a `coco` output in another format (yolo-seg, labelstudio, COCO polygons, ...),
    byte for byte what the run would have written with that format and these options."""
    from samcli.writers.convert import convert as convert_file

    check_format(to, out)
    export = export_or_exit(to, polygons, polygon_parts, min_area, ls_image_root, ls_from_name, ls_to_name,
                            ls_polygons)
    try:
        images, annotations = convert_file(source, to, out, export)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    if not quiet:
        err.print(f"converted {plural(images, 'image')}, {plural(annotations, 'annotation')} → {escape(out)} ({to})")
    raise typer.Exit(EXIT_OK)
