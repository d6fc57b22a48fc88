"""The parts of `--ray` that need no cluster: what the workers are sent (absolute paths,
the environment, the thread count), what stops a run before its first image, the
address check, the pool's shape, and keeping Ray's own lines off the terminal.
Runs on a real cluster: tests/test_ray.py."""
from __future__ import annotations

import os
import pickle
import socket
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.ray_backend import _load_row, _ModelStage, pool_shape
from samcli.engine.ray_cluster import check_address, worker_env
from samcli.engine.ray_job import for_cluster, verdict, what_is_missing
from samcli.engine.ray_quiet import ray_lines_hidden
from samcli.engine.records import ImageResult
from samcli.engine.runners import RunnerSpec
from samcli.engine.segment import SegmentOptions
from samcli.errors import CheckpointError, InputError, SamcliError
from samcli.io.images import ImageRef
from tests.fake_models import write_checkpoint


def spec(checkpoint: str, model: str = "disc", saliency=None) -> RunnerSpec:
    return RunnerSpec("segment", model, checkpoint, SegmentOptions(), PipelineOptions(device="cpu"), saliency)


def test_the_workers_get_every_path_absolute_and_results_keep_the_path_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    jobs = [Job(ImageRef(Path("photos/a.jpg"), "a.jpg")), Job(ImageRef(Path("/data/b.jpg"), "b.jpg"))]
    job = for_cluster(spec("w/disc.pt", saliency=("u2netp", "w/u2netp.pth")), jobs)
    assert [j.ref.path for j in job.jobs] == [tmp_path / "photos/a.jpg", Path("/data/b.jpg")]
    assert [j.ref.key for j in job.jobs] == ["a.jpg", "b.jpg"]
    assert job.spec.checkpoint == str(tmp_path / "w/disc.pt") and job.spec.saliency[1] == str(tmp_path / "w/u2netp.pth")
    assert job.weights == [str(tmp_path / "w/disc.pt"), str(tmp_path / "w/u2netp.pth")]
    assert job.models == ["disc", "u2netp"] and job.threads == torch.get_num_threads()
    assert not job.spec.pipeline.keep_images  # pictures are drawn by the driver
    assert job.as_here(ImageResult("a.jpg", str(tmp_path / "photos/a.jpg"))).path == "photos/a.jpg"
    reusing = spec("w/disc.pt").with_pipeline(embeddings="emb")
    assert for_cluster(reusing, jobs).spec.pipeline.embeddings == str(tmp_path / "emb")  # --embeddings DIR
    weight_free = for_cluster(spec("w/disc.pt", saliency=("spectral", None)), jobs)
    assert weight_free.weights == [str(tmp_path / "w/disc.pt")] and weight_free.models == ["disc"]


def test_the_workers_environment_names_this_directory_absolutely(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["src", "/opt/lib", ""]))
    monkeypatch.setenv("SAMCLI_HOME", "cache")
    monkeypatch.setenv("SAMCLI_PLUGINS", "tests.fake_models")
    env = worker_env()
    assert env["PYTHONPATH"].split(os.pathsep) == [str(tmp_path / "src"), "/opt/lib", str(tmp_path)]
    assert env["SAMCLI_HOME"] == str(tmp_path / "cache") and env["SAMCLI_PLUGINS"] == "tests.fake_models"


