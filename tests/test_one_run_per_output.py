"""One run per output (writers/lock.py): a second run on the same --out, with
or without --resume, is refused within seconds (exit 2), told which process
holds it, and the first run's output is exactly a clean run's. A lock left by
a SIGKILLed run is taken over; a journal holding only its header (a run that
never started) does not block --resume. Runs are separate processes with the
fake disc model, held at a gate so that they overlap on any machine."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from samcli.writers.journal import journal_path, lock_journal
from tests.cli_helpers import REPO, invoke
from tests.eval_cli_data import make_job as make_eval_job
from tests.segment_job import kill_when, make_segment_job, records, wait_for_records

N_IMAGES = 8


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return make_segment_job(tmp_path_factory.mktemp("job"), N_IMAGES)


@pytest.fixture(scope="module")
def reference(job, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out.json"
    done = invoke(*job.args(out), "--model", "disc", "--checkpoint", job.checkpoint)
    assert done.exit_code == 0, done.stderr
    return out.read_bytes()


def gated(tmp_path: Path, after: int = 0) -> tuple[Path, dict]:
    """A run that stops before encoding image `after` + 1 until the test creates the gate file
    (tests/fake_models.py): runs overlap for sure, however slowly this machine starts them."""
    gate = tmp_path / "gate"
    return gate, {"SAMCLI_FAKE_ENCODE_GATE": str(gate), "SAMCLI_FAKE_GATE_AFTER": str(after)}


def lock_file(out: Path) -> Path:
    return Path(f"{journal_path(out)}.lock")


def assert_refused_naming(code: int, stderr: str, holder_pid: int, seconds: float) -> None:
    assert code == 2, stderr
    assert f"pid {holder_pid} on {socket.gethostname()}, started " in stderr and "samcli segment" in stderr
    assert seconds < 30, f"refused only after {seconds:.0f} s"


def test_two_runs_started_together_one_is_refused(job, reference, tmp_path):
    out = tmp_path / "out.json"
    gate, env = gated(tmp_path)
    first, second = job.start(job.args(out), env), job.start(job.args(out), env)
    began = time.monotonic()
    while first.poll() is None and second.poll() is None:  # the winner waits at the gate
        assert time.monotonic() - began < 120, "neither run was refused"
        time.sleep(0.05)
    refused, winner = (first, second) if first.poll() is not None else (second, first)
    assert_refused_naming(refused.returncode, refused.stderr.read().decode(), winner.pid, time.monotonic() - began)
    gate.touch()
    assert winner.wait(timeout=120) == 0, winner.stderr.read().decode()
    assert out.read_bytes() == reference
    assert not lock_file(out).exists() and not journal_path(out).exists()


def test_a_resume_retry_while_the_first_runs_is_refused(job, reference, tmp_path):
    out = tmp_path / "out.json"
    gate, env = gated(tmp_path, after=2)
    first = job.start(job.args(out), env)
    wait_for_records(first, journal_path(out), 2)
    began = time.monotonic()
    retry = invoke(*job.args(out, "--resume"), "--model", "disc", "--checkpoint", job.checkpoint)
    assert_refused_naming(retry.exit_code, retry.stderr, first.pid, time.monotonic() - began)
    assert records(journal_path(out)) == 2  # the retry touched nothing
    gate.touch()
    assert first.wait(timeout=120) == 0, first.stderr.read().decode()
    assert out.read_bytes() == reference


def test_the_lock_of_a_killed_run_is_taken_over(job, reference, tmp_path):
    out = tmp_path / "out.json"
    _, env = gated(tmp_path, after=2)
    killed = job.start(job.args(out), env)
    kill_when(killed, journal_path(out), 2)
    assert f'"pid": {killed.pid}' in lock_file(out).read_text()  # left behind, but no longer held
    again = invoke(*job.args(out, "--resume"), "--model", "disc", "--checkpoint", job.checkpoint)
    assert again.exit_code == 0, again.stderr
    assert out.read_bytes() == reference and not lock_file(out).exists()


def test_a_journal_with_only_its_header_does_not_block_resume(job, reference, tmp_path):
    """A run stopped by unusable weights leaves a journal with its header only
    (another weights digest than the next run's): --resume starts over."""
    out, bad = tmp_path / "out.json", tmp_path / "bad.pt"
    bad.write_bytes(b"not weights")
    failed = invoke(*job.args(out), "--model", "disc", "--checkpoint", bad)
    assert failed.exit_code == 3 and records(journal_path(out)) == 0 and journal_path(out).exists()
    again = invoke(*job.args(out, "--resume"), "--model", "disc", "--checkpoint", job.checkpoint)
    assert again.exit_code == 0, again.stderr
    assert out.read_bytes() == reference


HOLD = """import sys
from samcli.writers.journal import lock_journal
lock_journal(sys.argv[1])
print("held", flush=True)
sys.stdin.read()
"""


@contextmanager
def held_by_another_process(journal: Path) -> Iterator[int]:
    """A small process holding the journal's lock until the block ends → its pid."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(journal)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)
    try:
        assert holder.stdout.readline() == b"held\n"
        yield holder.pid
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


@pytest.mark.parametrize("command", ["salient", "eval"])
def test_salient_annotations_and_eval_journals_are_locked_too(command, job, tmp_path):
    if command == "salient":
        out_dir = tmp_path / "sal"
        args = ["salient", job.images, "--sod", "spectral", "-o", out_dir / "annotations.json", "--save-cutouts",
                out_dir / "cutouts", "--model", "disc", "-c", job.checkpoint]
        journal = journal_path(out_dir / "annotations.json")
    else:
        evaluation = make_eval_job(tmp_path / "ev")
        args = evaluation.args("box", "-o", tmp_path / "r.json", models="disc")
        journal = journal_path(tmp_path / "r.json.disc")  # one journal per model, beside the report
    journal.parent.mkdir(parents=True, exist_ok=True)
    with held_by_another_process(journal) as pid:
        refused = invoke(*args)
        assert refused.exit_code == 2 and f"pid {pid} on " in refused.stderr, refused.stderr
        assert not journal.exists()
