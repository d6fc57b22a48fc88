"""`samcli models list|download`."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from samcli.cli.common import fail
from samcli.cli.runner import EXIT_MODEL
from samcli.errors import SamcliError

app = typer.Typer(help="List the model zoo and manage the weights cache.", no_args_is_help=True)


@app.command("list")
def list_models(
    complexity: Annotated[bool, typer.Option("--complexity/--no-complexity", help="Compute parameters and MACs (a second or two per model).")] = True,
) -> None:
    """Every model: input size, parameters, encoder MACs at that size, licence, cache state."""
    from samcli.models import all_specs
    from samcli.models.checkpoint import cache_path
    from samcli.models.complexity import build_on_meta, encoder_macs, parameter_count

    table = Table(title="samcli models")
    for col in ("id", "family", "input", "params (M)", "encoder GMACs", "licence", "cached", "parity"):
        table.add_column(col, justify="right" if col in ("input", "params (M)", "encoder GMACs") else "left")
    for spec in all_specs():
        params = macs = "-"
        if complexity:
            net = build_on_meta(spec)
            params = f"{parameter_count(net) / 1e6:.2f}"
            macs = f"{encoder_macs(net, spec.input_size) / 1e9:.1f}"
        cached = "yes" if cache_path(spec).is_file() else "no"
        table.add_row(spec.id, spec.family, str(spec.input_size), params, macs, spec.licence, cached,
                      spec.parity or "-")
    Console().print(table)


@app.command("download")
def download(model_ids: Annotated[list[str], typer.Argument(help="Model ids, or 'all'.")]) -> None:
    """Fetch released weights into the cache ($SAMCLI_HOME or ~/.cache/samcli)."""
    from samcli.models import all_specs, get_spec
    from samcli.models.checkpoint import resolve_checkpoint

    try:
        specs = all_specs() if model_ids == ["all"] else [get_spec(m) for m in model_ids]
        for spec in specs:
            path = resolve_checkpoint(spec, offline=False)
            typer.echo(f"{spec.id}: {path}")
    except SamcliError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
