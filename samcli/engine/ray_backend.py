"""Running a command's runner on a Ray cluster with Ray Data (`--ray`).

The same engine, split where it already splits: the job list becomes a Ray
dataset; `load` (decode, per-image preparation, resize: no weights) runs as
CPU tasks; `run_loaded` (encode once per image, decode prompts, masks) runs in
a pool of actors, one model each (one GPU each on a GPU cluster); results
stream back to the driver in order, which writes them through the same
writers and journal as a local run. Ray does the scheduling.

Items cross processes pickled (jobs hold numpy prompts, loaded items tensors);
results come back as the journal's JSON, plus kept maps. The checkpoint path
must be readable on every node (a shared disk, or the same cache path).
"""
from __future__ import annotations

import json
import logging
import os
import pickle
from functools import lru_cache
from typing import Iterable, Iterator

import numpy as np

from samcli.engine.pipeline import Job
from samcli.engine.records import ImageResult
from samcli.engine.runners import RunnerSpec
from samcli.errors import SamcliError

LOAD_CPUS = 0.5
#: environment the workers need to find the same code and plugin models
FORWARDED_ENV = ("SAMCLI_PLUGINS", "SAMCLI_HOME", "SAMCLI_OFFLINE", "PYTHONPATH")


def connect(address: str) -> None:
    """'auto': the cluster this machine belongs to (or the one this process already
    joined), else a new local one; otherwise a cluster address."""
    try:
        import ray
    except ImportError:
        raise SamcliError("--ray needs Ray: pip install 'samcli[ray]'") from None
    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")
    env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
    runtime_env = {"env_vars": env} if env else None
    if address == "auto":
        try:
            ray.init(address="auto", runtime_env=runtime_env, log_to_driver=False)
        except ConnectionError:
            ray.init(runtime_env=runtime_env, log_to_driver=False)
    else:
        ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)


def default_actors() -> tuple[int, float, float]:
    """(actors, GPUs per actor, CPUs per actor): one actor per GPU, else one per 2 CPUs."""
    import ray

    resources = ray.cluster_resources()
    gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 1))
    if gpus:
        return gpus, 1.0, 1.0
    return max(1, cpus // 2), 0.0, 1.0


@lru_cache(maxsize=4)
def _loader(spec_bytes: bytes):
    return pickle.loads(spec_bytes).build(weights=False)


def _load_row(row: dict, spec_bytes: bytes) -> dict:
    """A CPU task: one job → its loaded item (decoded and resized)."""
    item = _loader(spec_bytes).load(pickle.loads(row["job"]))
    return {"item": pickle.dumps(item)}


class _ModelStage:
    """An actor holding one model: batches of loaded items → results."""

    def __init__(self, spec_bytes: bytes) -> None:
        self.runner = pickle.loads(spec_bytes).build(weights=True)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        items = [pickle.loads(b) for b in batch["item"]]
        results = list(self.runner.run_loaded(items))
        return {"result": np.array([json.dumps(r.to_json()) for r in results], dtype=object),
                "maps": np.array([pickle.dumps(r.maps) for r in results], dtype=object)}


def run_on_ray(spec: RunnerSpec, jobs: Iterable[Job], address: str = "auto",
               actors: int | None = None) -> Iterator[ImageResult]:
    """Results in job order. Pictures (overlays, cutouts) are drawn by the driver's
    writers, which decode the photo again: images never travel back."""
    import ray

    connect(address)
    n_default, gpus, cpus = default_actors()
    spec = spec.with_pipeline(keep_images=False, workers=1)
    spec_bytes = pickle.dumps(spec)
    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)  # samcli reports progress itself
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # stdout JSON Lines in input order
    context.enable_progress_bars = False  # samcli draws its own
    context.print_on_execution_start = False
    rows = [{"job": pickle.dumps(job)} for job in jobs]
    if not rows:
        return
    ds = ray.data.from_items(rows)
    # half a CPU per load task: decoding waits on I/O part of the time, and resources
    # unlike the actors' keep Ray from fusing the two stages into one
    ds = ds.map(_load_row, fn_kwargs={"spec_bytes": spec_bytes}, num_cpus=LOAD_CPUS)
    ds = ds.map_batches(_ModelStage, fn_constructor_kwargs={"spec_bytes": spec_bytes},
                        batch_size=spec.pipeline.batch_size, compute=ray.data.ActorPoolStrategy(size=actors or n_default),
                        num_gpus=gpus, num_cpus=cpus, batch_format="numpy")
    for row in ds.iter_rows():
        result = ImageResult.from_json(json.loads(row["result"]))
        result.maps = pickle.loads(row["maps"])
        yield result
