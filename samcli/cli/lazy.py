"""Commands imported when they run: `samcli segment` imports segment's module,
not eval's, export's or the model table's (~0.15 s of imports it never uses,
at every start of a pipeline step). `samcli --help` lists them all from the
table's one-line help, and builds each command only when asked for it."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, ClassVar

import typer

from samcli.cli.command_style import SamcliGroup, command, samcli_typer


@dataclass(frozen=True)
class Lazy:
    """A command (`attr` is its function) or a group (`attr` is its Typer app) of
    `module`, registered as `samcli.cli.command_style.command` would with `settings`."""
    module: str
    attr: str
    short_help: str
    group: bool = False
    settings: dict[str, Any] = field(default_factory=dict)

    def build(self, name: str) -> Any:
        target = getattr(importlib.import_module(self.module), self.attr)
        if self.group:
            built = typer.main.get_group(target)  # a group even with one command (`export onnx`)
        else:  # a one-command app: Typer builds the command itself, not a group around it
            app = samcli_typer()
            command(app, name, short_help=self.short_help, **self.settings)(target)
            built = typer.main.get_command(app)
        built.name, built.short_help = name, self.short_help
        return built


class LazyGroup(SamcliGroup):
    """A group whose commands are the class's `table` (name → Lazy), in its order."""
    table: ClassVar[dict[str, Lazy]] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.table, *(name for name in super().list_commands(ctx) if name not in self.table)]

    def get_command(self, ctx: Any, name: str) -> Any:
        if name not in self.commands and name in self.table:
            self.commands[name] = self.table[name].build(name)
        return super().get_command(ctx, name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and args[0] not in self.table:
            for name in self.table:  # a typo: Typer suggests from the commands built, so build them all
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)


def lazy_group(table: dict[str, Lazy]) -> type[LazyGroup]:
    return type("SamcliCommands", (LazyGroup,), {"table": table})
