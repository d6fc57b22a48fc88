"""Weights for a benchmark, never downloaded: a given file, the cached release,
or deterministic stand-in weights built from the model's own state dict by the
parity fixtures' rule (shared/parity/README.md). Speed does not depend on weight
values, so a stand-in times the same network the release would."""
from __future__ import annotations

import math
import os
import zlib
from pathlib import Path

import torch
from torch import nn

from samcli.models import load_model
from samcli.models.checkpoint import apply_state_dict, cache_path, home_dir
from samcli.models.registry import spec_for

STAND_IN = ("deterministic stand-in (parity rule over the model's own state dict; no released weights: "
            "masks are meaningless, speed is not)")


def deterministic_tensor(key: str, shape: list[int] | tuple[int, ...]) -> torch.Tensor:
    """The parity rule for one float tensor, seeded by the CRC32 of its key."""
    g = torch.Generator().manual_seed(zlib.crc32(key.encode("utf-8")))
    if len(shape) >= 2:
        return torch.randn(list(shape), generator=g) / math.sqrt(math.prod(shape[1:]))
    if key.endswith("running_var"):
        return 0.5 + torch.rand(list(shape), generator=g)
    if key.endswith(("weight", "gamma")):
        return 1.0 + 0.1 * torch.randn(list(shape), generator=g)
    return 0.1 * torch.randn(list(shape), generator=g)


def stand_in_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """Float tensors by the parity rule; integer and bool buffers as the model has them."""
    return {key: value.clone() if not value.is_floating_point() else deterministic_tensor(key, tuple(value.shape))
            for key, value in model.state_dict().items()}


def bench_model(model_id: str, checkpoint: str | os.PathLike | None = None, runtime: str = "torch",
                precision: str = "auto") -> tuple[nn.Module, str]:
    """→ (model in eval mode on the CPU, what its weights are). Never downloads.
    runtime "onnxruntime": the model on ONNX Runtime (files built from the same weights)."""
    spec = spec_for(model_id, "promptable", "bench")
    if runtime == "onnxruntime":
        from samcli.onnx.engine_runtime import load_for_runtime

        path, weights = weights_file(model_id, checkpoint)
        return load_for_runtime(model_id, path, runtime, precision), weights
    if checkpoint is not None:
        return load_model(model_id, checkpoint, "cpu", offline=True, progress=False), f"checkpoint {checkpoint}"
    cached = cache_path(spec)
    if cached.is_file():
        return load_model(model_id, cached, "cpu", offline=True, progress=False), f"cached release {cached}"
    model = spec.build()
    apply_state_dict(model, stand_in_state_dict(model), source=f"{model_id} stand-in weights")
    model.spec = spec
    return model.eval().requires_grad_(False), STAND_IN


def weights_file(model_id: str, checkpoint: str | os.PathLike | None = None) -> tuple[Path, str]:
    """A weights FILE (what ONNX files are exported from) and what it is: the given
    one, the cached release, or the stand-in weights saved once into the cache."""
    if checkpoint is not None:
        return Path(checkpoint), f"checkpoint {checkpoint}"
    spec = spec_for(model_id, "promptable", "bench")
    cached = cache_path(spec)
    if cached.is_file():
        return cached, f"cached release {cached}"
    path = home_dir() / "stand-in" / spec.filename
    if not path.is_file():  # the same weights in every process that writes it
        from samcli.writers.atomic import atomic_path

        with atomic_path(path) as tmp:
            torch.save(stand_in_state_dict(spec.build()), tmp)
    return path, STAND_IN
