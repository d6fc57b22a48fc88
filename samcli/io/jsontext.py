"""Text and JSON that samcli did not write itself (prompt files, journals, shard
outputs): whatever the text, `loads` returns a value or raises `JsonProblem`,
never another exception; `text_file` reads a file or raises InputError.

`json.loads` alone lets hostile inputs through as other exceptions: nesting
a thousand levels deep (RecursionError), an integer of 4,300+ digits (a
ValueError from Python's int-str limit). Integers below that limit parse, and
the readers' checks bound them (an id must fit an int64; a coordinate a float);
numbers that overflow a float (1e400) parse as inf, like JSON's own
`Infinity`, and the readers' checks refuse both.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from samcli.errors import InputError

#: where a too-deep document is reported: deeper than any format samcli reads
REPORT_DEPTH = 200
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


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


def text_file(path: Path, hint: str = "") -> str:
    """A UTF-8 text file's content (a byte-order mark dropped), or an InputError naming it."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a file")
    try:
        # utf-8-sig: files saved by Windows tools often start with a byte-order mark
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte {e.start}){hint}") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None


def loads(text: str | bytes) -> Any:
    """`json.loads`, with every failure a JsonProblem naming line:column where it can."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise JsonProblem(f"not UTF-8 text (byte {e.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise JsonProblem(f"not valid JSON: {e.msg}", (e.lineno, e.colno)) from None
    except ValueError:  # the only other one json raises: an integer beyond Python's int-str limit
        limit = sys.get_int_max_str_digits()
        raise JsonProblem(f"an integer of more than {limit} digits",
                          _position(text, re.search(r"\d{%d,}" % (limit + 1), text))) from None
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
