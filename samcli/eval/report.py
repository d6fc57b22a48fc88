"""The numbers of a `samcli eval` run, computed at the end from each model's
journal records (so a resumed run reports what an uninterrupted one does), and
the table the command prints.

The report (`--out report.json`; `REPORT_VERSION`), IoUs and APs as fractions:

    {"samcli_eval": 1, "samcli": "0.1.0", "protocol": "box" | "point" | "coco-ap",
     "settings": {"multimask", "max_images", "device", "precision", "batch_size", "prompt_batch",
                  "clicks" and "feedback" (point only)},
     "annotations": {"path", "sha256"}, "detections": {"path", "sha256"} | null,
     "images": {"listed", "with_ground_truth", "evaluated"},
     "models": [{"label", "model", "checkpoint", "weights_sha256",
                 "images", "failed", "instances", "detections" (coco-ap only),
                 "metrics": ..., "failed_images": [{"file", "error"}],
                 "timing": {"images", "seconds", "images_per_s", "encoded"}}],
     "errors": [...], "warnings": [...]}

`metrics`: box → {"all" | "small" | "medium" | "large": {"mIoU", "count"}};
point → {"<k>": that table after k clicks, for each k of --clicks};
coco-ap → {"AP", "AP50", "AP75", "APs", "APm", "APl"}. null where there is
nothing to average. `timing` is this invocation's: the images it processed
(not those resumed from the journal) over its wall time, model loading
excluded; everything else is the same after --resume.
"""
from __future__ import annotations

from collections.abc import Iterable

from samcli.eval.cocoeval import AP_NAMES, coco_ap
from samcli.eval.ground_truth import GroundTruth, GtImage
from samcli.eval.metrics import SIZE_RANGES, InstanceResult, click_table, miou_table
from samcli.eval.pipeline import EvalOptions

REPORT_VERSION = 1


def model_numbers(options: EvalOptions, gt: GroundTruth, truth: dict[str, GtImage],
                  records: Iterable[dict]) -> dict:
    """One model's journal records (the last one per image) → "images", "failed",
    "instances", ("detections"), "metrics", "failed_images" of its report entry."""
    images: list[GtImage] = []
    failed: list[dict] = []
    instances: list[InstanceResult] = []
    found: list[dict] = []
    for rec in records:
        if "error" in rec:
            failed.append({"file": rec["file"], "error": rec["error"]})
            continue
        images.append(truth[rec["file"]])
        found += rec.get("detections", [])
        instances += [InstanceResult.from_json(rec["file"], r) for r in rec.get("instances", [])]
    out: dict = {"images": len(images), "failed": len(failed)}
    if options.protocol == "coco-ap":
        out["instances"] = sum(len(image.instances) for image in images)
        out["detections"] = len(found)
        out["metrics"] = coco_ap(gt, images, found) if images else dict.fromkeys(AP_NAMES)
    else:
        out["instances"] = len(instances)
        out["metrics"] = miou_table(instances) if options.protocol == "box" else \
            click_table(instances, options.clicks)
    out["failed_images"] = failed
    return out


def table(report: dict) -> tuple[list[str], list[list[str]]]:
    """Column headers and one row of text per model: the protocol's numbers ×100."""
    protocol, clicks = report["protocol"], report["settings"].get("clicks", ())
    if protocol == "box":
        heads = [f"{name} (n)" for name in ("all", *SIZE_RANGES)]
    elif protocol == "point":
        heads = [f"{k} click{'s' if k > 1 else ''}" for k in clicks]
    else:
        heads = list(AP_NAMES)
    counted = ["instances", "detections"] if protocol == "coco-ap" else ["instances"]
    rows = []
    for m in report["models"]:
        failed = f" ({m['failed']} failed)" if m["failed"] else ""
        rate = m["timing"]["images_per_s"]
        rows.append([m["label"], f"{m['images']}{failed}", *(str(m[c]) for c in counted),
                     *_numbers(protocol, m["metrics"], clicks), "–" if rate is None else f"{rate:.2f}"])
    return ["model", "images", *counted, *heads, "img/s"], rows


def _numbers(protocol: str, metrics: dict, clicks) -> list[str]:
    if protocol == "box":
        return [f"{_pct(metrics[name]['mIoU'])} ({metrics[name]['count']})" for name in ("all", *SIZE_RANGES)]
    if protocol == "point":
        return [_pct(metrics[str(k)]["all"]["mIoU"]) for k in clicks]
    return [_pct(metrics[name]) for name in AP_NAMES]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"
