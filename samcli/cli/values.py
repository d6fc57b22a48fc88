"""Option values checked without pydantic: text, integers and numbers (with their
min/max), choices, paths (with their exists/file/dir checks), `parser=` values,
and lists of these: every kind samcli's commands declare.

Why: Typer 0.29 checks each value through a pydantic TypeAdapter, and importing
pydantic and building the adapters costs ~0.14 s of every samcli start, as much
as the rest of the command line together. Any other kind of value still goes
through Typer's own checks. The checks and messages are Typer's (paths, choices)
or click's (numbers), raised as click's BadParameter, so a usage error reads as
before: `error: Invalid value for '--batch-size' / '-b': 0 is not in the range x>=1.`
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, get_args, get_origin

from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam
from typer._param_types import coerce_cli_choice, coerce_cli_path
from typer._typing import is_literal_type, literal_values

#: what a switch or a boolean value may be written as (pydantic's list)
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}
_WHOLE_DECIMAL = re.compile(r"[+-]?\d[\d_]*\.0+")


@dataclass(frozen=True)
class PlainValue(RuntimeParam):
    """One parameter's check: `leaf` turns one text into its value, or raises ValueError
    with the message to show; `many` applies it to each value of a repeated option."""
    leaf: Callable[[Any, Any, Any], Any] = None
    many: bool = False

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            if self.many:
                return [self.leaf(v, param, ctx) for v in (value if isinstance(value, (list, tuple)) else [value])]
            return self.leaf(value, param, ctx)
        except (ValueError, TypeError) as exc:
            raise BadParameter(str(exc), ctx=ctx, param=param) from None


def plain_value(descriptor: Any) -> PlainValue | None:
    """The check for a parameter's `type_descriptor`, or None where Typer's must run."""
    annotation, info = descriptor.annotation, descriptor.parameter_info
    many = get_origin(annotation) is list
    if many:
        (annotation,) = get_args(annotation)
    leaf = _leaf(annotation, info)
    return None if leaf is None else PlainValue(info, descriptor.annotation, leaf=leaf, many=many)


def _leaf(annotation: Any, info: Any) -> Callable[[Any, Any, Any], Any] | None:
    if info.parser is not None:
        return lambda value, param, ctx: info.parser(value)
    if is_literal_type(annotation):
        choices = literal_values(annotation)
        return lambda value, param, ctx: coerce_cli_choice(value, choices=choices, case_sensitive=info.case_sensitive,
                                                           ctx=ctx)
    if annotation in (int, float):
        return lambda value, param, ctx: _number(annotation, value, info)
    if annotation is bool:
        return lambda value, param, ctx: _bool(value)
    if annotation is str:
        return lambda value, param, ctx: _text(value)
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return lambda value, param, ctx: coerce_cli_path(annotation(_text(value)) if isinstance(value, (str, bytes)) else value,
                                                         info, path_type=annotation, param=param, ctx=ctx)
    return None


def _text(value: Any) -> str:
    if isinstance(value, bytes):  # argv that is not valid in the locale's encoding
        return value.decode("utf-8", "replace")
    return str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(f"{value!r} is not a valid boolean (true/false, yes/no, 1/0, on/off).")


def _number(kind: type, value: Any, info: Any) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = kind(value)
    else:
        text = _text(value).strip()
        if kind is int and _WHOLE_DECIMAL.fullmatch(text):  # "3.0" is 3, as pydantic reads it
            text = text.split(".")[0]
        try:
            if kind is float and "_" in text:  # pydantic drops underscores, but refuses them in padded text
                if text != _text(value) or text.startswith("_") or text.endswith("_"):
                    raise ValueError
                text = text.replace("_", "")
            if not text.isascii():  # Python reads "٣" as 3; a shell user meant no number
                raise ValueError
            number = kind(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a valid {'integer' if kind is int else 'number'}.") from None
    low, high = info.min, info.max
    if info.clamp:
        return kind(min(max(number, low if low is not None else number), high if high is not None else number))
    if (low is not None and not number >= low) or (high is not None and not number <= high):  # NaN fails both
        bounds = (f"{low}<=x<={high}" if low is not None and high is not None
                  else f"x>={low}" if low is not None else f"x<={high}")
        raise ValueError(f"{number} is not in the range {bounds}.")
    return number
