"""`samcli embed --ray` and `segment --embeddings --ray`: the embed runner as
Ray Data stages on a local cluster, its embeddings shipped back to this process
with the results; the same folder and output bytes as one process. Marked
slow (a cluster start, ~40 s): the fast cases below check what Ray relies on,
the runner built from its spec and a result's embedding entry through JSON."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.records import ImageResult
from samcli.engine.runners import RunnerSpec
from samcli.io.embeddings import MANIFEST
from samcli.io.images import list_images
from tests.cli_helpers import FAKE_ENV, REPO, SAMPLES, invoke
from tests.fake_models import write_checkpoint


@pytest.fixture(scope="module")
def cluster():
    import ray  # never skipped: `make setup` installs samcli[ray]

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(REPO), **FAKE_ENV}})
    yield
    ray.shutdown()


@pytest.mark.slow
def test_embed_and_reuse_on_ray_equal_one_process(cluster, tmp_path):
    disc = write_checkpoint(tmp_path / "disc.pt")
    model = ["--model", "disc", "--checkpoint", disc, "-q"]
    for name, extra in (("local", []), ("ray", ["--ray", "auto"])):
        result = invoke("embed", SAMPLES / "images", "-o", tmp_path / name, *model, *extra)
        assert result.exit_code == 0, result.output
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    assert (on_ray / MANIFEST).read_bytes() == (local / MANIFEST).read_bytes()
    for npy in local.glob("*.npy"):
        assert (on_ray / npy.name).read_bytes() == npy.read_bytes()
    prompts = SAMPLES / "prompts" / "prompts.json"
    outs = []
    for name, extra in (("plain", []), ("reused", ["--embeddings", local, "--ray", "auto"])):
        outs.append(tmp_path / f"{name}.json")
        result = invoke("segment", SAMPLES / "images", "-p", prompts, "-o", outs[-1], *model, *extra)
        assert result.exit_code == 0, result.output
    assert outs[0].read_bytes() == outs[1].read_bytes()


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
