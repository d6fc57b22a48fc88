"""Ray's own log lines kept out of the user's terminal (`--ray` without `--verbose`).

No logging level hides them all: Ray's C++ core writes straight to file
descriptor 2 (the GCS client's retry warnings come before any level applies,
and setting RAY_BACKEND_LOG_LEVEL itself prints an INFO line), and Ray's Python
loggers write to the stderr they found at import. So, for the time samcli is
on a cluster, descriptor 2 goes to /dev/null, and `sys.stderr` (samcli's own
messages, progress and summary) to a copy of the real one.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator


def _is_descriptor_2(stream) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, ValueError, OSError):  # a capture (tests), a closed or detached stream
        return False


@contextmanager
def ray_lines_hidden() -> Iterator[None]:
    """Import Ray before entering, so that its loggers hold the stderr that now leads to /dev/null."""
    ours = sys.stderr
    ours.flush()
    terminal = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    swapped = _is_descriptor_2(ours)
    if swapped:
        sys.stderr = open(terminal, "w", encoding=getattr(ours, "encoding", None) or "utf-8",
                          errors=getattr(ours, "errors", None) or "backslashreplace", buffering=1, closefd=False)
    try:
        yield
    finally:
        if swapped:
            sys.stderr.close()  # flushes; closefd=False leaves the descriptor to the dup2 below
            sys.stderr = ours
        os.dup2(terminal, 2)
        os.close(terminal)
