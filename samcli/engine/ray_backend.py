"""Running a command's runner on a Ray cluster with Ray Data (`--ray`).

The same engine, split where it already splits: the job list becomes a Ray
dataset; `load` (decode, per-image preparation, resize: no weights) runs as
CPU tasks; `run_loaded` (encode once per image, decode prompts, masks) runs in
a pool of actors, one model each (one GPU each on a GPU cluster); results
stream back to the driver in order, which writes them through the same
writers and journal as a local run. Ray does the scheduling.

Items cross processes pickled (jobs hold numpy prompts, loaded items tensors);
results come back as the journal's JSON, plus kept maps. What the workers see
of the job (absolute paths, thread count) and the check that they can do it
are in `ray_job`; joining the cluster in `ray_cluster`.

A fault that would fail every image (weights a worker cannot load, a model it
does not know) travels back as a row of its own and stops the run with its
own error, at the first batch; a run ends its actors when it ends, however.
"""
from __future__ import annotations

import json
import logging
import pickle
from contextlib import ExitStack
from functools import lru_cache
from typing import Generator, Iterator

import numpy as np

from samcli.engine.jobs import Job
from samcli.engine.ray_job import ClusterJob, check_workers, for_cluster
from samcli.engine.records import ImageResult
from samcli.engine.runners import RunnerSpec
from samcli.errors import SamcliError, describe

LOAD_CPUS = 0.5


class RayRun:
    """One run on a Ray cluster, from joining it to leaving it as it was. `start`
    (exit-worthy errors: SamcliError, CheckpointError) → results in job order;
    `close` (or leaving the `with`) ends the run's actors and tasks, leaves the
    cluster if this run joined it, and gives the terminal back."""

    def __init__(self, spec: RunnerSpec, jobs: list[Job], address: str = "auto", actors: int | None = None,
                 verbose: bool = False) -> None:
        self.spec, self.jobs, self.address, self.actors, self.verbose = spec, jobs, address, actors, verbose
        self._stack = ExitStack()
        self._results: Generator[ImageResult, None, None] | None = None

    def start(self) -> Iterator[ImageResult]:
        from samcli.engine.ray_cluster import joined
        from samcli.engine.ray_quiet import ray_lines_hidden

        try:
            import ray.data  # noqa: F401 (before hiding: Ray's loggers keep the stderr that is hidden)
        except ImportError:
            raise SamcliError("--ray needs Ray: pip install 'samcli[ray]'") from None
        if not self.verbose:
            logging.getLogger("ray.data").setLevel(logging.ERROR)  # samcli reports progress itself
            self._stack.enter_context(ray_lines_hidden())
        self._stack.enter_context(joined(self.address, self.verbose))
        job = for_cluster(self.spec, self.jobs)
        check_workers(job)
        self._results = _stream(job, self.actors)
        return self._results

    def close(self) -> None:
        if self._results is not None:
            self._results.close()  # Ray Data stops the execution: its actors are killed
        self._stack.close()

    def __enter__(self) -> "RayRun":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def pool_shape(threads: int, gpus: int, node_cpus: list[int]) -> tuple[int, float, float]:
    """(actors, GPUs per actor, CPUs per actor): one actor per GPU; on CPUs, each actor
    reserves the CPUs its torch threads use (at most all but one of a node's, left for
    decoding), and as many actors as fit."""
    if gpus:
        return gpus, 1.0, 1.0
    cpus = max(1, min(threads, max(node_cpus, default=1) - 1))
    return max(1, sum((c - 1) // cpus for c in node_cpus)), 0.0, float(cpus)


def _cluster_shape(threads: int) -> tuple[int, float, float]:
    import ray

    nodes = [int(n["Resources"].get("CPU", 0)) for n in ray.nodes() if n.get("Alive")]
    return pool_shape(threads, int(ray.cluster_resources().get("GPU", 0)), nodes)


def _same_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _fault(exc: Exception) -> bytes:
    """What stops the run, for the driver to raise: a samcli error as itself, naming the
    node; anything else as the bug it is."""
    import ray

    where = f"on Ray node {ray.util.get_node_ip_address()}"
    error = type(exc)(f"{exc} ({where})") if isinstance(exc, SamcliError) else RuntimeError(f"{where}: {describe(exc)}")
    return pickle.dumps(error)


@lru_cache(maxsize=4)
def _loader(spec_bytes: bytes, threads: int):
    _same_threads(threads)
    return pickle.loads(spec_bytes).build(weights=False)


def _load_row(row: dict, spec_bytes: bytes, threads: int) -> dict:
    """A CPU task: one job → its loaded item (decoded and resized); a failing image is
    its own result, a loader that cannot be built the run's fault."""
    try:
        loader = _loader(spec_bytes, threads)
    except Exception as exc:
        return {"item": b"", "fault": _fault(exc)}
    return {"item": pickle.dumps(loader.load(pickle.loads(row["job"]))), "fault": b""}


class _ModelStage:
    """An actor holding one model: batches of loaded items → results."""

    def __init__(self, spec_bytes: bytes, threads: int) -> None:
        _same_threads(threads)
        self.runner, self.fault = None, b""
        try:
            self.runner = pickle.loads(spec_bytes).build(weights=True)
        except Exception as exc:  # e.g. weights this node cannot read: every batch says so
            self.fault = _fault(exc)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        n = len(batch["item"])
        fault = self.fault or next((f for f in batch["fault"] if f), b"")  # the run stops: the whole batch says so
        results = ([""] * n, [b""] * n)
        if not fault:
            done = list(self.runner.run_loaded(pickle.loads(b) for b in batch["item"]))
            results = ([json.dumps(r.to_json()) for r in done], [pickle.dumps(r.maps) for r in done])
        return {"result": np.array(results[0], dtype=object), "maps": np.array(results[1], dtype=object),
                "fault": np.array([fault] * n, dtype=object)}


def _stream(job: ClusterJob, actors: int | None) -> Generator[ImageResult, None, None]:
    """Results in job order. Pictures (overlays, cutouts) are drawn by the driver's
    writers, which decode the photo again: images never travel back."""
    import ray.data

    if not job.jobs:
        return
    n_default, gpus, cpus = _cluster_shape(job.threads)
    spec_bytes = pickle.dumps(job.spec)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # stdout JSON Lines in input order
    context.enable_progress_bars = False  # samcli draws its own
    context.print_on_execution_start = False
    ds = ray.data.from_items([{"job": pickle.dumps(j)} for j in job.jobs])
    # half a CPU per load task: decoding waits on I/O part of the time, and resources
    # unlike the actors' keep Ray from fusing the two stages into one
    stages = {"threads": job.threads, "spec_bytes": spec_bytes}
    ds = ds.map(_load_row, fn_kwargs=stages, num_cpus=LOAD_CPUS)
    ds = ds.map_batches(_ModelStage, fn_constructor_kwargs=stages, batch_size=job.spec.pipeline.batch_size,
                        compute=ray.data.ActorPoolStrategy(size=actors or n_default), num_gpus=gpus, num_cpus=cpus,
                        batch_format="numpy")
    rows = iter(ds.iter_rows())
    try:
        for row in rows:
            if row["fault"]:
                raise pickle.loads(row["fault"])
            result = ImageResult.from_json(json.loads(row["result"]))
            result.maps = pickle.loads(row["maps"])
            yield job.as_here(result)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
