"""Content digests of input files, to recognise a run's inputs again (resume)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def tree_digest(path: str | os.PathLike) -> str:
    """sha256 of a file, or of a folder's files (relative names and contents, sorted):
    a YOLO label folder is one input."""
    path = Path(path)
    if path.is_file():
        return file_digest(path)
    h = hashlib.sha256()
    for child in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(key_bytes(child.relative_to(path).as_posix()) + b"\0" + file_digest(child).encode() + b"\n")
    return h.hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(key_bytes(text)).hexdigest()


def key_bytes(text: str) -> bytes:
    """A file name's bytes, also for a name that is not UTF-8 (Python holds its
    undecodable bytes as lone surrogates, which plain UTF-8 cannot encode). Valid
    names give their UTF-8, so digests and shards are the same on every machine."""
    return text.encode("utf-8", "surrogateescape")
