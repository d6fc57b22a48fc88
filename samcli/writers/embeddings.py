"""Embeddings into a folder (`samcli embed`, `--save-embeddings DIR`; the layout
is `io.embeddings`'): each image's .npy written atomically as it comes, the
manifest written from a journal when the run ends, atomically. So a killed run
leaves no torn .npy, and no manifest naming an embedding that is not there:
the next run (`--resume`, or the next that saves into DIR) finishes the job."""
from __future__ import annotations

import json
from itertools import chain
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from samcli.engine.records import ImageResult
from samcli.io.embeddings import IDENTITY, MANIFEST, SAVING_JOURNAL, folder_manifest, npy_path
from samcli.writers.atomic import atomic_path, open_output
from samcli.writers.journal import Journal
from samcli.writers.outputs import Writer
from samcli.writers.results import ResultWriter
from samcli.writers.sources import JournalImages


def write_npy(path: Path, array: np.ndarray) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, array)


def manifest_entry(rec: dict) -> dict[str, Any]:
    """A journal record of an image with a kept embedding → its manifest entry."""
    info = rec["embedding"]
    return {"npy": f"{rec['file']}.npy", "original_hw": [rec["height"], rec["width"]],
            "resized_hw": info["resized_hw"], "input_hw": info["input_hw"], "sha256": info["sha256"]}


def write_manifest(target: Path, header: dict[str, Any], entries: Iterable[tuple[str, dict]]) -> None:
    """The manifest, atomically, one image entry at a time (sorted by key)."""
    with open_output(target) as f:
        f.write("{\n" + "".join(f" {json.dumps(k)}: {json.dumps(v)},\n" for k, v in header.items()) + ' "images": {')
        for n, (key, entry) in enumerate(entries):
            f.write(("," if n else "") + "\n  " + json.dumps(key) + ": " + json.dumps(entry))
        f.write("\n }\n}\n")


def with_shape(header: dict[str, Any], records: Iterator[dict]) -> tuple[dict[str, Any], Iterator[dict]]:
    """The header with the embeddings' shape and dtype, from the first record (all are alike)."""
    first = next(records, None)
    if first is None:
        return header, records
    info = first["embedding"]
    return {**header, "embedding_shape": info["shape"], "tensor_dtype": info["tensor_dtype"]}, chain([first], records)


class NpyWriter(Writer):
    """DIR/<image>.npy, in `dtype`, for each image that brings its embedding (`maps["embedding"]`)."""

    def __init__(self, folder: Path, dtype: str) -> None:
        self.folder, self.dtype = Path(folder), np.dtype(dtype)

    def add(self, result: ImageResult) -> None:
        array = result.maps.pop("embedding", None)  # not kept any longer than this
        if array is not None and result.ok:
            write_npy(npy_path(self.folder, result.key), array.astype(self.dtype, copy=False))


class ManifestWriter(ResultWriter):
    """`samcli embed`'s record keeper: each image into the run's journal, and the
    manifest (`target`) written from it at the end, as a results file is."""

    def __init__(self, target: Path, header: dict[str, Any], *, image_ids: dict[str, int], journal: Journal,
                 sync_every: int = 1, keep_journal: bool = False) -> None:
        super().__init__(target, "jsonl", info=header, image_ids=image_ids, journal=journal, sync_every=sync_every,
                         keep_journal=keep_journal)

    def _write_output(self, complete: bool) -> None:
        self.journal.sync()
        # image-id order is the keys' order (embed numbers images by path): streamed, already sorted
        records = (rec for _, rec in JournalImages(self.journal, self.image_ids or {}).images(ok_only=True))
        header, records = with_shape(self.info, records)
        write_manifest(Path(self.target), header, ((rec["file"], manifest_entry(rec)) for rec in records))


class EmbeddingSaver(Writer):
    """`--save-embeddings DIR`: the embedding of each image this run encodes, into DIR,
    added to DIR's manifest when the run ends; until then a journal in DIR records them,
    so those of a killed run are added by the next run that saves into DIR."""

    def __init__(self, folder: Path, header: dict[str, Any]) -> None:
        self.folder, self.header = Path(folder), header
        self.npy = NpyWriter(self.folder, header["dtype"])
        self.journal = Journal.open(self.folder / SAVING_JOURNAL, saving_fingerprint(header), resume=True)

    def add(self, result: ImageResult) -> None:
        if result.ok and "embedding" in result.maps:
            self.npy.add(result)
            self.journal.append({"file": result.key, "path": result.path, "width": result.width,
                                 "height": result.height, "annotations": [], "embedding": result.embedding_info})

    def close(self, complete: bool = True) -> None:
        old = folder_manifest(self.folder)
        entries = dict(old.images) if old is not None else {}
        header = old.header if old is not None else self.header
        records = self.journal.records(sorted(self.journal.entries))
        header, records = with_shape(header, records)
        entries.update((rec["file"], manifest_entry(rec)) for rec in records)
        write_manifest(self.folder / MANIFEST, header, sorted(entries.items()))
        self.journal.remove()

    def abandon(self) -> None:
        self.journal.close()  # kept: the next run that saves into DIR adds its embeddings


def saving_fingerprint(header: dict[str, Any]) -> dict[str, Any]:
    return {field: header.get(field) for field in (*IDENTITY, "dtype")}


def start_over(folder: Path, manifest: str) -> None:
    """`samcli embed` rewrites DIR: its manifests (and a journal of embeddings saved
    there) go first, so none names an embedding this run replaces."""
    for name in {MANIFEST, manifest, SAVING_JOURNAL}:
        (folder / name).unlink(missing_ok=True)
