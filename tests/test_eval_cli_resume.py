"""`samcli eval --resume`: a run killed (SIGKILL) in its first or its second
model, or left with a journal cut short, finishes with --resume and reports
exactly what an uninterrupted run reports (timing aside), never evaluating
again an image a journal holds. A journal from other settings is refused."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import REPO
from tests.eval_cli_data import make_job, report_of
from tests.test_resume import encodes, kill_when, records  # segment's resume tests: the same kill, the same counts

N_IMAGES = 8
MODELS = "disc,oracle"


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return make_job(tmp_path_factory.mktemp("resume"), count=N_IMAGES)


@pytest.fixture(scope="module")
def reference(job, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "r.json"
    done = job.run("point", "--clicks", "1,2", "-o", out, "-q", models=MODELS)
    assert done.returncode == 0, done.stderr
    return report_of(out)


def journal(out: Path, label: str) -> Path:
    return Path(f"{out}.{label}.journal.jsonl")


class Terminated(subprocess.Popen):
    """`kill_when` sends SIGKILL; this process gets SIGTERM instead (a pre-empted node's signal)."""

    def send_signal(self, sig: int) -> None:
        super().send_signal(signal.SIGTERM)


@pytest.mark.parametrize("label, at_least, process", [
    ("disc", 3, subprocess.Popen), ("oracle", 2, subprocess.Popen), ("oracle", 1, Terminated)])
def test_killed_in_either_model_then_resumed_reports_the_same(job, reference, tmp_path, label, at_least, process):
    out, log = tmp_path / "r.json", tmp_path / "encoded.log"
    args = job.args("point", "--clicks", "1,2", "-o", out, "-q", models=MODELS)
    env = {**os.environ, "PYTHONPATH": str(REPO), "SAMCLI_OFFLINE": "1",
           **job.env(SAMCLI_FAKE_ENCODE_DELAY="0.1", SAMCLI_FAKE_ENCODE_LOG=str(log))}
    proc = process([sys.executable, "-m", "samcli", *map(str, args)], env=env, cwd=REPO,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    kill_when(proc, journal(out, label), at_least)
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    if process is Terminated:  # stopped like Ctrl-C: exit 130, the journals kept for --resume
        assert proc.returncode == 130 and "interrupted" in stderr and "--resume" in stderr, stderr
    done = {name: records(journal(out, name)) for name in ("disc", "oracle")}
    assert not out.exists() and done[label] >= at_least and sum(done.values()) < 2 * N_IMAGES
    log.unlink()

    again = job.run("point", "--clicks", "1,2", "-o", out, "--resume", models=MODELS,
                    env={"SAMCLI_FAKE_ENCODE_LOG": str(log)})
    assert again.returncode == 0, again.stderr
    assert report_of(out) == reference
    assert encodes(log) == 2 * N_IMAGES - sum(done.values())  # images in a journal are not evaluated again
    assert f"{label}: resuming: {done[label]} of {N_IMAGES} images done in the journal" in again.stderr
    assert not journal(out, "disc").exists() and not journal(out, "oracle").exists()


def test_a_journal_cut_short_is_repaired_and_gives_the_same_report(job, reference, tmp_path):
    out = tmp_path / "r.json"
    first = job.invoke("point", "--clicks", "1,2", "-o", out, "--keep-journal", "-q", models=MODELS)
    assert first.exit_code == 0, first.stderr
    path = journal(out, "oracle")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:4]) + lines[4][:30])  # header + 3 images, then a torn line
    out.unlink()
    again = job.invoke("point", "--clicks", "1,2", "-o", out, "--resume", models=MODELS)
    assert again.exit_code == 0, again.stderr
    assert "cut short" in again.stderr and "oracle: resuming: 3 of 8 images done in the journal" in again.stderr
    assert f"disc: resuming: {N_IMAGES} of {N_IMAGES}" in again.stderr
    assert report_of(out) == reference


def test_a_journal_from_other_settings_is_refused_and_kept(job, tmp_path):
    out = tmp_path / "r.json"
    assert job.invoke("box", "-o", out, "--keep-journal", "-q", models=MODELS).exit_code == 0
    before = journal(out, "disc").read_bytes()
    other = job.invoke("box", "-o", out, "--resume", "--multimask", "never", models=MODELS)
    assert other.exit_code == 2 and "settings.multimask: 'always' in the journal, 'never' now" in other.stderr
    point = job.invoke("point", "-o", out, "--resume", models=MODELS)
    assert point.exit_code == 2 and "settings.protocol: 'box' in the journal, 'point' now" in point.stderr
    fresh = job.invoke("box", "-o", out, models=MODELS)  # finished work is never thrown away silently
    assert fresh.exit_code == 2 and "add --resume" in fresh.stderr
    assert journal(out, "disc").read_bytes() == before
    # --max-images is not part of the fingerprint: the journal serves any subset
    fewer = job.invoke("box", "-o", out, "--resume", "--max-images", "3", "-q", models=MODELS)
    assert fewer.exit_code == 0 and report_of(out)["models"][0]["images"] == 3
