"""Image embeddings kept on disk (`samcli embed`, `--save-embeddings DIR`) and
read back (`--embeddings DIR`): the folder's layout and its manifest.

DIR/<image key>.npy holds one image's embedding, (1, C, h, w) as the model's
encoder produced it (1×256×64×64 for the SAM family), float32 or float16.
DIR/embeddings.json says what made them — model, weights sha256, precision and
runtime: change any one and the embedding's values change — the model's frames
and preprocessing, and per image its file's sha256, its original size and its
resized sizes: what a decoder needs to map prompts onto the embedding.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from samcli.errors import InputError
from samcli.io.images import key_path
from samcli.io.jsontext import text_file, loads, JsonProblem
from samcli.io.shards import Shard

VERSION = 1
MANIFEST = "embeddings.json"
DTYPES = ("float32", "float16")
#: what must be the same for a stored embedding to be this run's
IDENTITY = {"model": "model", "weights_sha256": "weights (sha256)", "precision": "precision", "runtime": "runtime"}
#: `--save-embeddings`' record of the embeddings it added, until it updates the manifest
SAVING_JOURNAL = f"{MANIFEST}.saving.jsonl"


def manifest_name(shard: Shard | None) -> str:
    """A shard of `samcli embed` writes its own manifest (shards may share DIR); `samcli
    merge` makes embeddings.json of them."""
    return MANIFEST if shard is None else f"embeddings.{shard.index}-of-{shard.count}.json"


def npy_path(folder: str | Path, key: str) -> Path:
    """'sub/a.jpg' → DIR/sub/a.jpg.npy (the layout of every per-image output)."""
    return key_path(Path(folder), key, ".npy")


def identity_differences(stored: dict, ours: dict) -> list[str]:
    """'model 'mobilesam' there, 'edgesam' in this run' for each identity field that differs."""
    return [f"{name} {stored.get(field)!r} there, {ours.get(field)!r} in this run"
            for field, name in IDENTITY.items() if stored.get(field) != ours.get(field)]


@dataclass
class Manifest:
    path: Path
    header: dict[str, Any]  # everything but "images"
    images: dict[str, dict[str, Any]]  # image key → its entry

    @property
    def identity(self) -> dict[str, Any]:
        return {field: self.header.get(field) for field in IDENTITY}

    @property
    def dtype(self) -> str:
        return self.header["dtype"]


def _hw(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(type(v) is int and v > 0 for v in value)


#: an image entry's fields and their checks (input_hw: None for a model that does not describe its preprocessing)
_ENTRY = {"original_hw": _hw, "resized_hw": _hw, "input_hw": lambda v: v is None or _hw(v),
          "sha256": lambda v: isinstance(v, str) and len(v) == 64, "npy": lambda v: isinstance(v, str) and v != ""}
_HEADER = {"model": str, "weights_sha256": str, "precision": str, "runtime": str}
#: what an encoder gives (the .npy files are float32 or float16 whatever it was)
TENSOR_DTYPES = ("float32", "float16", "bfloat16")


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value < 2**31


def _shard(value: Any) -> bool:
    return (isinstance(value, dict) and _count(value.get("index")) and _count(value.get("count"))
            and value["index"] < value["count"] and isinstance(value.get("listing_sha256"), str)
            and _count(value.get("images_total")))


def read_manifest(path: Path) -> Manifest:
    """The manifest at `path`, checked; InputError naming the file and field."""
    text = text_file(path, " (a samcli embeddings manifest)")
    try:
        doc = loads(text)
    except JsonProblem as exc:
        raise InputError(exc.at(str(path))) from None
    if not isinstance(doc, dict) or doc.get("samcli_embeddings") != VERSION:
        raise InputError(f"{path}: not a samcli embeddings manifest (version {VERSION})")
    for field, kind in _HEADER.items():
        if not isinstance(doc.get(field), kind):
            raise InputError(f'{path}: "{field}" is missing or not text')
    if doc.get("dtype") not in DTYPES:
        raise InputError(f'{path}: "dtype" must be one of {", ".join(DTYPES)}')
    shape = doc.get("embedding_shape")
    if shape is not None and not (isinstance(shape, list) and len(shape) == 4
                                  and all(type(v) is int and v > 0 for v in shape)):
        raise InputError(f'{path}: "embedding_shape" is not [1, C, h, w]')
    if doc.get("tensor_dtype") not in (None, *TENSOR_DTYPES):
        raise InputError(f'{path}: "tensor_dtype" must be one of {", ".join(TENSOR_DTYPES)}')
    if "shard" in doc and not _shard(doc["shard"]):
        raise InputError(f'{path}: "shard" is not {{"index": I, "count": N, "listing_sha256": ..., '
                         '"images_total": ...}} with 0 <= I < N')
    images = doc.get("images")
    if not isinstance(images, dict):
        raise InputError(f'{path}: "images" is not an object of image entries')
    for key, entry in images.items():
        bad = [f for f, ok in _ENTRY.items() if not isinstance(entry, dict) or not ok(entry.get(f))]
        if bad:
            raise InputError(f'{path}: images[{key!r}]: "{bad[0]}" is missing or not what it should be')
    if images and shape is None:
        raise InputError(f'{path}: "embedding_shape" is missing')
    return Manifest(path, {k: v for k, v in doc.items() if k != "images"}, images)


def folder_manifest(folder: Path) -> Manifest | None:
    """DIR's manifest, or None for a folder that holds no embeddings yet. A folder
    whose embeddings cannot be used as they are (shard manifests not merged, an
    unfinished `samcli embed` run) is an InputError saying what to do."""
    path = folder / MANIFEST
    if path.is_file():
        return read_manifest(path)
    shards = sorted(p.name for p in folder.glob("embeddings.*-of-*.json"))
    if shards:
        raise InputError(f"{folder} holds the manifests of `samcli embed --shard` runs ({', '.join(shards)}) but "
                         f"no {MANIFEST}: merge them first, samcli merge {folder}/embeddings.*-of-*.json "
                         f"-o {folder / MANIFEST}")
    if (folder / f"{MANIFEST}.journal.jsonl").is_file():
        raise InputError(f"{folder}: its `samcli embed` run did not finish (its journal is there, no {MANIFEST}): "
                         "finish it by running the same command with --resume")
    return None


def load_embedding(path: Path, shape: list[int], dtype: str) -> np.ndarray:
    """One stored embedding, checked against the manifest's shape and dtype (ValueError:
    a file cut short, replaced, or of another shape)."""
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, EOFError) as exc:
        # not numpy's words: for a file holding objects they advise loading it with
        # allow_pickle, which would run code from the file
        raise ValueError(f"{path} is not a whole .npy file of numbers") from exc
    if list(array.shape) != list(shape) or array.dtype != np.dtype(dtype):
        raise ValueError(f"{path} holds {array.dtype} {list(array.shape)}, the manifest says {dtype} {list(shape)}")
    return array
