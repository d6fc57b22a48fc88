"""`--format labelstudio`: a Label Studio import file (tasks with predictions)
and, beside it, labeling_config.xml: the labeling interface those
predictions fit, so a project can be created from the two files alone.

One task per finished image: `data.image` is --ls-image-root + the image
key (percent-encoded as Label Studio's own converters do), `data.image_id`
samcli's id (merge sorts by it); one prediction holding one region per
annotation — a `brushlabels` region with the mask as Label Studio's brush
RLE, or with --ls-polygons a `polygonlabels` region (points in percent of
the image) — each with its score; the prediction's score is their mean.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from samcli.errors import InputError
from samcli.ops import rle
from samcli.ops.brush import brush_rle
from samcli.writers.atomic import open_output
from samcli.writers.export import ExportOptions
from samcli.writers.jsonlist import json_list
from samcli.writers.sources import ImageSource, categories_json

CONFIG_FILE = "labeling_config.xml"


def model_version(info: dict) -> str:
    """'efficientvit-sam-l0@1a2b3c4d5e6f': the model and a short digest of its weights."""
    model, digest = info.get("model") or "samcli", info.get("weights_sha256")
    return f"{model}@{digest[:12]}" if isinstance(digest, str) else str(model)


def region(ann: dict, k: int, image_id: int, rec: dict, label: str, export: ExportOptions) -> dict | None:
    w, h = rec["width"], rec["height"]
    if export.ls_polygons:
        outline = export.polygon(ann)
        if not len(outline):
            return None
        points = [[round(100 * x / w, 4), round(100 * y / h, 4)] for x, y in outline.tolist()]
        kind, value = "polygonlabels", {"points": points, "closed": True, "polygonlabels": [label]}
    else:
        kind, value = "brushlabels", {"format": "rle", "rle": brush_rle(rle.decode(ann["segmentation"])),
                                      "brushlabels": [label]}
    return {"id": f"{image_id}_{k}", "type": kind, "from_name": export.ls_from_name, "to_name": export.ls_to_name,
            "original_width": w, "original_height": h, "image_rotation": 0, "value": value, "score": ann["score"]}


def task(image_id: int, rec: dict, labels: dict[int, str], version: str, export: ExportOptions) -> dict:
    regions = [region(a, k, image_id, rec, labels[a["category_id"]], export)
               for k, a in enumerate(rec["annotations"], 1)]
    regions = [r for r in regions if r is not None]
    prediction: dict = {"model_version": version, "result": regions}
    if regions:
        prediction["score"] = round(sum(r["score"] for r in regions) / len(regions), 6)
    return {"data": {"image": export.ls_image_root + quote(rec["file"], safe="/"), "image_id": image_id},
            "predictions": [prediction]}


def labeling_config(categories: list[dict], export: ExportOptions) -> str:
    tag = "PolygonLabels" if export.ls_polygons else "BrushLabels"
    labels = "".join(f"    <Label value={quoteattr(c['name'])}/>\n" for c in categories)
    return (f"<View>\n  <Image name={quoteattr(export.ls_to_name)} value=\"$image\" zoom=\"true\"/>\n"
            f"  <{tag} name={quoteattr(export.ls_from_name)} toName={quoteattr(export.ls_to_name)}>\n"
            f"{labels}  </{tag}>\n</View>\n")


def config_path(target: str | Path) -> Path:
    return Path(target).parent / CONFIG_FILE


def write(source: ImageSource, target: str, names: dict[int, str], info: dict, export: ExportOptions) -> None:
    categories = categories_json(source.used_categories(), names)
    labels = {c["id"]: c["name"] for c in categories}
    version = model_version(info)
    with open_output(target) as f:
        json_list(f, (task(image_id, rec, labels, version, export) for image_id, rec in source.images(ok_only=True)))
    with open_output(config_path(target)) as f:
        f.write(labeling_config(categories, export))


def is_tasks(doc: object) -> bool:
    return isinstance(doc, list) and bool(doc) and isinstance(doc[0], dict) and "data" in doc[0]


def merge_tasks(inputs: list[tuple[Path, list[dict]]], out: str | Path, claim) -> tuple[int, int]:
    """Shards' tasks in image-id order → `out`, and their (identical) labeling
    config beside it. `claim(image_id, path)` refuses an image in two shards.
    Returns (tasks, regions)."""
    tasks = []
    for path, items in inputs:
        for n, item in enumerate(items):
            image_id = item.get("data", {}).get("image_id") if isinstance(item, dict) else None
            if not isinstance(image_id, int):
                raise InputError(f"{path}: [{n}]: not a samcli task (no data.image_id)")
            claim(image_id, path)
            tasks.append((image_id, item))
    tasks.sort(key=lambda pair: pair[0])
    configs = {config_path(p).read_text(encoding="utf-8") for p, _ in inputs if config_path(p).is_file()}
    if len(configs) > 1:
        raise InputError("the shards' labeling configs differ: " + ", ".join(str(config_path(p)) for p, _ in inputs))
    with open_output(out) as f:
        json.dump([t for _, t in tasks], f)
    if configs and str(out) != "-":
        with open_output(config_path(out)) as f:
            f.write(configs.pop())
    return len(tasks), sum(len(p.get("result", [])) for _, t in tasks for p in t.get("predictions", []))
