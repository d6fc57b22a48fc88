"""What Ray relies on for `samcli embed --ray` and `--embeddings` runs: the embed
runner built from its spec in a task and an actor, and a result's embedding entry
through JSON. The runs themselves, on a `ray start --head` cluster, are in
tests/test_ray.py (one cluster for all)."""
from __future__ import annotations

import pickle

import numpy as np

from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.records import ImageResult
from samcli.engine.runners import RunnerSpec
from samcli.io.images import list_images
from tests.cli_helpers import SAMPLES
from tests.fake_models import write_checkpoint


def test_the_embed_runner_travels_and_its_results_keep_their_embedding_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMCLI_PLUGINS", "tests.fake_models")
    disc = write_checkpoint(tmp_path / "disc.pt")
    spec = pickle.loads(pickle.dumps(RunnerSpec("embed", "disc", str(disc), None, PipelineOptions())))
    (ref,) = [r for r in list_images(SAMPLES / "images") if r.key == "dog.jpg"]
    loaded = spec.build(weights=False).load(Job(ref))  # a Ray load task: no weights
    (result,) = spec.build().run_loaded([pickle.loads(pickle.dumps(loaded))])  # a model actor
    assert result.maps["embedding"].shape == (1, 1, 4, 4)
    back = ImageResult.from_json(result.to_json())  # how results come back to the driver
    assert back.embedding_info == result.embedding_info and back.embedding_info["resized_hw"] == [684, 1024]
    assert np.array_equal(pickle.loads(pickle.dumps(result.maps))["embedding"], result.maps["embedding"])