def test_what_a_worker_misses_stops_the_run_with_the_right_exit(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMCLI_PLUGINS", "tests.fake_models")
    weights, image = write_checkpoint(tmp_path / "disc.pt"), tmp_path / "a.jpg"
    image.write_bytes(b"")
    node, unknown, no_weights, no_images = what_is_missing(["disc", "nope"], [str(weights), "/gone.pt"],
                                                           [str(image), "/gone.jpg"])
    assert node and len(unknown) == 1 and "unknown model 'nope'" in unknown[0]
    assert (no_weights, no_images) == (["/gone.pt"], ["/gone.jpg"])
    verdict("10.0.0.7", [], [], [], 8)  # nothing missing: the run goes on
    with pytest.raises(SamcliError, match=r"on the Ray cluster \(node 10.0.0.7\): unknown model 'nope'.*importable"):
        verdict("10.0.0.7", unknown, no_weights, no_images, 2)
    with pytest.raises(CheckpointError, match="weights cannot be read: /gone.pt: every node needs them"):
        verdict("10.0.0.7", [], no_weights, no_images, 2)
    with pytest.raises(InputError, match="1 of the first 2 images cannot be read, e.g. /gone.jpg"):
        verdict("10.0.0.7", [], [], no_images, 2)


def test_weights_a_worker_cannot_load_come_back_as_the_runs_fault(tmp_path, monkeypatch):
    """Not an exception in the actor (Ray would retry it, then say ActorDiedError): a row
    the driver raises, as the loader's own error, naming the node."""
    monkeypatch.setenv("SAMCLI_PLUGINS", "tests.fake_models")
    torch.save({"x": torch.zeros(2)}, tmp_path / "other.pt")
    threads = torch.get_num_threads()
    stage = _ModelStage(pickle.dumps(spec(str(tmp_path / "other.pt"))), threads)
    rows = stage({"item": np.array([b"", b""], dtype=object), "fault": np.array([b"", b""], dtype=object)})
    faults = [pickle.loads(f) for f in rows["fault"]]
    assert all(isinstance(f, CheckpointError) and "other.pt: not disc weights" in str(f) and "(on Ray node " in str(f)
               for f in faults)
    loaded = _load_row({"job": pickle.dumps(Job(ImageRef(tmp_path / "a.jpg", "a.jpg")))},
                       pickle.dumps(spec("x.pt", model="nope")), threads)
    assert "unknown model 'nope'" in str(pickle.loads(loaded["fault"]))


def test_a_working_stage_passes_results_and_earlier_faults_on(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMCLI_PLUGINS", "tests.fake_models")
    runner_spec = pickle.dumps(spec(str(write_checkpoint(tmp_path / "disc.pt"))))
    image = tmp_path / "a.png"
    from PIL import Image

    Image.new("RGB", (40, 30)).save(image)
    item = _load_row({"job": pickle.dumps(Job(ImageRef(image, "a.png")))}, runner_spec, 1)
    assert item["fault"] == b""
    stage = _ModelStage(runner_spec, 1)
    done = stage({"item": np.array([item["item"]], dtype=object), "fault": np.array([b""], dtype=object)})
    assert done["fault"][0] == b"" and '"file": "a.png"' in done["result"][0] and '"width": 40' in done["result"][0]
    fault = pickle.dumps(SamcliError("earlier"))  # a load task's: the run stops, so the whole batch says so
    passed = stage({"item": np.array([item["item"], b""], dtype=object), "fault": np.array([b"", fault], dtype=object)})
    assert list(passed["fault"]) == [fault, fault]


def test_an_address_nobody_answers_or_that_is_no_address_is_exit_2_at_once():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    started = time.monotonic()
    with pytest.raises(SamcliError, match=f"--ray 127.0.0.1:{port}: no Ray cluster answers there.*ray start --head"):
        check_address(f"127.0.0.1:{port}")
    assert time.monotonic() - started < 5
    with pytest.raises(SamcliError, match="give auto, HOST:PORT"):
        check_address("head-node")


def test_the_pool_reserves_a_local_runs_threads_per_actor_and_leaves_each_node_a_cpu():
    assert pool_shape(threads=8, gpus=4, node_cpus=[32]) == (4, 1.0, 1.0)  # one actor per GPU
    assert pool_shape(threads=2, gpus=0, node_cpus=[2]) == (1, 0.0, 1.0)  # `ray start --head --num-cpus 2`
    assert pool_shape(threads=4, gpus=0, node_cpus=[16, 16]) == (6, 0.0, 4.0)
    assert pool_shape(threads=1, gpus=0, node_cpus=[8]) == (7, 0.0, 1.0)
    assert pool_shape(threads=64, gpus=0, node_cpus=[8, 4]) == (1, 0.0, 7.0)


def test_ray_lines_go_nowhere_and_samclis_own_still_show(capfd):
    """Under pytest's capture sys.stderr is not descriptor 2: only the descriptor is
    redirected (with a real terminal, sys.stderr moves to a copy of it: tests/test_ray.py)."""
    import sys

    with ray_lines_hidden():
        os.write(2, b"[2026-01-01 00:00:00,000 E 1 1] core_worker.cc: Ray's own\n")
        print("samcli's own", file=sys.stderr)
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "samcli's own" in err and "after" in err and "core_worker" not in err



def test_a_cluster_failure_is_its_own_exit_code_and_a_task_error_is_not():
    """A node or actor that dies under the run is the cluster's fault (exit 6, resume),
    not a bug in samcli (4); an exception our own code raised in a task stays what it is."""
    import ray.exceptions

    from samcli.cli.drive import fault_exit_code
    from samcli.cli.exit_codes import EXIT_CLUSTER, EXIT_INTERNAL

    assert fault_exit_code(ray.exceptions.NodeDiedError("node 1 died")) == EXIT_CLUSTER
    assert fault_exit_code(ray.exceptions.ActorDiedError()) == EXIT_CLUSTER
    task_error = ray.exceptions.RayTaskError("segment", "Traceback ...", ValueError("ours"))
    assert fault_exit_code(task_error) == EXIT_INTERNAL
    assert fault_exit_code(ValueError("ours")) == EXIT_INTERNAL
