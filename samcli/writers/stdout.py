"""Results on stdout, ended as Unix tools end. A reader that stops early
(`samcli … -f jsonl | head -1`) closes the pipe: the run stops quietly, as
`yes | head -1` does. A stdout that takes no more (`> /dev/full`, a full disk)
stops the run with a message. The CLI installs the guard and turns the failure
into its exit code (`samcli.cli.main`).
"""
from __future__ import annotations

import errno
import os
from typing import IO, Any, Callable


class StdoutFailed(Exception):
    """Writing to stdout failed. Not a SamcliError: no command may take it for
    its own usage error; it ends the process (see `samcli.cli.main`)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.error = error

    @property
    def reader_gone(self) -> bool:
        """The reader closed the pipe (EPIPE): it has what it wanted."""
        return self.error.errno == errno.EPIPE


class GuardedStdout:
    """sys.stdout whose write and flush errors become StdoutFailed. From the first
    failure on, stdout is /dev/null: nobody reads it any more, and the interpreter's
    own last flush must not fail again (a traceback at exit)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if not text:  # click probes a stream's kind with write(b"") and write(""): let the stream answer
            return self._stream.write(text)
        return self._guarded(self._stream.write, text)

    def writelines(self, lines) -> None:
        self._guarded(self._stream.writelines, lines)

    def flush(self) -> None:
        self._guarded(self._stream.flush)

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, …: the stream's own
        return getattr(self._stream, name)

    def _guarded(self, call: Callable, *args) -> Any:
        try:
            return call(*args)
        except OSError as exc:
            _to_devnull(self._stream)
            raise StdoutFailed(exc) from None


def _to_devnull(stream: IO[str]) -> None:
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # not a real file (e.g. captured by a test runner)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
