"""One run per output. A run holds its journal's lock (`OUT.journal.jsonl.lock`)
from before it reads the journal until it ends; a second run on the same output,
with or without --resume, is refused at once and told who holds it. Without
this, the first run to finish deletes the journal the other is still using.

The lock is the kernel's (`flock`): it goes with its process, however that ends,
so a killed run's lock is simply taken over. The file beside the output only
says who holds it, and is removed when the run ends.
"""
from __future__ import annotations

import atexit
import fcntl
import json
import os
import shlex
import socket
import sys
import time
from pathlib import Path

from samcli.errors import InputError


class OutputLock:
    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: str | os.PathLike, what: str) -> "OutputLock":
        """Lock `path` for this process, or raise InputError naming `what` and the holder.
        A lock this process holds already is returned as it is: the CLI takes it as it
        starts (a second run is refused before any slow step), the journal again later."""
        path = Path(os.path.abspath(path))
        if path in _HELD:
            return _HELD[path]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)  # the output's folder: the run makes it anyway
            fd = _locked_file(path, what)
        except OSError as exc:
            raise InputError(f"{path}: cannot lock {what} ({exc.strerror}); a run needs a file system "
                             "that supports file locks") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_this_process()).encode())
        lock = _HELD[path] = cls(path, fd)
        atexit.register(lock.release)  # also on an error exit: the lock file goes with the run
        return lock

    def release(self) -> None:
        if self._fd is None:
            return
        atexit.unregister(self.release)
        _HELD.pop(self.path, None)
        self.path.unlink(missing_ok=True)  # while still held: nobody can lock the old file and think it current
        os.close(self._fd)
        self._fd = None


#: the locks this process holds, by absolute path
_HELD: dict[Path, OutputLock] = {}


def _locked_file(path: Path, what: str) -> int:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)  # as open() makes files: the umask decides
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise InputError(f"{what} is in use by another samcli run ({holder}): wait for it to end, "
                             "or give this run another output") from None
        except BaseException:
            os.close(fd)
            raise
        if _still_named(fd, path):
            return fd
        os.close(fd)  # its holder removed it as it ended: lock the file now at `path`


def _still_named(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _this_process() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "command": shlex.join(["samcli", *sys.argv[1:]])}


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 1 << 16, 0))
        return f"pid {info['pid']} on {info['host']}, started {info['started']}: {info['command']}"
    except (OSError, ValueError, TypeError, KeyError):  # it is writing who it is right now
        return "just starting"
