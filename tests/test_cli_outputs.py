"""Where results go, alike in every command: `--out FILE` (or `-` for stdout),
pictures with `--save-<kind> DIR`; no dataset printed into a terminal."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

from tests.cli_helpers import FAKE_ENV, REPO, invoke
from tests.segment_job import make_segment_job


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return make_segment_job(tmp_path_factory.mktemp("job"), 2)


def salient(job, *args):
    return invoke("salient", job.images, "--sod", "spectral", "--threshold", "0.2", "--min-blob-area", "1", *args,
                  "--model", "disc", "-c", job.checkpoint)


def names(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_salient_options_mean_what_they_mean_elsewhere(job, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = salient(job, "-o", "ann.json", "--save-masks", "masks", "--save-overlays", "viz", "--save-saliency", "maps")
    assert run.exit_code == 0, run.output
    assert json.loads((tmp_path / "ann.json").read_text())["images"][0]["file_name"] == "img00.png"
    assert names(tmp_path / "cutouts") == ["img00.png.png", "img01.png.png"]  # the default: a cutout tool cuts out
    assert names(tmp_path / "masks") == ["img00.png/0.png", "img01.png/0.png"]
    assert names(tmp_path / "viz") == ["img00.png.jpg", "img01.png.jpg"]
    assert names(tmp_path / "maps") == ["img00.png.png", "img01.png.png"]
    # -o - streams the annotations like every command; --save-cutouts DIR is exactly DIR
    run = salient(job, "-o", "-", "-f", "jsonl", "--save-cutouts", tmp_path / "cut", "-q")
    assert run.exit_code == 0 and [json.loads(line)["file"] for line in run.stdout.splitlines()] == [
        "img00.png", "img01.png"]
    assert names(tmp_path / "cut") == ["img00.png.png", "img01.png.png"]


def test_salient_out_dir_still_works_with_a_deprecation_warning(job, tmp_path):
    run = salient(job, "--out-dir", tmp_path / "old")
    assert run.exit_code == 0, run.output
    assert "--out-dir is deprecated" in run.stderr and "--save-cutouts" in run.stderr
    assert names(tmp_path / "old") == ["annotations.json", "cutouts/img00.png.png", "cutouts/img01.png.png"]


def in_a_terminal(args: list, cwd) -> tuple[int, str, str]:
    """`samcli ARGS` with stdout on a pseudo-terminal (stderr piped) → exit code, stdout, stderr."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "SAMCLI_OFFLINE": "1", **FAKE_ENV}
    proc = subprocess.Popen([sys.executable, "-m", "samcli", *map(str, args)], stdout=follower,
                            stderr=subprocess.PIPE, env=env, cwd=cwd)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    stderr = proc.stderr.read().decode()
    return proc.wait(timeout=120), shown.decode(), stderr


def test_no_dataset_is_printed_into_a_terminal(job, tmp_path):
    code, shown, stderr = in_a_terminal(["segment", job.images, "-p", job.prompts, "--model", "disc",
                                         "-c", job.checkpoint], tmp_path)
    assert code == 2 and shown == "", (shown, stderr)
    assert "stdout is a terminal" in stderr and "--out FILE" in stderr and "| jq" in stderr
    assert not list(tmp_path.iterdir())  # refused before any work
    # salient's product is its cutouts: in a terminal they are written, the annotations are not
    code, shown, stderr = in_a_terminal(["salient", job.images, "--sod", "spectral", "--threshold", "0.2",
                                         "--min-blob-area", "1", "--model", "disc", "-c", job.checkpoint], tmp_path)
    assert code == 0 and "images" not in shown and "writing the cutouts only" in stderr, (shown, stderr)
    assert names(tmp_path) == ["cutouts/img00.png.png", "cutouts/img01.png.png"]
