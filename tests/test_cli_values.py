"""samcli checks option values without pydantic (samcli.cli.values); Typer's own
checks are the oracle: for every kind of value a samcli command declares, both
accept the same texts and give the same values, and refuse the same texts."""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from samcli.cli.values import plain_value

TEXTS = ["0", "1", "-3", "+5", "1.5", "1.0", "3.000", "1_000", "1e3", "0x10", ".5", "1.", "x", "", " 2 ",
         "nan", "inf", "-inf", "true", "no", "YES", "auto", "fp32", "FP32", "/tmp", "/nonexistent", "512/1500",
         "1/0", "0.5", "٣"]
#: what users type, and near misses: digits, signs, separators, words
TYPED = st.one_of(st.sampled_from(TEXTS), st.text(alphabet="0123456789.+-_ eEinfatrusol/x٣", max_size=8))


def parameters():
    """One parameter of each kind (annotation + limits) over every samcli command."""
    import typer.main

    from samcli.cli import app

    def walk(command):
        yield from getattr(command, "params", [])
        for name in getattr(command, "list_commands", lambda ctx: [])(None):
            yield from walk(command.get_command(None, name))

    kinds = {}
    for param in walk(typer.main.get_command(app)):
        info = param.type_descriptor.parameter_info
        key = (repr(param.type_descriptor.annotation), info.min, info.max, info.exists, info.file_okay,
               info.dir_okay, info.parser)
        kinds.setdefault(key, param)
    return list(kinds.values())


def outcome(check, param, text):
    value = [text] if param.multiple or param.nargs == -1 else text
    try:
        return "ok", check.coerce(value, param=param, ctx=None)
    except BadParameter:
        return "refused", None


def same(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def test_every_kind_of_value_is_checked_without_pydantic():
    missing = [p.name for p in parameters() if plain_value(p.type_descriptor) is None]
    assert missing == []


@pytest.mark.parametrize("param", parameters(), ids=lambda p: f"{p.name}:{p.type_descriptor.annotation}")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TYPED)
def test_values_read_as_typer_reads_them(param, text):
    ours = outcome(plain_value(param.type_descriptor), param, text)
    typer_s = outcome(build_runtime_param(param.type_descriptor), param, text)
    assert ours[0] == typer_s[0] and same(ours[1], typer_s[1]), (text, ours, typer_s)

