"""Where a writer's bytes go: a file written atomically, or stdout.

Every file samcli leaves behind gets the permissions a plain `open(path, "w")`
would give it (0666 less the umask, or the folder's default ACL), like the
files of any other tool, so the next tool on a shared disk can read them.
`tempfile.mkstemp` would make them private (0600); `new_file` is its
replacement for files that are renamed into place.
"""
from __future__ import annotations

import os
import secrets
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


def new_file(folder: str | os.PathLike, prefix: str, suffix: str = "") -> tuple[int, str]:
    """A file that did not exist, `folder/<prefix><random><suffix>`, created and opened
    for writing → (fd, path). Its mode is what `open()` gives (the umask applies)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        path = os.path.join(os.fspath(folder), f"{prefix}{secrets.token_hex(4)}{suffix}")
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue


@contextmanager
def open_output(target: str | os.PathLike) -> Iterator[IO[str]]:
    """'-' → stdout. A path → a temp file beside it, renamed into place only when
    the block completes, so readers never see a half-written file."""
    if str(target) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = new_file(path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            yield f
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


@contextmanager
def atomic_path(path: Path) -> Iterator[str]:
    """For writers that want a path, not a stream (torch.save, ONNX exporters): a temp
    path beside `path` that becomes `path` only when the block completes, so a killed
    run never leaves a half file a later run would take for a finished one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = new_file(path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)
