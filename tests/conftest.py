from __future__ import annotations

import pytest
import torch

from tests import parity

# Two cores, two xdist workers: keep each worker's torch to one thread.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def parity_checkpoint(tmp_path_factory):
    """parity_checkpoint("mobilesam") → path of a deterministic-weights file, built once per session."""
    built: dict[str, object] = {}

    def make(name: str):
        if name not in built:
            built[name] = parity.write_checkpoint(name, tmp_path_factory.mktemp(name) / f"{name}.pt")
        return built[name]

    return make


@pytest.fixture(scope="session")
def parity_model(parity_checkpoint):
    """parity_model("mobilesam", "mobilesam") → the model loaded through samcli's own loader."""
    from samcli.models import load_model

    loaded: dict[tuple[str, str], object] = {}

    def make(model_id: str, fixture: str):
        if (model_id, fixture) not in loaded:
            loaded[(model_id, fixture)] = load_model(model_id, checkpoint=parity_checkpoint(fixture), offline=True)
        return loaded[(model_id, fixture)]

    return make
