"""JSON that samcli did not write itself (prompt files, journals, shard outputs):
whatever the text, `loads` returns a value or raises `JsonProblem`, never
another exception.

`json.loads` alone lets three hostile inputs through as crashes: nesting a
thousand levels deep (RecursionError), an integer of 4,300+ digits (ValueError
from Python's int-str limit, or OverflowError later, when it meets a float).
Integers longer than `MAX_INT_DIGITS` are refused at parse time: no id or
coordinate has that many digits, and refusing them keeps every integer that
comes out convertible to a float. Numbers that overflow a float (1e400) parse
as inf, like JSON's own `Infinity`, and the readers' checks refuse both.
"""
from __future__ import annotations

import json
import re
from typing import Any

#: an int64 has 19 digits; room to spare for exporters that write ids as long integers
MAX_INT_DIGITS = 100
#: where a too-deep document is reported: deeper than any format samcli reads
REPORT_DEPTH = 200
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_LONG_INT = re.compile(r"(?<![\w.\"])-?\d{%d,}" % (MAX_INT_DIGITS + 1))


class JsonProblem(ValueError):
    """Why a text is not usable JSON, and where (line, column; 0, 0 when unknown)."""

    def __init__(self, message: str, where: tuple[int, int] = (0, 0)) -> None:
        super().__init__(message)
        self.message = message
        self.line, self.column = where

    def at(self, name: str, line: int | None = None) -> str:
        """'name:line:column: message'; `line` for a text that is one line of a bigger file."""
        line = line if line is not None else self.line
        where = "".join(f":{n}" for n in (line, self.column) if n)
        return f"{name}{where}: {self.message}"


class _LongInteger(Exception):
    pass


def _integer(text: str) -> int:
    if len(text) > MAX_INT_DIGITS + (text[0] == "-"):
        raise _LongInteger(text)
    return int(text)


def loads(text: str | bytes) -> Any:
    """`json.loads`, with every failure a JsonProblem naming line:column where it can."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise JsonProblem(f"not UTF-8 text (byte {e.start})") from None
    try:
        return json.loads(text, parse_int=_integer)
    except json.JSONDecodeError as e:
        raise JsonProblem(f"not valid JSON: {e.msg}", (e.lineno, e.colno)) from None
    except _LongInteger as e:
        digits = len(str(e).lstrip("-"))
        raise JsonProblem(f"an integer of {digits} digits (at most {MAX_INT_DIGITS})",
                          _position(text, _LONG_INT.search(text))) from None
    except RecursionError:
        raise JsonProblem(f"nested too deep (lists/objects more than {REPORT_DEPTH} levels deep)",
                          _too_deep(text)) from None


def _too_deep(text: str) -> tuple[int, int]:
    """line:column of the first bracket deeper than REPORT_DEPTH (only on failure: it walks the text)."""
    depth = 0
    for m in _TOKEN.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > REPORT_DEPTH:
                return _position(text, m)
        elif token in "]}":
            depth -= 1
    return 0, 0


def _position(text: str, match: re.Match | None) -> tuple[int, int]:
    if match is None:
        return 0, 0
    start = match.start()
    return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
