"""Killed runs resume: SIGKILL at three points of a `segment` run (after the
first batch, mid-run, while writing the output) and once mid-`everything`;
each rerun with --resume writes the same bytes as an uninterrupted run and
never encodes again an image the journal already holds. Plus the documented
behaviour for a torn journal, a journal from other settings, and --resume
without a journal. Runs with the fake disc model (no fixtures needed)."""
from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.segment_job import encodes, kill_when, make_segment_job, records

N_IMAGES = 12


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """12 small photos, two boxes each, and the disc model's weights."""
    return make_segment_job(tmp_path_factory.mktemp("job"), N_IMAGES)


@pytest.fixture(scope="module")
def reference(job, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out.json"
    done = job.run(job.args(out))
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


@pytest.mark.parametrize("kill_at", [1, N_IMAGES // 2, "finalise"])
def test_segment_killed_then_resumed_writes_the_same_bytes(job, reference, tmp_path, kill_at):
    out, log = tmp_path / "out.json", tmp_path / "encoded.log"
    journal = Path(f"{out}.journal.jsonl")
    env = {"SAMCLI_FAKE_ENCODE_LOG": str(log), "SAMCLI_FAKE_ENCODE_DELAY": "0.1"}
    if kill_at == "finalise":
        killed = job.run(job.args(out), env={**env, "SAMCLI_FAKE_KILL_IN_FINALISE": "1"})
        assert killed.returncode == -signal.SIGKILL
        journaled = records(journal)
        assert journaled == N_IMAGES and not out.exists()  # no half-written output, all work kept
    else:
        journaled = kill_when(job.start(job.args(out), env), journal, kill_at)
        assert 1 <= journaled < N_IMAGES
    first_run_encodes = encodes(log)
    log.unlink(missing_ok=True)

    again = job.run(job.args(out, "--resume"), env={"SAMCLI_FAKE_ENCODE_LOG": str(log)})
    assert again.returncode == 0, again.stderr
    assert out.read_bytes() == reference
    assert encodes(log) == N_IMAGES - journaled  # journaled images were not encoded again
    assert first_run_encodes >= journaled and not journal.exists()


def test_everything_killed_mid_run_then_resumed_writes_the_same_bytes(job, tmp_path):
    images = job.images
    flags = ["--points-per-side", "4", "--pred-iou-thresh", "0.5", "--stability-score-thresh", "0.5", "-f", "jsonl", "-q"]
    ref = tmp_path / "ref.jsonl"
    assert job.run(["everything", images, "-o", ref, *flags]).returncode == 0
    out, log = tmp_path / "out.jsonl", tmp_path / "encoded.log"
    journal = Path(f"{out}.journal.jsonl")
    proc = job.start(["everything", images, "-o", out, *flags], {"SAMCLI_FAKE_ENCODE_DELAY": "0.1"})
    journaled = kill_when(proc, journal, N_IMAGES // 2)
    again = job.run(["everything", images, "-o", out, "--resume", *flags], env={"SAMCLI_FAKE_ENCODE_LOG": str(log)})
    assert again.returncode == 0, again.stderr
    assert out.read_bytes() == ref.read_bytes() and encodes(log) == N_IMAGES - journaled


def test_a_torn_journal_line_is_redone_with_a_warning(job, reference, tmp_path):
    out = tmp_path / "out.json"
    job.run(job.args(out, "--keep-journal"))
    journal = Path(f"{out}.journal.jsonl")
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:4]) + lines[4][:25])  # 3 records, then a line cut short
    out.unlink()
    again = job.run(job.args(out, "--resume", quiet=False))
    assert again.returncode == 0, again.stderr
    assert "cut short" in again.stderr and "resuming: 3 of 12" in again.stderr
    assert out.read_bytes() == reference


def test_a_journal_from_other_settings_is_refused_and_kept(job, tmp_path):
    out = tmp_path / "out.json"
    job.run(job.args(out, "--keep-journal"))
    journal = Path(f"{out}.journal.jsonl")
    before = journal.read_bytes()
    again = job.run(job.args(out, "--resume", "--multimask", "always"))
    assert again.returncode == 2 and "multimask: 'auto' in the journal, 'always' now" in again.stderr
    assert journal.read_bytes() == before
    fresh = job.run(job.args(out))  # no --resume: the journal's work is not thrown away silently
    assert fresh.returncode == 2 and "--resume" in fresh.stderr and journal.read_bytes() == before


def test_resume_without_a_journal_starts_from_the_beginning(job, reference, tmp_path):
    out = tmp_path / "out.json"
    again = job.run(job.args(out, "--resume", quiet=False))
    assert again.returncode == 0 and "no journal" in again.stderr
    assert out.read_bytes() == reference


def test_resume_needs_an_output_file(job):
    again = job.run(["segment", job.images, "-p", job.prompts, "-f", "jsonl", "--resume"])
    assert again.returncode == 2 and "--out" in again.stderr
