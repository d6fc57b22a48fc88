"""How every samcli command presents itself: `--help` that shows switches as
switches, choices as choices and values by what they are (FILE, DIR, INTEGER),
help text printed as written, and usage errors as one `error: ...` line like
samcli's own messages.

Why this is needed: Typer 0.29 vendors its own fork of click (`typer._click`;
the installed click is not used) and renders the help panel from each
parameter's `display_type_rich()`, which prints the Python annotation — `<bool>`
for every switch (only the plain-text formatter checks `is_flag`), `<str>`
where a value must be one of a few, `<list[Path]>` — unless the parameter has a
metavar. It also reads help text as Rich markup, so `samcli[ray]` or
`[default: ...]` in a help string vanished. So every parameter of every command
is presented here, in one place: the command classes below, which every Typer
app and command of samcli is made with (`samcli_typer`, `command`).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, get_args, get_origin

import typer
from rich.markup import escape
from typer.core import TyperArgument, TyperCommand, TyperGroup

from samcli.cli.values import plain_value

#: metavars of plain values, named as click names them
_PLAIN = {int: "INTEGER", float: "FLOAT", str: "TEXT"}


def value_metavar(param: Any) -> str:
    """What an option's value is, for --help: '' for a switch, [a|b|c] for choices,
    FILE / DIR / PATH for paths, else INTEGER / FLOAT / TEXT."""
    if param.is_flag or param.count:
        return ""
    described = param.type_descriptor
    if described.is_choice:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in described.choices) + "]"
    annotation = described.annotation
    if get_origin(annotation) is list:  # a repeatable option: what one value is
        annotation = get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return {"file": "FILE", "dir": "DIR"}.get(described.path_type, "PATH")
    return _PLAIN.get(annotation, "VALUE")


def present(param: Any) -> None:
    """Give `param` its metavar (an explicit typer.Option(metavar=...) is kept), help
    that Rich prints as written, and samcli's value check. Once per parameter."""
    if getattr(param, "_samcli_presented", False) or not hasattr(param, "type_descriptor"):
        return
    param._samcli_presented = True
    checked = plain_value(param.type_descriptor)
    if checked is not None:  # checked here, without pydantic (samcli.cli.values)
        param._runtime_param = checked
    if param.help:
        param.help = escape(param.help)
    if isinstance(param, TyperArgument):
        param.metavar = param.metavar or param.name.upper()
        # the panel's name column already says it (IMAGES); Typer would add <str> as its type
        param.display_type_rich = lambda ctx: None
    elif param.metavar is None:
        param.metavar = value_metavar(param)


def _argument_usage(param: TyperArgument) -> str:
    """IMAGES, [IMAGES] when optional, OUTPUTS... when it takes several (as click writes usage)."""
    text = param.metavar if param.required else f"[{param.metavar}]"
    return text + ("..." if param.nargs != 1 else "")


class _Presented:
    """Parameters presented before anything reads them (the --help option is made on first use)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = escape(self.help) if self.help else self.help
        self.short_help = escape(self.short_help) if self.short_help else self.short_help

    def get_params(self, ctx: Any) -> list:
        params = super().get_params(ctx)
        for param in params:
            present(param)
        return params


class SamcliCommand(_Presented, TyperCommand):
    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        arguments = [p for p in self.get_params(ctx) if isinstance(p, TyperArgument)]
        return [self.options_metavar or "", *(_argument_usage(p) for p in arguments)]


class SamcliGroup(_Presented, TyperGroup):
    """The `samcli` command and its groups (`samcli models`). At the top, click's usage
    errors (an unknown option, a missing or bad value) become one line in samcli's
    style, `error: ...`, exit code 2 (Typer would draw a box)."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        from typer._click.exceptions import ClickException, NoArgsIsHelpError

        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:  # not standalone: errors come here instead of to Typer's printer
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:  # `samcli segment` alone: its help, as always
            exc.show()
            sys.exit(exc.exit_code)
        except ClickException as exc:
            sys.exit(_usage_error(exc))
        except typer.Abort:
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)  # a command's typer.Exit(code) comes back as its code


def _usage_error(exc: Any) -> int:
    from samcli.cli.drive import err

    ctx = getattr(exc, "ctx", None)
    see = f" (see {escape(ctx.command_path)} --help)" if ctx is not None else ""
    # pydantic (Typer's value checks) prefixes "Value error, " to the message
    message = exc.format_message().replace("Value error, ", "")
    err.print(f"[red]error:[/] {escape(message)}{see}")
    return exc.exit_code


def samcli_typer(**settings: Any) -> typer.Typer:
    """A Typer app presented as above; add its commands with `command(app, ...)`.
    No shell-completion options: samcli does not offer them."""
    return typer.Typer(**{"cls": SamcliGroup, "add_completion": False, "pretty_exceptions_enable": False, **settings})


def command(app: typer.Typer, name: str | None = None, **settings: Any):
    """`app.command(...)` with samcli's command class. A group's list shows each command's
    `short_help`, by default the docstring's first paragraph as one line (Rich would keep
    the docstring's line breaks there, mid-sentence)."""
    def register(function: Any) -> Any:
        short = settings.get("short_help") or " ".join((function.__doc__ or "").strip().split("\n\n")[0].split())
        return app.command(name, cls=SamcliCommand, **{**settings, "short_help": short or None})(function)
    return register
