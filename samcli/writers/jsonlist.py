"""A JSON list written one item at a time."""
from __future__ import annotations

import json
from typing import IO, Iterable


def json_list(f: IO[str], items: Iterable[dict]) -> None:
    """`json.dump` of a list, one item at a time: the same bytes, flat memory."""
    f.write("[")
    for i, item in enumerate(items):
        f.write((", " if i else "") + json.dumps(item))
    f.write("]")
