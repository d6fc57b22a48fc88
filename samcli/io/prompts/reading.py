"""Reading prompt files from disk, with failures as InputError naming the file (and line)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from samcli.errors import InputError
from samcli.io.jsontext import JsonProblem, loads, text_file

#: one record of a list-like file: (where it is, for messages; the parsed value)
Record = tuple[str, Any]


def read_text(path: Path) -> str:
    return text_file(path, "; is this really a prompt file?")


def read_json(path: Path) -> Any:
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    try:
        return loads(text)
    except JsonProblem as e:
        # "Extra data" after a complete value is the signature of JSON Lines saved as .json
        hint = " (one JSON value per line? name the file .jsonl)" if e.message.endswith("Extra data") else ""
        raise InputError(e.at(str(path)) + hint) from None


def read_jsonl(path: Path) -> tuple[list[Record], list[str]]:
    """One JSON value per line. A broken line is an item error, not the end of the file;
    a file with no readable line at all is an InputError."""
    records: list[Record] = []
    errors: list[str] = []
    for lineno, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append((f"{path}:{lineno}", loads(line)))
        except JsonProblem as e:
            errors.append(e.at(str(path), lineno))
    if not records:
        if not errors:
            raise InputError(f"{path}: empty file")
        more = f" (and {len(errors) - 1} more broken lines)" if len(errors) > 1 else ""
        raise InputError(errors[0] + more)
    return records, errors


def list_records(path: Path, values: list[Any]) -> list[Record]:
    """The items of a top-level JSON list, located as 'file.json: [i]'."""
    return [(f"{path}: [{i}]", value) for i, value in enumerate(values)]
