"""Killed runs that keep embeddings (separate processes, fake disc model):
`samcli embed` killed with SIGKILL leaves no torn .npy and no manifest, and
`--resume` encodes only what is missing, to the uninterrupted run's files;
a killed `segment --save-embeddings` run's embeddings are added to the
folder's manifest by the next run that saves there."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samcli.io.embeddings import MANIFEST, SAVING_JOURNAL, read_manifest
from tests.cli_helpers import invoke
from tests.segment_job import encodes, kill_when, make_segment_job

N_IMAGES = 12


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return make_segment_job(tmp_path_factory.mktemp("job"), N_IMAGES)


def here(job, *args, log: Path | None = None):
    """The command in this process (only the killed run needs a process of its own)."""
    env = {"SAMCLI_FAKE_ENCODE_LOG": str(log)} if log else {}
    return invoke(*args, "--model", "disc", "--checkpoint", job.checkpoint, env=env)


def test_embed_killed_then_resumed_encodes_only_what_is_missing(job, tmp_path):
    reference = tmp_path / "reference"
    assert here(job, "embed", job.images, "-o", reference, "-q").exit_code == 0
    out, log = tmp_path / "emb", tmp_path / "encoded.log"
    proc = job.start(["embed", job.images, "-o", out, "-q"], {"SAMCLI_FAKE_ENCODE_DELAY": "0.1"})
    journaled = kill_when(proc, out / f"{MANIFEST}.journal.jsonl", N_IMAGES // 2)
    assert 1 <= journaled < N_IMAGES and not (out / MANIFEST).exists()
    for npy in out.glob("*.npy"):  # whole files only (a write cut short is a hidden .part file)
        assert np.load(npy).shape == (1, 1, 4, 4), npy
    refused = here(job, "segment", job.images, "-p", job.prompts, "-o", tmp_path / "o.json", "--embeddings", out)
    assert refused.exit_code == 2 and "did not finish" in refused.output and "--resume" in refused.output

    again = here(job, "embed", job.images, "-o", out, "-q", "--resume", log=log)
    assert again.exit_code == 0, again.output
    assert encodes(log) == N_IMAGES - journaled
    assert (out / MANIFEST).read_bytes() == (reference / MANIFEST).read_bytes()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) \
        == sorted(p.name for p in reference.iterdir())
    for npy in reference.glob("*.npy"):
        assert (out / npy.name).read_bytes() == npy.read_bytes()


def test_a_killed_saving_run_s_embeddings_reach_the_manifest_with_the_next_one(job, tmp_path):
    out, cache, log = tmp_path / "out.json", tmp_path / "cache", tmp_path / "encoded.log"
    args = ["segment", job.images, "-p", job.prompts, "-o", out, "-q", "--save-embeddings", cache]
    journaled = kill_when(job.start(args, {"SAMCLI_FAKE_ENCODE_DELAY": "0.1"}), Path(f"{out}.journal.jsonl"), 4)
    assert (cache / SAVING_JOURNAL).is_file() and not (cache / MANIFEST).exists()
    again = here(job, *args, "--resume", "--embeddings", cache, log=log)
    assert again.exit_code == 0, again.output
    assert encodes(log) == N_IMAGES - journaled
    assert len(read_manifest(cache / MANIFEST).images) == N_IMAGES and not (cache / SAVING_JOURNAL).exists()
