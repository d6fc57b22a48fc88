"""The run's journal: one JSON line per finished image, appended as images
finish, so a killed run loses nothing that was done.

Line 1 is the header: `{"samcli_journal": 1, "fingerprint": {...}}`, naming
everything that decides the output (command, model, weights digest, options,
prompt-file digest, shard). Every later line is one `ImageResult.to_json()`.
A rerun with `--resume` checks the fingerprint, skips the images that finished
(failed ones are tried again: the last line of a key wins), drops a torn last
line left by a kill mid-write, and appends. The output files are written from
the journal at the end (`writers.results`).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator

from samcli.errors import InputError
from samcli.io.jsontext import JsonProblem, loads
from samcli.words import plural
from samcli.writers.journal_records import problem
from samcli.writers.lock import OutputLock

VERSION = 1


def journal_path(output: str | os.PathLike) -> Path:
    return Path(f"{output}.journal.jsonl")


def lock_journal(path: str | os.PathLike) -> OutputLock:
    """This process's lock on the journal at `path` (see `writers.lock`)."""
    return OutputLock.acquire(f"{path}.lock", str(path))


@dataclass
class Entry:
    """Where the last record of one image lies in the journal."""

    offset: int
    length: int
    ok: bool
    prompt_errors: list[str]
    masks: int = 0  # annotations in the record (for the summary of a resumed run)


@dataclass
class Scan:
    fingerprint: dict[str, Any]
    entries: dict[str, Entry] = field(default_factory=dict)  # image key → its last record
    end: int = 0  # bytes up to the end of the last complete line
    torn: bool = False  # a partial last line follows `end`


def scan(path: Path) -> Scan:
    """Read a journal's header and index its records (last one per key wins).
    Every record is checked (`journal_records.problem`): a damaged one is an
    InputError naming its byte offset, now rather than after the remaining work."""
    with open(path, "rb") as f:
        header_line = f.readline()
        header = _parse(header_line)
        fingerprint = header.get("fingerprint") if header and header.get("samcli_journal") == VERSION else None
        if not isinstance(fingerprint, dict):
            raise InputError(f"{path}: not a samcli journal (version {VERSION}); move it away to start over")
        result = Scan(fingerprint, end=len(header_line))
        offset = result.end
        for line in f:
            record = _parse(line)
            if record is None:  # killed mid-write: only ever the last line
                result.torn = True
                break
            why = problem(record)
            if why:
                raise _damaged(path, offset, f"the record of {record.get('file')!r}: {why}"
                               if isinstance(record.get("file"), str) else why)
            result.entries[record["file"]] = entry_of(record, offset, len(line))
            offset += len(line)
            result.end = offset
        else:
            return result
        if f.read(1):  # a broken line that is not the last: not a kill, a damaged file
            raise _damaged(path, offset, "not a JSON line")
    return result


def entry_of(record: dict, offset: int, length: int) -> Entry:
    return Entry(offset, length, "error" not in record, record.get("prompt_errors", []),
                 len(record.get("annotations") or []))


def _damaged(path: Path, offset: int, why: str) -> InputError:
    return InputError(f"{path}: damaged at byte {offset}: {why}. Delete that line to do its image again, "
                      "or move the journal away to start over")


def _parse(line: bytes) -> dict | None:
    """A complete line's JSON object, or None (cut short by a kill, or not JSON at all)."""
    if not line.endswith(b"\n"):
        return None
    try:
        record = loads(line)
    except JsonProblem:
        return None
    return record if isinstance(record, dict) else None


def differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    """'settings.multimask: 'always' in the journal, 'auto' now' for each differing leaf."""
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += differences(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} in the journal, {b!r} now")
    return out


