"""yolo-seg and labelstudio in large jobs: shards merged equal the single run
(and overlapping shards are refused), and a run killed with SIGKILL then
resumed writes what an uninterrupted run writes, without encoding again what
the journal holds. The same journal mechanism as coco (tests/test_resume.py,
tests/test_shards.py), with the fake disc model."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import invoke
from tests.test_formats import tree
from tests.segment_job import kill_when, records
from tests.test_resume import N_IMAGES, encodes, job  # noqa: F401  (the module-scoped job fixture)

TARGET = {"yolo-seg": "labels", "labelstudio": "tasks.json"}


@pytest.mark.parametrize("fmt", ["yolo-seg", "labelstudio"])
def test_three_shards_merged_equal_the_single_run(job, tmp_path, fmt):  # noqa: F811  (12 images, two boxes each)
    images, prompts, ckpt = job.images, job.prompts, job.checkpoint

    def segment(out, *extra):
        return invoke("segment", images, "-p", prompts, "-o", out, "-f", fmt, "-q", "--model", "disc",
                      "--checkpoint", ckpt, *extra)

    single = tmp_path / "single" / TARGET[fmt]
    assert segment(single).exit_code == 0
    parts = []
    for i in range(3):
        part = tmp_path / f"part{i}" / TARGET[fmt]
        assert segment(part, "--shard", f"{i}/3").exit_code == 0
        assert Path(f"{part}.shard.json").is_file()
        parts.append(part)
    merged = tmp_path / "merged" / TARGET[fmt]
    result = invoke("merge", *parts, "-o", merged)
    assert result.exit_code == 0, result.output
    assert tree(merged) == tree(single)

    twice = invoke("merge", parts[0], parts[0], "-o", tmp_path / "again" / TARGET[fmt])
    assert twice.exit_code == 2 and "given twice" in twice.output
    if fmt == "yolo-seg":  # the same label in two folders (no manifests to tell): a collision
        copy = tmp_path / "copy"
        shutil.copytree(parts[0], copy)
        clash = invoke("merge", parts[0], copy, "-o", tmp_path / "clash")
        assert clash.exit_code == 2 and "overlapping shards" in clash.output


@pytest.mark.parametrize("fmt", ["yolo-seg", "labelstudio"])
def test_killed_then_resumed_writes_what_an_uninterrupted_run_writes(job, tmp_path, fmt):  # noqa: F811
    def here(*args, env=None):  # in this process: only the run to kill needs one of its own
        return invoke(*args, "--model", "disc", "--checkpoint", job.checkpoint, env=env)

    reference = tmp_path / "ref" / TARGET[fmt]
    assert here(*job.args(reference, "-f", fmt)).exit_code == 0
    out, log = tmp_path / "out" / TARGET[fmt], tmp_path / "encoded.log"
    journal = Path(f"{out}.journal.jsonl")
    proc = job.start(job.args(out, "-f", fmt), {"SAMCLI_FAKE_ENCODE_DELAY": "0.1"})
    journaled = kill_when(proc, journal, N_IMAGES // 2)
    assert 1 <= journaled < N_IMAGES and not out.exists()
    again = here(*job.args(out, "-f", fmt, "--resume"), env={"SAMCLI_FAKE_ENCODE_LOG": str(log)})
    assert again.exit_code == 0, again.output
    assert tree(out) == tree(reference)
    assert encodes(log) == N_IMAGES - journaled and records(journal) == 0
