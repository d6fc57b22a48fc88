"""The output lock itself (writers/lock.py); the runs that use it are tested in
test_one_run_per_output.py."""
from __future__ import annotations

import errno
import fcntl
import json
import os

import pytest

from samcli.errors import InputError
from samcli.writers.journal import Journal, lock_journal
from samcli.writers.lock import OutputLock


def test_a_journal_holds_its_lock_until_closed_and_says_who_holds_it(tmp_path):
    path = tmp_path / "out.json.journal.jsonl"
    journal = Journal.open(path, {"x": 1}, resume=False)
    lock = tmp_path / "out.json.journal.jsonl.lock"
    assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert lock_journal(path) is journal._lock  # this process holds it already: the same lock
    journal.append({"file": "a.jpg", "path": "a.jpg", "width": 4, "height": 3, "annotations": []})
    journal.close()
    assert not lock.exists() and path.exists()  # closed: kept for --resume, no longer locked
    Journal.open(path, {"x": 1}, resume=True).remove()
    assert not lock.exists() and not path.exists()


def test_a_file_system_without_locks_is_refused_not_run_unprotected(tmp_path, monkeypatch):
    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.raises(InputError, match="cannot lock .*No locks available"):
        OutputLock.acquire(tmp_path / "x.lock", "x")
