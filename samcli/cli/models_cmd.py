"""`samcli models list|path|download`."""
from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from samcli.cli.command_style import command, samcli_typer
from samcli.cli.common import fail
from samcli.cli.exit_codes import EXIT_MODEL
from samcli.errors import SamcliError

app = samcli_typer(help="List the model zoo and manage the weights cache.", no_args_is_help=True)


@command(app, "list")
def list_models(
    complexity: Annotated[bool, typer.Option("--complexity/--no-complexity", help="Show parameters and encoder MACs (a table of the built-in models; computed from the architecture for others, about a second each).")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per model on stdout, for scripts.")] = False,
) -> None:
    """Every model: input size, parameters, encoder MACs at that size, licence, the
    file its weights are cached as (and whether it is there), and the parity fixture
    that proves it."""
    from samcli.models import all_specs
    from samcli.models.checkpoint import cache_path, home_dir
    from samcli.models.complexity_table import COMPLEXITY

    rows = []
    for spec in all_specs():
        row = {"id": spec.id, "kind": spec.kind, "family": spec.family, "summary": spec.summary,
               "input_size": spec.input_size, "licence": spec.licence, "cached": cache_path(spec).is_file(),
               "parity": spec.parity, "notes": spec.notes, "url": spec.url, "cache_path": str(cache_path(spec))}
        if complexity:
            row["params_m"], row["encoder_gmacs"] = COMPLEXITY.get(spec.id) or _computed(spec)
        rows.append(row)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table(title="samcli models (GMACs: one image-encoder pass at the input size)")
    for col in ("id", "summary", "input", "params (M)", "GMACs", "licence", "weights file", "cached", "parity"):
        table.add_column(col, justify="right" if col in ("input", "params (M)", "GMACs") else "left")
    for r in rows:
        table.add_row(r["id"], r["summary"], str(r["input_size"]), str(r.get("params_m", "-")),
                      str(r.get("encoder_gmacs", "-")), r["licence"], r["cache_path"].rsplit("/", 1)[-1],
                      "yes" if r["cached"] else "no", r["parity"] or "-")
    console = Console()
    if not console.is_terminal:  # piped: don't squeeze the table into 80 columns
        console = Console(width=180)
    console.print(table)
    console.print(f"weights files live in {escape(str(home_dir() / 'checkpoints'))} ($SAMCLI_HOME/checkpoints); "
                  "`samcli models path ID` prints one's full path", soft_wrap=True)
    for r in rows:  # caveats too long for a column
        if r["notes"]:
            console.print(f"[bold]{r['id']}[/]: {escape(r['notes'])}", soft_wrap=True)


def _computed(spec) -> tuple[float, float]:
    from samcli.models.complexity import complexity

    return complexity(spec)


@command(app, "path")
def path(model_ids: Annotated[list[str], typer.Argument(help="Model ids.")]) -> None:
    """Print where each model's weights file goes in the cache (whether or not it is
    there yet), one per line: to put a file there by hand, or for scripts."""
    from samcli.models import get_spec
    from samcli.models.checkpoint import cache_path

    try:
        paths = [cache_path(get_spec(m)) for m in model_ids]
    except SamcliError as exc:
        raise fail(str(exc)) from None
    for p in paths:
        typer.echo(str(p))


@command(app, "download")
def download(model_ids: Annotated[list[str], typer.Argument(help="Model ids, or 'all'.")]) -> None:
    """Fetch released weights into the cache ($SAMCLI_HOME or ~/.cache/samcli)."""
    from samcli.models import all_specs, get_spec
    from samcli.models.checkpoint import resolve_checkpoint

    try:
        specs = all_specs() if model_ids == ["all"] else [get_spec(m) for m in model_ids]
    except SamcliError as exc:
        raise fail(str(exc)) from None
    try:
        for spec in specs:
            typer.echo(f"{spec.id}: {resolve_checkpoint(spec, option_hint=False)}")
    except SamcliError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
