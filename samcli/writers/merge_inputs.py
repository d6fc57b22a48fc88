"""Reading `samcli merge`'s inputs: each shard's output and the manifest beside
it (`<out>.shard.json`), checked before anything is merged.

These files travel between machines and through people's hands; a field with
the wrong type, an id that is not an integer, or a manifest whose shard index
is out of range is an InputError naming the file and the field (exit 2), not a
KeyError halfway through the merge. Only what merging reads is checked: ids
(to sort and to find overlaps), the manifest, and the containers around them;
everything else is copied as it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samcli.errors import InputError
from samcli.io.jsontext import JsonProblem, loads, text_file
from samcli.io.prompts.checks import MAX_ID, show
from samcli.writers import labelstudio
from samcli.writers.formats import FORMATS

#: more shards than any job has: a count beyond it is a damaged manifest, not a plan
MAX_SHARDS = 100_000


@dataclass
class Manifest:
    index: int
    count: int
    listing: str  # digest of the whole job's image list
    fmt: str | None


@dataclass
class ShardOutput:
    path: Path
    fmt: str
    content: Any  # coco: dict; coco-results, labelstudio: list; jsonl: [(image_id, line)]; yolo-seg: None
    manifest: Manifest | None


def read_shard_output(path: Path) -> ShardOutput:
    manifest = read_manifest(Path(f"{path}.shard.json"))
    if path.is_dir():  # yolo-seg writes a folder of label files
        return ShardOutput(path, "yolo-seg", None, manifest)
    text = text_file(path)
    if path.suffix == ".jsonl" or (manifest and manifest.fmt == "jsonl"):
        return ShardOutput(path, "jsonl", _jsonl(path, text), manifest)
    try:
        doc = loads(text)
    except JsonProblem as e:
        raise InputError(e.at(str(path))) from None
    if isinstance(doc, dict) and isinstance(doc.get("images"), list):
        _coco(path, doc)
        return ShardOutput(path, "coco", doc, manifest)
    if labelstudio.is_tasks(doc) or (doc == [] and manifest and manifest.fmt == "labelstudio"):
        _task_ids(path, doc)
        return ShardOutput(path, "labelstudio", doc, manifest)
    if isinstance(doc, list):
        _ids(path, "", doc, "image_id")
        return ShardOutput(path, "coco-results", doc, manifest)
    raise InputError(f"{path}: neither a COCO dataset, a results list nor JSON Lines")


def read_manifest(path: Path) -> Manifest | None:
    """The manifest at `path`, or None when there is none."""
    if not path.is_file():
        return None
    try:
        doc = loads(text_file(path))
    except JsonProblem as e:
        raise InputError(e.at(str(path))) from None
    if not isinstance(doc, dict):
        raise InputError(f'{path}: not a shard manifest (expected {{"shard": [index, count], "listing_sha256": ...}})')
    shard = doc.get("shard")
    if not (isinstance(shard, list) and len(shard) == 2 and all(_is_int(v) for v in shard)):
        raise InputError(f'{path}: "shard" must be [index, count], got {show(shard)}')
    index, count = shard
    if not 1 <= count <= MAX_SHARDS:
        raise InputError(f'{path}: "shard" count {count} is out of range (1 to {MAX_SHARDS})')
    if not 0 <= index < count:
        raise InputError(f'{path}: "shard" index {index} is out of range for {count} shards (0 to {count - 1})')
    listing = doc.get("listing_sha256")
    if not isinstance(listing, str) or not listing:
        raise InputError(f'{path}: "listing_sha256" must be the digest text of the job\'s image list, got {show(listing)}')
    fmt = doc.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f'{path}: "format" must be one of {", ".join(FORMATS)}, got {show(fmt)}')
    return Manifest(index, count, listing, fmt)


def _jsonl(path: Path, text: str) -> list[tuple[int, str]]:
    lines = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = loads(line)
        except JsonProblem as e:
            raise InputError(e.at(str(path), n)) from None
        if not isinstance(record, dict):
            raise InputError(f"{path}:{n}: not a samcli JSON Lines record (a JSON object per image)")
        lines.append((_id(f"{path}:{n}: ", record, "image_id"), line))
    return lines


def _coco(path: Path, doc: dict) -> None:
    _ids(path, "images", doc["images"], "id")
    for name, key in (("annotations", "image_id"), ("categories", "id")):
        items = doc.get(name, [] if name == "categories" else None)  # every samcli COCO output has annotations
        if not isinstance(items, list):
            raise InputError(f'{path}: "{name}" must be a list, got {show(items)}')
        _ids(path, name, items, key)


def _ids(path: Path, name: str, items: list, key: str) -> None:
    for i, item in enumerate(items):
        where = f"{path}: {name}[{i}]" if name else f"{path}: [{i}]"
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected an object, got {show(item)}")
        _id(f"{where}.", item, key)


def _task_ids(path: Path, tasks: list) -> None:
    """Label Studio tasks carry samcli's image id as data.image_id."""
    for i, task in enumerate(tasks):
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            raise InputError(f"{path}: [{i}]: not a samcli task (expected {{\"data\": {{\"image\", \"image_id\"}}, ...}})")
        _id(f"{path}: [{i}].data.", data, "image_id")


def _id(where: str, item: dict, key: str) -> int:
    value = item.get(key)
    if not _is_int(value) or not 0 <= value <= MAX_ID:
        raise InputError(f"{where}{key} must be a non-negative integer id, got {show(value)}")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
