"""`samcli merge` of `samcli embed --shard I/N` manifests
(DIR/embeddings.I-of-N.json) into DIR/embeddings.json. The shards' .npy files
never overlap (each image is in one shard), so once they are in one folder —
the shards wrote into one shared DIR, or their folders were copied into one —
merging is the union of the manifests' entries."""
from __future__ import annotations

import os
from pathlib import Path

from samcli.errors import InputError
from samcli.io.embeddings import Manifest, identity_differences, read_manifest
from samcli.writers.embeddings import write_manifest

#: what every shard of one job shares besides the identity (how the embeddings are stored)
_ALIKE = ("dtype", "embedding_shape", "tensor_dtype", "input_size", "prompt_size")


def is_embeddings_manifest(path: Path) -> bool:
    """A file that calls itself one (read_manifest says whether it is a good one)."""
    try:
        with open(path, "rb") as f:
            return b'"samcli_embeddings"' in f.read(256)
    except OSError:
        return False


def merge_manifests(paths: list[Path], out: str | Path) -> tuple[int, list[str]]:
    """→ (embeddings in the merged manifest, shards missing as "I/N")."""
    manifests = [read_manifest(Path(p)) for p in paths]
    first = manifests[0]
    folder = Path(os.path.abspath(out)).parent
    seen: dict[int, Path] = {}
    images: dict[str, dict] = {}
    for m in manifests:
        shard = m.header.get("shard")
        if not isinstance(shard, dict):
            raise InputError(f"{m.path}: not the manifest of a shard (samcli embed --shard I/N): nothing to merge")
        _same_job(m, first)
        if Path(os.path.abspath(m.path)).parent != folder:
            raise InputError(f"{m.path}: merge the shards' manifests in the folder of their .npy files, which is "
                             f"where --out must be ({folder}); copy the shards' folders into one first (their files "
                             "do not overlap)")
        if shard["index"] in seen:
            raise InputError(f"shard {shard['index']}/{shard['count']} is given twice: {seen[shard['index']]} and {m.path}")
        seen[shard["index"]] = m.path
        for key, entry in m.images.items():
            if key in images:
                raise InputError(f"{key!r} is in two shards' manifests ({m.path}): overlapping shards")
            images[key] = entry
    header = {k: v for k, v in first.header.items() if k != "shard"}
    if header.get("embedding_shape") is None:  # the first shard got no image
        header = {**header, **{k: next((m.header[k] for m in manifests if m.header.get(k) is not None), None)
                               for k in ("embedding_shape", "tensor_dtype")}}
    write_manifest(Path(out), header, sorted(images.items()))
    count = first.header["shard"]["count"]
    return len(images), [f"{k}/{count}" for k in range(count) if k not in seen]


def _same_job(m: Manifest, first: Manifest) -> None:
    differences = identity_differences(first.identity, m.identity)
    differences += [f"{k} {first.header.get(k)!r} there, {m.header.get(k)!r} here" for k in _ALIKE
                    if None not in (first.header.get(k), m.header.get(k)) and first.header.get(k) != m.header.get(k)]
    if differences:
        raise InputError(f"{m.path} and {first.path} hold embeddings made otherwise: {'; '.join(differences)}")
    a, b = first.header["shard"], m.header["shard"]
    if (a.get("count"), a.get("listing_sha256")) != (b.get("count"), b.get("listing_sha256")):
        raise InputError(f"{m.path} is a shard of another job than {first.path} (other image list or shard count)")
