"""Graphs past 2 GB (SAM ViT-H's encoder) are published as the graph plus one data file,
not as PyTorch's loose tensor files; a small graph replaces a larger one cleanly.
The exporter is stood in for by ONNX writing loose external tensors, as PyTorch's
does past 2 GB (a real 2 GB export is minutes of CPU: the README's ViT-H run)."""
from __future__ import annotations

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="samcli[onnx] is not installed: ONNX is NOT verified")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from samcli.onnx.large_graph import data_file, graph_path, has_external_data  # noqa: E402
from samcli.onnx.sessions import session  # noqa: E402

WEIGHTS = [np.arange(k * 1000, (k + 1) * 1000, dtype=np.float32).reshape(10, 100) / 1e4 for k in range(3)]


def chain(n: int) -> onnx.ModelProto:
    """x (1, 10) → x @ W0 … → (1, 100)-ish chain of MatMuls with n weight tensors."""
    nodes, inits, name = [], [], "x"
    for k in range(n):
        w = WEIGHTS[k] if k == 0 else np.eye(100, dtype=np.float32) * (k + 1)
        inits.append(numpy_helper.from_array(w, f"w{k}"))
        nodes.append(helper.make_node("MatMul", [name, f"w{k}"], [f"y{k}"]))
        name = f"y{k}"
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 10])],
                              [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 100])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run(path) -> np.ndarray:
    return session(path, threads=1).run(None, {"x": np.ones((1, 10), np.float32)})[0]


def test_loose_tensors_become_one_data_file(tmp_path):
    path = tmp_path / "m.encoder.onnx"
    with graph_path(path) as tmp:  # what PyTorch does past 2 GB: a file per tensor beside the graph
        onnx.save_model(chain(3), tmp, save_as_external_data=True, all_tensors_to_one_file=False, size_threshold=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.encoder.onnx", "m.encoder.onnx.data"]
    assert has_external_data(path)
    assert data_file(path).stat().st_mode == path.stat().st_mode  # not ONNX's private 0600
    expected = np.ones((1, 10), np.float32) @ WEIGHTS[0] * 2 * 3
    np.testing.assert_allclose(run(path), expected, rtol=1e-6)
    # ONNX Runtime loads it as it is: no optimised copy is saved beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.encoder.onnx", "m.encoder.onnx.data"]


def test_a_small_graph_replaces_a_large_ones_pair(tmp_path):
    path = tmp_path / "m.encoder.onnx"
    with graph_path(path) as tmp:
        onnx.save_model(chain(3), tmp, save_as_external_data=True, all_tensors_to_one_file=False, size_threshold=0)
    with graph_path(path) as tmp:
        onnx.save_model(chain(1), tmp)
    assert not data_file(path).exists() and not has_external_data(path)
    np.testing.assert_allclose(run(path), np.ones((1, 10), np.float32) @ WEIGHTS[0], rtol=1e-6)


def test_a_failed_export_leaves_the_old_pair(tmp_path):
    path = tmp_path / "m.encoder.onnx"
    with graph_path(path) as tmp:
        onnx.save_model(chain(3), tmp, save_as_external_data=True, all_tensors_to_one_file=False, size_threshold=0)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(RuntimeError), graph_path(path) as tmp:
        onnx.save_model(chain(2), tmp, save_as_external_data=True, all_tensors_to_one_file=False, size_threshold=0)
        raise RuntimeError("killed mid-export")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_annotator_json_names_the_data_file(tmp_path):
    """The JSON beside an export says which file holds a large encoder's weights."""
    from samcli.onnx.annotator import describe_encoder

    path = tmp_path / "m.encoder.onnx"
    with graph_path(path) as tmp:
        onnx.save_model(chain(3), tmp, save_as_external_data=True, all_tensors_to_one_file=False, size_threshold=0)
    assert json.loads(json.dumps(describe_encoder(path, None, 1024)))["data_file"] == "m.encoder.onnx.data"
    small = tmp_path / "s.encoder.onnx"
    with graph_path(small) as tmp:
        onnx.save_model(chain(1), tmp)
    assert describe_encoder(small, None, 1024)["data_file"] is None
