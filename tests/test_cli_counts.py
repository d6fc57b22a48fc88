"""Counts in the summary you can trust: plurals, a resumed run's own images and
the whole output's, and a warning about the whole run said once."""
from __future__ import annotations

import json

import pytest

from samcli.writers.journal import journal_path
from tests.cli_helpers import invoke
from tests.segment_job import make_segment_job


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return make_segment_job(tmp_path_factory.mktemp("job"), 3)


def run(job, *args):
    result = invoke(*args, "--model", "disc", "-c", job.checkpoint)
    assert result.exit_code == 0, result.output
    return result


def test_one_warning_is_one_warning(job, tmp_path):
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"images": [{"file": "img00.png", "prompts": [{"box": [-5, 4, 30, 30]}]}]}))
    summary = run(job, "segment", job.images, "-p", prompts, "-o", tmp_path / "o.json").stderr
    assert "1 mask, 1 warning," in summary and "warnings" not in summary, summary


def test_a_resumed_run_counts_itself_and_the_whole_output(job, tmp_path):
    out = tmp_path / "out.json"
    run(job, *job.args(out, "--keep-journal", quiet=False))
    journal = journal_path(out)
    lines = journal.read_text().splitlines(keepends=True)
    journal.write_text("".join(lines[:2]))  # the header and the first image: as if killed there
    out.unlink()
    summary = run(job, *job.args(out, "--resume", quiet=False)).stderr
    assert "resuming: 1 of 3 images done in the journal" in summary
    assert "this run: 2/2 images done, 0 failed, 4 masks, 0 warnings" in summary, summary
    assert "whole output: 3/3 images done, 0 failed, 6 masks (1 image from earlier runs, in the journal)" in summary
    assert len(json.loads(out.read_text())["annotations"]) == 6


def test_a_warning_about_the_whole_run_is_said_once(job, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run(job, "everything", job.images, "--hierarchical", "--crop-n-layers", "1", "--points-per-side", "4",
                 "-f", "jsonl", "-o", out)
    assert result.stderr.count("hierarchical mode ignores crop_n_layers") == 1, result.stderr
    assert "3/3 images done" in result.stderr and ", 1 warning," in result.stderr
    assert not any("warnings" in json.loads(line) for line in out.read_text().splitlines())  # not per image
