"""Embeddings an earlier run kept (`--embeddings DIR`), looked up in the
pipeline's loader threads. The CLI has checked once that DIR was made by this
run's model, weights, precision and runtime; here each image is checked: its
file must be the one that was embedded (sha256 in the manifest), and its .npy
whole and of the manifest's shape. Anything else is encoded as usual."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from samcli.errors import describe
from samcli.io.embeddings import folder_manifest, load_embedding, npy_path
from samcli.io.images import ImageRef


@dataclass
class Found:
    embedding: np.ndarray  # (1, C, h, w) as stored (float32 or float16); the pipeline casts it to `tensor_dtype`
    original_hw: tuple[int, int]


class StoredEmbeddings:
    """DIR's manifest, read once per process (Ray workers read it too: a shared disk)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.manifest = folder_manifest(self.folder)  # None: nothing stored yet
        header = self.manifest.header if self.manifest is not None else {}
        #: the dtype the encoder produced, as torch names it
        self.tensor_dtype = header.get("tensor_dtype") or "float32"

    def find(self, ref: ImageRef, sha256: str | None) -> tuple[Found | None, str | None]:
        """→ (the image's stored embedding, or None; a warning when one was there but unusable)."""
        entry = self.manifest.images.get(ref.key) if self.manifest is not None else None
        if entry is None or sha256 is None or entry["sha256"] != sha256:
            return None, None  # not stored, or the file changed since: encoded as usual
        header = self.manifest.header
        try:
            array = load_embedding(npy_path(self.folder, ref.key), header["embedding_shape"], header["dtype"])
        except Exception as exc:  # cut short, replaced, deleted: this image is encoded again
            return None, f"its stored embedding is unusable ({describe(exc)}): encoded again"
        return Found(array, tuple(entry["original_hw"])), None
