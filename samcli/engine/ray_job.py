"""A job as Ray's workers must see it, and a check that they can do it.

Workers run neither in this process's directory nor with its thread count:
every path the job names (images, weights, stored embeddings) is made absolute, and the workers
are told the number of torch threads a local run uses here, because float
results depend on it (a score's 6th decimal, a mask's edge pixel) and Ray
would give each worker one thread per CPU it reserved.

Before any image is sent, one worker says whether it can read the weights and
the first images and knows the model: when it cannot, every image would fail
the same way, minutes later, so the run stops at once, saying what is missing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from samcli.engine.jobs import Job
from samcli.engine.records import ImageResult
from samcli.engine.runners import RunnerSpec
from samcli.errors import CheckpointError, InputError, SamcliError
from samcli.io.images import ImageRef

#: images whose files a worker is asked about before the run
CHECKED_IMAGES = 8


@dataclass(frozen=True)
class ClusterJob:
    spec: RunnerSpec  # weights paths absolute
    jobs: list[Job]  # image paths absolute
    threads: int  # torch threads of a local run here
    local_paths: dict[str, str]  # image key → its path as given here, which results keep

    def as_here(self, result: ImageResult) -> ImageResult:
        """The result as a local run has it (its journal line names the image's path as given)."""
        result.path = self.local_paths.get(result.key, result.path)
        return result

    @property
    def weights(self) -> list[str]:
        saliency_weights = self.spec.saliency[1] if self.spec.saliency else None
        return [self.spec.checkpoint, *([saliency_weights] if saliency_weights else [])]

    @property
    def models(self) -> list[str]:
        has_saliency_model = self.spec.saliency is not None and self.spec.saliency[1] is not None
        return [self.spec.model, *([self.spec.saliency[0]] if has_saliency_model else [])]


def for_cluster(spec: RunnerSpec, jobs: list[Job]) -> ClusterJob:
    import torch

    saliency = spec.saliency
    if saliency is not None and saliency[1] is not None:
        saliency = (saliency[0], _absolute(saliency[1]))
    stored = spec.pipeline.embeddings and _absolute(spec.pipeline.embeddings)  # --embeddings DIR
    spec = replace(spec.with_pipeline(keep_images=False, workers=1, embeddings=stored),
                   checkpoint=_absolute(spec.checkpoint), saliency=saliency)
    moved = [replace(job, ref=ImageRef(job.ref.path.absolute(), job.ref.key)) for job in jobs]
    return ClusterJob(spec, moved, torch.get_num_threads(), {job.ref.key: str(job.ref.path) for job in jobs})


def _absolute(path: str) -> str:
    return str(Path(path).absolute())  # not resolve(): a shared disk's path may go through a link


def check_workers(job: ClusterJob) -> None:
    """CheckpointError (exit 3: weights) or SamcliError (exit 2: model, images) when a
    worker cannot do the job; a worker that cannot run samcli at all is exit 2 too."""
    import ray
    from ray.exceptions import RayError

    # only images this machine reads: one missing everywhere is that image's failure, as in a local run
    images = [str(j.ref.path) for j in job.jobs[:CHECKED_IMAGES] if os.access(j.ref.path, os.R_OK)]
    ask = ray.remote(num_cpus=0)(what_is_missing)
    try:
        node, unknown, weights, unreadable = ray.get(ask.remote(job.models, job.weights, images))
    except RayError as exc:
        raise SamcliError(f"the Ray workers cannot run samcli ({exc}): install samcli on every node, "
                          "or give them its code with PYTHONPATH (forwarded to them)") from None
    verdict(node, unknown, weights, unreadable, len(images))


def verdict(node: str, unknown: list[str], weights: list[str], unreadable: list[str], checked: int) -> None:
    """What a worker found missing (`what_is_missing`) → the error that stops the run, if any."""
    where = f"on the Ray cluster (node {node})"
    if unknown:
        raise SamcliError(f"{where}: {unknown[0]} (SAMCLI_PLUGINS and PYTHONPATH are forwarded to the workers: "
                          "a plugin must be importable there too)")
    if weights:
        raise CheckpointError(f"{where}, the weights cannot be read: {', '.join(weights)}: every node needs them at "
                              "the same path (a shared disk, or the same file in each node's SAMCLI_HOME)")
    if unreadable:
        raise InputError(f"{where}, {len(unreadable)} of the first {checked} images cannot be read, e.g. "
                         f"{unreadable[0]}: every node needs the images at the same path as this machine "
                         "(a shared disk)")


def what_is_missing(models: list[str], weights: list[str], images: list[str]) -> tuple:
    """On a worker: (its node, messages for models it does not know, weights and images it cannot read)."""
    import ray

    from samcli.models import get_spec

    unknown = []
    for model_id in models:
        try:
            get_spec(model_id)
        except SamcliError as exc:
            unknown.append(str(exc))
    return (ray.util.get_node_ip_address(), unknown, [p for p in weights if not os.access(p, os.R_OK)],
            [p for p in images if not os.access(p, os.R_OK)])
