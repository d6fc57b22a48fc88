"""ONNX graphs past protobuf's 2 GB limit (SAM ViT-H's encoder: 2.5 GB of weights).

PyTorch's exporter writes such a graph's tensors as loose files beside it, one per
tensor, named after graph nodes: hundreds of files that another large export in
the same folder would overwrite, and that no rename can publish at once. samcli
writes the graph as two files instead, `<name>` and `<name>.data` (ONNX's external
data, in one file), built in a private folder and published data first, after the
old graph is gone: a reader finds the new pair, or no graph, never a graph beside
another export's data.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from samcli.onnx.deps import require

DATA_SUFFIX = ".data"


def data_file(graph: Path) -> Path:
    return graph.with_name(graph.name + DATA_SUFFIX)


def has_external_data(graph: Path) -> bool:
    return data_file(graph).is_file()


@contextmanager
def graph_path(path: Path) -> Iterator[str]:
    """A temp path for an exporter to write `path` to, published when the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    try:
        tmp = work / path.name
        yield str(tmp)
        _publish(tmp, path)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _publish(tmp: Path, path: Path) -> None:
    data = data_file(path)
    if any(p != tmp for p in tmp.parent.iterdir()):  # the exporter wrote loose tensor files
        onnx = require("onnx")
        graph = onnx.load(str(tmp))  # with every tensor
        onnx.save_model(graph, str(tmp), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data.name, size_threshold=1024)
        del graph
        # ONNX writes the data file private (0600); give it the graph's mode, what open() gives
        os.chmod(tmp.parent / data.name, stat.S_IMODE(tmp.stat().st_mode))
        path.unlink(missing_ok=True)
        os.replace(tmp.parent / data.name, data)
        os.replace(tmp, path)
        return
    os.replace(tmp, path)
    data.unlink(missing_ok=True)  # a larger graph's data, exported here before
