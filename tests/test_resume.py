"""Killed runs resume: SIGKILL at three points of a `segment` run (after the
first batch, mid-run, while writing the output) and once mid-`everything`;
each rerun with --resume writes the same bytes as an uninterrupted run and
never encodes again an image the journal already holds. Plus the documented
behaviour for a torn journal, a journal from other settings, and --resume
without a journal. Runs with the fake disc model (no fixtures needed)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli_helpers import FAKE_ENV, REPO, samcli_fake
from tests.fake_models import write_checkpoint

N_IMAGES = 12


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """12 small photos, two boxes each, and the disc model's weights."""
    root = tmp_path_factory.mktemp("job")
    images = root / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    entries = []
    for i in range(N_IMAGES):
        name = f"img{i:02d}.png"
        Image.fromarray(rng.integers(0, 255, (48 + i, 64, 3), dtype=np.uint8)).save(images / name)
        entries.append({"file": name, "prompts": [{"box": [4, 4, 30, 30]}, {"box": [20, 10, 60, 40 + i]}]})
    prompts = root / "prompts.json"
    prompts.write_text(json.dumps({"images": entries}))
    return images, prompts, write_checkpoint(root / "disc.pt")


def segment_args(job, out: Path, *extra, quiet: bool = True) -> list:
    images, prompts, _ = job
    return ["segment", images, "-p", prompts, "-o", out, *(["-q"] if quiet else []), *extra]


def run(job, args: list, env: dict | None = None) -> subprocess.CompletedProcess:
    return samcli_fake(*args, checkpoint=job[2], env=env)


def start(job, args: list, env: dict) -> subprocess.Popen:
    full = {**os.environ, "PYTHONPATH": str(REPO), "SAMCLI_OFFLINE": "1", **FAKE_ENV, **env}
    cmd = [sys.executable, "-m", "samcli", *map(str, args), "--model", "disc", "--checkpoint", str(job[2])]
    return subprocess.Popen(cmd, env=full, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def records(journal: Path) -> int:
    """Complete image records in a journal (its first line is the header)."""
    if not journal.exists():
        return 0
    return max(0, journal.read_bytes().count(b"\n") - 1)


def kill_when(proc: subprocess.Popen, journal: Path, at_least: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while records(journal) < at_least:
        assert proc.poll() is None, f"finished before it could be killed: {proc.stderr.read().decode()}"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return records(journal)


def encodes(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture(scope="module")
def reference(job, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out.json"
    done = run(job, segment_args(job, out))
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


@pytest.mark.parametrize("kill_at", [1, N_IMAGES // 2, "finalise"])
def test_segment_killed_then_resumed_writes_the_same_bytes(job, reference, tmp_path, kill_at):
    out, log = tmp_path / "out.json", tmp_path / "encoded.log"
    journal = Path(f"{out}.journal.jsonl")
    env = {"SAMCLI_FAKE_ENCODE_LOG": str(log), "SAMCLI_FAKE_ENCODE_DELAY": "0.1"}
    if kill_at == "finalise":
        killed = run(job, segment_args(job, out), env={**env, "SAMCLI_FAKE_KILL_IN_FINALISE": "1"})
        assert killed.returncode == -signal.SIGKILL
        journaled = records(journal)
        assert journaled == N_IMAGES and not out.exists()  # no half-written output, all work kept
    else:
        journaled = kill_when(start(job, segment_args(job, out), env), journal, kill_at)
        assert 1 <= journaled < N_IMAGES
    first_run_encodes = encodes(log)
    log.unlink(missing_ok=True)

    again = run(job, segment_args(job, out, "--resume"), env={"SAMCLI_FAKE_ENCODE_LOG": str(log)})
    assert again.returncode == 0, again.stderr
    assert out.read_bytes() == reference
    assert encodes(log) == N_IMAGES - journaled  # journaled images were not encoded again
    assert first_run_encodes >= journaled and not journal.exists()


def test_everything_killed_mid_run_then_resumed_writes_the_same_bytes(job, tmp_path):
    images = job[0]
    flags = ["--points-per-side", "4", "--pred-iou-thresh", "0.5", "--stability-score-thresh", "0.5", "-f", "jsonl", "-q"]
    ref = tmp_path / "ref.jsonl"
    assert run(job, ["everything", images, "-o", ref, *flags]).returncode == 0
    out, log = tmp_path / "out.jsonl", tmp_path / "encoded.log"
    journal = Path(f"{out}.journal.jsonl")
    proc = start(job, ["everything", images, "-o", out, *flags], {"SAMCLI_FAKE_ENCODE_DELAY": "0.1"})
    journaled = kill_when(proc, journal, N_IMAGES // 2)
    again = run(job, ["everything", images, "-o", out, "--resume", *flags], env={"SAMCLI_FAKE_ENCODE_LOG": str(log)})
    assert again.returncode == 0, again.stderr
    assert out.read_bytes() == ref.read_bytes() and encodes(log) == N_IMAGES - journaled


def test_a_torn_journal_line_is_redone_with_a_warning(job, reference, tmp_path):
    out = tmp_path / "out.json"
    run(job, segment_args(job, out, "--keep-journal"))
    journal = Path(f"{out}.journal.jsonl")
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:4]) + lines[4][:25])  # 3 records, then a line cut short
    out.unlink()
    again = run(job, segment_args(job, out, "--resume", quiet=False))
    assert again.returncode == 0, again.stderr
    assert "cut short" in again.stderr and "resuming: 3 of 12" in again.stderr
    assert out.read_bytes() == reference


def test_a_journal_from_other_settings_is_refused_and_kept(job, tmp_path):
    out = tmp_path / "out.json"
    run(job, segment_args(job, out, "--keep-journal"))
    journal = Path(f"{out}.journal.jsonl")
    before = journal.read_bytes()
    again = run(job, segment_args(job, out, "--resume", "--multimask", "always"))
    assert again.returncode == 2 and "multimask: 'auto' in the journal, 'always' now" in again.stderr
    assert journal.read_bytes() == before
    fresh = run(job, segment_args(job, out))  # no --resume: the journal's work is not thrown away silently
    assert fresh.returncode == 2 and "--resume" in fresh.stderr and journal.read_bytes() == before


def test_resume_without_a_journal_starts_from_the_beginning(job, reference, tmp_path):
    out = tmp_path / "out.json"
    again = run(job, segment_args(job, out, "--resume", quiet=False))
    assert again.returncode == 0 and "no journal" in again.stderr
    assert out.read_bytes() == reference


def test_resume_needs_an_output_file(job):
    images, prompts, _ = job
    again = run(job, ["segment", images, "-p", prompts, "-f", "jsonl", "--resume"])
    assert again.returncode == 2 and "--out" in again.stderr