class Journal:
    """Open with `Journal.open`; `append` each finished image. Every append is
    flushed; every `sync_every`-th is fsync'd (writers set it to the encoder batch)."""

    def __init__(self, path: Path, fingerprint: dict, scanned: Scan | None) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.entries: dict[str, Entry] = dict(scanned.entries) if scanned else {}
        self.dropped_torn_line = bool(scanned and scanned.torn)
        self.created = scanned is None  # a new journal, not a continued one
        self._file: IO[bytes] | None = None
        self._offset = 0
        self.sync_every = 1
        self._since_sync = 0
        self._named = True  # False: a private journal, whose file has no name (see `private`)
        self._lock: OutputLock | None = None

    @classmethod
    def open(cls, path: str | os.PathLike, fingerprint: dict, resume: bool) -> "Journal":
        """A new journal, or with `resume` the existing one continued. Refuses to
        overwrite an unfinished run's journal without `resume` (that is lost work),
        and to continue one written with other settings (a mixed output). Holds
        the journal's lock (`writers.lock`) from before reading it until `close`
        or `remove`: a second run on it is refused."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = lock_journal(path)
        try:
            journal = cls._open_locked(path, fingerprint, resume)
        except BaseException:
            lock.release()
            raise
        journal._lock = lock
        return journal

    @classmethod
    def _open_locked(cls, path: Path, fingerprint: dict, resume: bool) -> "Journal":
        scanned = scan(path) if path.exists() and path.stat().st_size else None
        if scanned is None or not scanned.entries:
            # no journal, or one without a single image (a run that stopped before its
            # first, e.g. on wrong weights): no work to keep, nothing to match
            path.unlink(missing_ok=True)
            journal = cls(path, fingerprint, None)
            journal._start()
            return journal
        if not resume:
            raise InputError(f"{path} holds an unfinished run's journal ({plural(len(scanned.entries), 'image')}): "
                             "add --resume to continue it, or delete it to start over")
        diff = differences(scanned.fingerprint, fingerprint)
        if diff:
            raise InputError(f"{path} was written with other settings, so --resume would mix two runs: "
                             + "; ".join(diff) + ". Rerun with the journal's settings, or delete it to start over")
        journal = cls(path, fingerprint, scanned)
        journal._continue(scanned.end)
        return journal

    @classmethod
    def private(cls, folder: str | os.PathLike | None = None) -> "Journal":
        """A journal nobody resumes (results streamed to stdout, or the Python API
        without a journal), in `folder` (default: the temporary folder). Its file
        loses its name at once, so nothing is left behind, however the run ends."""
        fd, name = tempfile.mkstemp(prefix=".samcli-", suffix=".journal.jsonl", dir=folder)
        os.unlink(name)
        journal = cls(Path(name), {}, None)
        journal._named = False
        journal._file = os.fdopen(fd, "w+b")
        journal._write({"samcli_journal": VERSION, "fingerprint": {}})
        return journal

    def _start(self) -> None:
        self._file = open(self.path, "w+b")  # read back by `records` while open
        self._write({"samcli_journal": VERSION, "fingerprint": self.fingerprint})
        self.sync()

    def _continue(self, end: int) -> None:
        self._file = open(self.path, "r+b")
        self._file.truncate(end)  # drops a torn last line
        self._file.seek(end)
        self._offset = end

    @property
    def done(self) -> set[str]:
        """Images finished without error (failed ones are tried again)."""
        return {key for key, e in self.entries.items() if e.ok}

    def _write(self, obj: dict) -> int:
        line = (json.dumps(obj) + "\n").encode("utf-8")
        self._file.write(line)
        self._offset += len(line)
        return len(line)

    def append(self, record: dict) -> None:
        start = self._offset
        length = self._write(record)
        self._file.flush()  # in the OS now: survives a kill of this process
        self.entries[record["file"]] = entry_of(record, start, length)
        self._since_sync += 1
        if self._since_sync >= self.sync_every:
            self.sync()

    def sync(self) -> None:
        """On disk: survives a crash of the machine (called once per encoder batch)."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._since_sync = 0

    def close(self) -> None:
        """Done with it: on disk, kept (for --resume), and no longer locked; closed and
        unlocked even when syncing fails (e.g. the disk is full)."""
        try:
            self._close_file()
        finally:
            self._unlock()

    def _close_file(self) -> None:
        if self._file is not None:
            try:
                self.sync()
            finally:
                file, self._file = self._file, None
                file.close()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def records(self, keys: list[str]) -> Iterator[dict]:
        """The last record of each key, in the order given (reads one at a time)."""
        if self._file is not None:
            self._file.flush()
            yield from self._read(self._file.fileno(), keys)
            return
        with open(self.path, "rb") as f:
            yield from self._read(f.fileno(), keys)

    def _read(self, fd: int, keys: list[str]) -> Iterator[dict]:
        for key in keys:
            entry = self.entries[key]
            record = _parse(os.pread(fd, entry.length, entry.offset))
            if record is None or record.get("file") != key:  # checked by scan: someone wrote to it since
                raise _damaged(self.path, entry.offset, f"the record of {key!r} changed since the journal was read")
            yield record

    def remove(self) -> None:
        try:
            self._close_file()
            if self._named:
                self.path.unlink(missing_ok=True)
        finally:
            self._unlock()  # only now: a run waiting for the lock must not find this journal
