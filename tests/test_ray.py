"""`--ray` as the README says: a cluster started as its own process (`ray start --head`),
then the `samcli` command, run as a user runs it from another directory with relative
paths, given `--ray 127.0.0.1:PORT`. Outputs are compared byte for byte with a local
run, and after each run nothing of it may be left on the cluster.

The cluster: one per module, on the loopback only, no dashboard, token authentication
on (as Ray 2.59+ turns it on wherever a token exists; the token is this module's own,
never ~/.ray's), stopped and removed afterwards. The fake model (`disc`) comes to the
workers through SAMCLI_PLUGINS and PYTHONPATH, which samcli forwards to them."""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import torch

from tests.cli_helpers import FAKE_ENV, SAMPLES, invoke, samcli
from tests.fake_models import write_checkpoint


TOKEN = secrets.token_hex(16)
AUTH = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": TOKEN}
NO_AUTH = {"RAY_AUTH_MODE": None, "RAY_AUTH_TOKEN": None, "RAY_AUTH_TOKEN_PATH": None}
#: Ray turns 127.0.0.1 into the machine's network address unless this is 0 (its switch for
#: one-machine clusters): with it the cluster listens on the loopback only, and drivers look there
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
#: a line of Ray's own logging (Python's `2026-… INFO worker.py:…`, the C++ core's `[2026-… E …]`)
RAY_LINE = re.compile(r"^\[?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}|core_worker|\(raylet\)", re.MULTILINE)
#: Ray Data's own helper actors: detached, shared by every Ray Data job, no CPU reserved
RAY_DATA_HELPERS = {"ray::_StatsActor", "ray::_AutoscalingCoordinatorActor", "ray::ActorLocationTracker",
                    "ray::_UsageCollectionActor"}
RAY_AGENTS = {"ray::DashboardAgent", "ray::RuntimeEnvAgent"}


def recorded_in(temp: Path) -> dict[str, str]:
    """Where `ray start` records its cluster for `ray.init()` on the node, and where Ray looks:
    this module's folder, not /tmp/ray (other runs on this machine must not find this cluster)."""
    return {"RAY_TMPDIR": str(temp)}


class Cluster:
    def __init__(self, head: subprocess.Popen, address: str, temp: Path) -> None:
        self.head, self.address, self.recorded = head, address, recorded_in(temp)

    def processes(self) -> dict[int, str]:
        """pid → command line of every process under the head (Ray's servers and workers)."""
        return _descendants(self.head.pid)

    def leftovers(self) -> list[str]:
        """Worker processes beyond Ray's agents and Ray Data's helpers (a run's actors and task workers)."""
        return [cmd for cmd in self.processes().values()
                if cmd.startswith("ray::") and cmd not in RAY_AGENTS | RAY_DATA_HELPERS]


