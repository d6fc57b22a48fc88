"""Model registry and loading: `load_model("mobilesam", checkpoint=...)`. Looking a
model up imports no torch; building or loading one does."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from samcli.errors import CheckpointError
from samcli.models.checkpoint import (apply_state_dict, ignored_prefixes, read_state_dict, resolve_checkpoint,
                                      shapes_of, state_problem)
from samcli.models.registry import all_specs, get_spec
from samcli.models.spec import ModelSpec

if TYPE_CHECKING:
    import torch
    from torch import nn


def load_model(model_id: str, checkpoint: str | os.PathLike | None = None, device: str | torch.device = "auto",
               offline: bool | None = None, progress: bool = True) -> nn.Module:
    """Build `model_id`, load its weights (a local file, the cache, or a download)
    and return it in eval mode on `device` (auto: CUDA where there is one, as the CLI).
    A file for another model is a CheckpointError naming the models it fits."""
    from samcli.engine.device import resolve_device

    spec = get_spec(model_id)
    target = resolve_device(device) if isinstance(device, str) else device
    path = resolve_checkpoint(spec, checkpoint, offline=offline, progress=progress)
    model = spec.build()
    state = read_state_dict(path)
    found = shapes_of(state)
    why = state_problem(shapes_of(model.state_dict()), ignored_prefixes(model), found, spec.id)
    if why:  # say which model the file is for first: the details are long
        from samcli.models.identify import fitting_hint

        raise CheckpointError(f"{path}: not {spec.id} weights. {fitting_hint(found)} In detail: {why}")
    apply_state_dict(model, state, source=str(path), name=spec.id)
    model.spec = spec
    return model.eval().requires_grad_(False).to(target)


__all__ = ["ModelSpec", "all_specs", "get_spec", "load_model"]
