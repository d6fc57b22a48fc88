"""Writing small prompt files for the prompt-reader tests."""
from __future__ import annotations

import json
from pathlib import Path


def write(folder: Path, name: str, content) -> Path:
    """`content` as JSON (or verbatim when it is a str) into folder/name."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def only_error(pf) -> str:
    assert len(pf.errors) == 1, pf.errors
    return pf.errors[0]
