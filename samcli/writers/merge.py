"""`samcli merge`: the outputs of `--shard I/N` runs → the output one process
would have written. Image ids come from the whole listing (not the shard), so
merging is sorting by id and numbering annotations again in that order.

Each shard's output has a manifest beside it (`<out>.shard.json`: shard I/N,
a digest of the whole image listing); with them, shards missing, given twice,
or from another job are reported. Inputs are read whole (memory ~ output size).
A `yolo-seg` output is a folder: merging is the union of the shards' folders.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from samcli.errors import InputError
from samcli.writers import labelstudio, yolo_seg
from samcli.writers.atomic import open_output
from samcli.writers.embeddings_merge import is_embeddings_manifest, merge_manifests
from samcli.writers.merge_inputs import ShardOutput, read_shard_output


@dataclass
class MergeReport:
    images: int = 0
    annotations: int = 0
    missing: list[str] = field(default_factory=list)  # "2/4": shards not among the inputs
    warnings: list[str] = field(default_factory=list)
    item: str = "annotation"  # what `annotations` counts


def _check_shards(inputs: list[ShardOutput], report: MergeReport) -> None:
    with_manifest = [i for i in inputs if i.manifest is not None]
    for i in inputs:
        if i.manifest is None:
            report.warnings.append(f"{i.path}: no {i.path.name}.shard.json beside it, so shard coverage is not checked")
    if not with_manifest:
        return
    first = with_manifest[0].manifest
    seen: dict[int, Path] = {}
    for i in with_manifest:
        m = i.manifest
        if m.count != first.count or m.listing != first.listing:
            raise InputError(f"{i.path} is shard {m.index}/{m.count} of another job than "
                             f"{with_manifest[0].path} (other image list or shard count)")
        if m.index in seen:
            raise InputError(f"shard {m.index}/{m.count} is given twice: {seen[m.index]} and {i.path}")
        seen[m.index] = i.path
    report.missing = [f"{k}/{first.count}" for k in range(first.count) if k not in seen]


def _no_overlap(owner: dict[int, Path], image_id: int, path: Path) -> None:
    if owner.setdefault(image_id, path) != path:
        raise InputError(f"image id {image_id} is in both {owner[image_id]} and {path}: overlapping shards")


def merge(paths: list[str | Path], out: str | Path) -> MergeReport:
    if is_embeddings_manifest(Path(paths[0])):
        count, missing = merge_manifests([Path(p) for p in paths], out)
        return MergeReport(images=count, annotations=count, missing=missing, item="embedding")
    inputs = [read_shard_output(Path(p)) for p in paths]
    formats = {i.fmt for i in inputs}
    if len(formats) > 1:
        raise InputError("the inputs mix formats: " + ", ".join(f"{i.path} ({i.fmt})" for i in inputs))
    report = MergeReport()
    _check_shards(inputs, report)
    fmt = inputs[0].fmt
    owner: dict[int, Path] = {}
    if fmt == "yolo-seg":
        if str(out) == "-":
            raise InputError("yolo-seg outputs are folders: give --out DIR")
        report.images, report.annotations = yolo_seg.merge_folders([i.path for i in inputs], Path(out))
        return report
    if fmt == "labelstudio":
        report.images, report.annotations = labelstudio.merge_tasks([(i.path, i.content) for i in inputs], out,
                                                lambda image_id, path: _no_overlap(owner, image_id, path))
        return report
    if fmt == "jsonl":
        lines = []
        for i in inputs:
            for image_id, line in i.content:
                _no_overlap(owner, image_id, i.path)
                lines.append((image_id, line))
        lines.sort(key=lambda pair: pair[0])
        report.images = len(lines)
        with open_output(out) as f:
            f.writelines(line + "\n" for _, line in lines)
        return report
    if fmt == "coco-results":
        anns = [a for i in inputs for a in i.content]
        images = {a["image_id"] for a in anns}
        report.images, report.annotations = len(images), len(anns)
        for i in inputs:
            for image_id in {a["image_id"] for a in i.content}:
                _no_overlap(owner, image_id, i.path)
        anns.sort(key=lambda a: a["image_id"])  # stable: each image's annotations keep their order
        with open_output(out) as f:
            json.dump(anns, f)
        return report
    images, anns, categories = [], [], {}
    for i in inputs:
        for img in i.content["images"]:
            _no_overlap(owner, img["id"], i.path)
            images.append(img)
        anns += i.content["annotations"]
        for cat in i.content.get("categories", []):
            categories.setdefault(cat["id"], cat)
    images.sort(key=lambda img: img["id"])
    anns.sort(key=lambda a: a["image_id"])
    for n, ann in enumerate(anns, 1):
        ann["id"] = n
    doc = {"info": inputs[0].content.get("info", {}), "images": images, "annotations": anns,
           "categories": [categories[k] for k in sorted(categories)]}
    report.images, report.annotations = len(images), len(anns)
    with open_output(out) as f:
        json.dump(doc, f)
    return report
