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


@pytest.fixture(scope="session")
def onnx_files(parity_model, parity_checkpoint, tmp_path_factory):
    """onnx_files("mobilesam", "mobilesam") → (what `samcli export onnx --multimask-output`
    writes, the runtime's RuntimeFiles), exported once per session from the parity
    weights; the runtime files reuse the exported encoder (the same graph)."""
    built: dict[str, tuple] = {}

    def make(model_id: str, fixture: str):
        if model_id not in built:
            from samcli.models import get_spec
            from samcli.onnx.annotator import export_for_annotators
            from samcli.onnx.cache import DECODER, ENCODER, MASK_DECODER, RuntimeFiles, ensure_built
            from tests.onnx_helpers import hardlink_or_copy

            model = parity_model(model_id, fixture)
            folder = tmp_path_factory.mktemp(f"onnx-{model_id}")
            exported = export_for_annotators(model, get_spec(model_id), folder, "parity weights", multimask=True)
            runtime = folder / "runtime"
            runtime.mkdir()
            hardlink_or_copy(exported.encoder, runtime / ENCODER)
            files = RuntimeFiles(runtime, runtime / ENCODER, runtime / DECODER,
                                 runtime / MASK_DECODER if model.accepts_mask_input else None, "fp32")
            built[model_id] = (exported, ensure_built(files, model_id, parity_checkpoint(fixture), model=model))
        return built[model_id]

    return make
