"""Checks, before any work, that a run can write where it is told to: an output
file (`--out`) and picture folders (`--save-masks`, …). A folder that cannot be
written is found at once, not after every image was processed.

Writability is tried, not inferred from permission bits (which root ignores,
and which say nothing of read-only mounts): a probe file is created and removed.
Missing folders are not made here: the probe goes into the nearest folder that exists
(the run makes the rest), so a refused run leaves nothing behind.
"""
from __future__ import annotations

import os
from pathlib import Path

from samcli.errors import InputError
from samcli.writers.atomic import new_file


def check_output_file(option: str, target: str | os.PathLike) -> None:
    """`--out PATH`: not a folder, in a folder this process can write ('-' is stdout)."""
    if str(target) == "-":
        return
    path = Path(target)
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder; give a file name, e.g. {path / 'out.json'}")
    _check_writable_folder(option, path, path.parent)


def check_output_folder(option: str, folder: str | os.PathLike) -> None:
    """`--save-masks DIR` and the like: a folder (made if missing) this process can write."""
    _check_writable_folder(option, Path(folder), Path(folder))


def _check_writable_folder(option: str, given: Path, folder: Path) -> None:
    blocker = _file_in_the_way(folder)
    if blocker is not None:
        where = "" if blocker == given else f"{blocker} "
        raise InputError(f"{option} {given}: {where}is a file, not a folder")
    existing = _nearest_existing(folder)  # a refused run leaves no empty folders behind
    try:
        fd, probe = new_file(existing, prefix=".samcli-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{option} {given}: cannot write in {existing} ({exc.strerror})") from None


def _file_in_the_way(folder: Path) -> Path | None:
    """The nearest existing path at or above `folder`, when it is not a folder."""
    for candidate in (folder, *folder.parents):
        try:
            if candidate.exists():
                return None if candidate.is_dir() else candidate
        except OSError:  # e.g. no permission to look: trying to write will say what is wrong
            return None
    return None


def _nearest_existing(folder: Path) -> Path:
    for candidate in (folder, *folder.parents):
        if candidate.is_dir():
            return candidate
    return Path(".")
