"""Model registry and loading: `load_model("mobilesam", checkpoint=...)`."""
from __future__ import annotations

import os

import torch
from torch import nn

from samcli.models.checkpoint import apply_state_dict, read_state_dict, resolve_checkpoint
from samcli.models.registry import all_specs, get_spec
from samcli.models.spec import ModelSpec


def load_model(model_id: str, checkpoint: str | os.PathLike | None = None, device: str | torch.device = "cpu",
               offline: bool | None = None, progress: bool = True) -> nn.Module:
    """Build `model_id`, load its weights (a local file, the cache, or a download)
    and return it in eval mode on `device`."""
    spec = get_spec(model_id)
    path = resolve_checkpoint(spec, checkpoint, offline=offline, progress=progress)
    model = spec.build()
    apply_state_dict(model, read_state_dict(path), source=str(path))
    model.spec = spec
    return model.eval().requires_grad_(False).to(device)


__all__ = ["ModelSpec", "all_specs", "get_spec", "load_model"]