def _descendants(root: int) -> dict[int, str]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found: dict[int, str] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        try:
            found[pid] = (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                          .strip())
        except OSError:
            continue
        todo += children.get(pid, [])
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_started(head: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 180
    while b"Ray runtime started" not in log.read_bytes():
        if head.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"ray start --head did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)


def _stop(cluster: Cluster) -> None:
    """SIGTERM to `ray start --block` stops every process it started (at once: no drain);
    any survivor is killed and reported."""
    ours = cluster.processes()
    cluster.head.terminate()
    try:
        cluster.head.wait(timeout=60)
    except subprocess.TimeoutExpired:
        cluster.head.kill()
        cluster.head.wait()
    deadline, alive = time.monotonic() + 15, list(ours)
    while alive and time.monotonic() < deadline:
        time.sleep(0.5)
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"left running after the cluster stopped: {[ours[p] for p in alive]}"


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


@pytest.fixture(scope="module")
def cluster():
    temp = Path(tempfile.mkdtemp(prefix="samcli-ray-"))  # short: Ray's socket paths must fit in 107 bytes
    port, log = _free_port(), temp / "head.log"
    env = {**os.environ, **LOOPBACK, **AUTH, **recorded_in(temp), "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"}
    with open(log, "wb") as out:
        head = subprocess.Popen(
            [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
             "--port", str(port), "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats",
             "--temp-dir", str(temp / "ray")],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=temp, start_new_session=True)
    running = Cluster(head, f"127.0.0.1:{port}", temp)
    try:
        _wait_started(head, log)
        yield running
    finally:
        try:
            _stop(running)
        finally:
            shutil.rmtree(temp, ignore_errors=True)
    assert not temp.exists()


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """A job folder as a user has one: photos, prompts and weights, named relative to it."""
    root = tmp_path_factory.mktemp("job")
    shutil.copytree(SAMPLES / "images", root / "photos")
    shutil.copy(SAMPLES / "prompts" / "prompts.json", root / "boxes.json")
    write_checkpoint(root / "disc.pt")
    return root


def on_cluster(cluster: Cluster, cwd: Path, *args, env: dict | None = None) -> subprocess.CompletedProcess:
    """The `samcli` command in `cwd`, on the cluster (with its token unless `env` says otherwise)."""
    return samcli(*args, "--model", "disc", "--checkpoint", "disc.pt", "--ray", cluster.address, cwd=cwd,
                  env={**FAKE_ENV, **LOOPBACK, **AUTH, **(env or {})})


def locally(job: Path, monkeypatch, *args) -> None:
    monkeypatch.chdir(job)
    result = invoke(*args, "--model", "disc", "--checkpoint", "disc.pt", "-q")
    assert result.exit_code == 0, result.output


def assert_nothing_left(cluster: Cluster) -> None:
    """The run's actors and task workers end with it (Ray may take a moment to reap them)."""
    deadline = time.monotonic() + 20
    while cluster.leftovers() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not cluster.leftovers()


def test_without_the_token_exit_2_at_once_saying_what_to_do(cluster, job, monkeypatch):
    """Ray's own join retries ~20 s, then says `ConnectionError` (samcli: exit 4)."""
    monkeypatch.chdir(job)
    started = time.monotonic()
    result = invoke("segment", "photos", "-p", "boxes.json", "-o", "refused.json", "--model", "disc", "--checkpoint",
                    "disc.pt", "--ray", cluster.address, env=NO_AUTH)
    assert result.exit_code == 2, result.output
    assert time.monotonic() - started < 15
    message = " ".join(result.output.split())
    assert f"the Ray cluster at {cluster.address} requires token authentication" in message
    assert "RAY_AUTH_MODE=token" in message and "~/.ray/auth_token" in message and "ray get-auth-token" in message
    assert not RAY_LINE.search(result.output)


def test_resume_on_the_cluster_from_another_directory_writes_a_local_runs_bytes(cluster, job, monkeypatch):
    """Relative IMAGES, prompts, weights and output: the workers run elsewhere, so paths go to
    them absolute. The journal a local run left is finished on the cluster."""
    segment = ("segment", "photos", "-p", "boxes.json")
    locally(job, monkeypatch, *segment, "-o", "local.json")
    locally(job, monkeypatch, *segment, "-o", "out.json", "--keep-journal")
    journal = job / "out.json.journal.jsonl"
    journal.write_text("".join(journal.read_text().splitlines(keepends=True)[:3]))  # header + 2 of 4: as if killed
    (job / "out.json").unlink()
    result = on_cluster(cluster, job, *segment, "-o", "out.json", "--resume")
    assert result.returncode == 0, result.stderr
    assert (job / "out.json").read_bytes() == (job / "local.json").read_bytes()
    assert "resuming: 2 of 4 images done in the journal" in result.stderr
    assert "this run: 2/2 images done" in result.stderr and "whole output: 4/4 images done" in result.stderr
    assert not RAY_LINE.search(result.stderr), result.stderr  # Ray's own lines stay out (no --verbose)
    assert_nothing_left(cluster)


def salient_outputs(folder: str) -> tuple[str, ...]:
    return ("-o", f"{folder}/annotations.json", "--save-cutouts", f"{folder}/cutouts", "--save-saliency",
            f"{folder}/saliency")


def test_everything_and_salient_on_the_cluster_write_a_local_runs_bytes(cluster, job, monkeypatch):
    """salient with `--ray auto`, as on a node of the cluster: Ray finds the cluster `ray start`
    recorded there (in RAY_TMPDIR), and this machine's token (RAY_AUTH_TOKEN, no RAY_AUTH_MODE)."""
    flags = ("--points-per-side", "4", "--pred-iou-thresh", "0.5", "--stability-score-thresh", "0.5", "-f", "jsonl")
    locally(job, monkeypatch, "everything", "photos", "-o", "local.jsonl", *flags)
    salient = ("salient", "photos", "--sod", "spectral")
    locally(job, monkeypatch, *salient, *salient_outputs("sal-local"))
    assert on_cluster(cluster, job, "everything", "photos", "-o", "ray.jsonl", *flags, "-q").returncode == 0
    on_node = {**FAKE_ENV, **LOOPBACK, **cluster.recorded, "RAY_AUTH_TOKEN": TOKEN}
    result = samcli(*salient, *salient_outputs("sal-ray"), "-q", "--model", "disc", "--checkpoint", "disc.pt",
                    "--ray", "auto", cwd=job, env=on_node)
    assert result.returncode == 0, result.stderr
    assert (job / "ray.jsonl").read_bytes() == (job / "local.jsonl").read_bytes()
    local, on_ray = job / "sal-local", job / "sal-ray"
    assert (on_ray / "annotations.json").read_bytes() == (local / "annotations.json").read_bytes()
    assert json.loads((on_ray / "annotations.json").read_text())["annotations"]
    for sub in ("cutouts", "saliency"):  # pictures drawn here from re-decoded photos and shipped maps
        names = sorted(p.name for p in (local / sub).iterdir())
        assert names and names == sorted(p.name for p in (on_ray / sub).iterdir())
        for name in names:
            assert (on_ray / sub / name).read_bytes() == (local / sub / name).read_bytes(), name
    assert_nothing_left(cluster)


def test_embed_and_segment_with_embeddings_on_the_cluster_write_a_local_runs_bytes(cluster, job, monkeypatch):
    """The embed runner's .npy files and manifest come back from the workers byte for byte;
    a run reading them there encodes nothing and writes a plain local run's output."""
    locally(job, monkeypatch, "embed", "photos", "-o", "emb-local")
    assert on_cluster(cluster, job, "embed", "photos", "-o", "emb-ray", "-q").returncode == 0
    local, on_ray = job / "emb-local", job / "emb-ray"
    names = sorted(p.name for p in local.iterdir())
    assert "embeddings.json" in names and len(names) == 5 and names == sorted(p.name for p in on_ray.iterdir())
    for name in names:
        assert (on_ray / name).read_bytes() == (local / name).read_bytes(), name
    locally(job, monkeypatch, "segment", "photos", "-p", "boxes.json", "-o", "plain.json")
    result = on_cluster(cluster, job, "segment", "photos", "-p", "boxes.json", "-o", "reused.json", "--embeddings",
                        "emb-ray", "--stats")
    assert result.returncode == 0, result.stderr
    assert "images encoded: 0, embeddings read from --embeddings: 3" in result.stderr
    summary = [line for line in result.stderr.splitlines() if "images done" in line]
    assert "3 read from --embeddings" in summary[-1]  # the summary line counts them on Ray too
    plain = json.loads((job / "plain.json").read_text())
    reused = json.loads((job / "reused.json").read_text())
    for image in reused["images"]:
        image.pop("stats", None)
    assert reused["annotations"] == plain["annotations"] and reused["images"] == plain["images"]
    assert_nothing_left(cluster)


def test_weights_the_workers_cannot_load_stop_the_run_at_the_first_batch(cluster, job):
    """Exit 3 with the loader's own words and the node, not one failure per image; with
    --verbose, Ray's own lines are shown too."""
    torch.save({"x": torch.zeros(2)}, job / "other.pt")
    result = samcli("segment", "photos", "-p", "boxes.json", "-o", "bad.json", "--model", "disc", "--checkpoint",
                    "other.pt", "--ray", cluster.address, "--verbose", cwd=job, env={**FAKE_ENV, **LOOPBACK, **AUTH})
    assert result.returncode == 3, result.stderr
    assert "other.pt: not disc weights" in result.stderr  # the loader's own words
    assert "(on Ray node 127.0.0.1)" in result.stderr and "failed dog.jpg" not in result.stderr
    assert RAY_LINE.search(result.stderr)  # --verbose
    assert not (job / "bad.json").exists()
    assert_nothing_left(cluster)


@pytest.mark.slow
def test_a_real_models_output_is_byte_identical_to_a_local_runs(cluster, job, tmp_path):
    """Float results depend on torch's thread count (a score's 6th decimal, a mask's edge
    pixel on truck.jpg with EfficientViT-SAM L0): workers use a local run's, not Ray's one
    per reserved CPU. Both runs with 2 threads, so this holds on any machine."""
    from samcli.bench.weights import stand_in_state_dict
    from samcli.models import get_spec

    torch.save(stand_in_state_dict(get_spec("efficientvit-sam-l0").build()), tmp_path / "l0.pt")
    model = ("--model", "efficientvit-sam-l0", "--checkpoint", tmp_path / "l0.pt", "-q")
    threads = {"OMP_NUM_THREADS": "2"}
    local = samcli("segment", "photos", "-p", "boxes.json", "-o", tmp_path / "local.json", *model, cwd=job, env=threads)
    assert local.returncode == 0, local.stderr
    on_ray = samcli("segment", "photos", "-p", "boxes.json", "-o", tmp_path / "ray.json", *model, "--ray",
                    cluster.address, cwd=job, env={**LOOPBACK, **AUTH, **threads})
    assert on_ray.returncode == 0, on_ray.stderr
    assert (tmp_path / "ray.json").read_bytes() == (tmp_path / "local.json").read_bytes()
