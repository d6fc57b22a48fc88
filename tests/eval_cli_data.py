"""Small evaluation jobs for `samcli eval` tests: noise images (each one
different, so the oracle tells them apart by their pixels), COCO ground truth
in every segmentation form, a detections file, and the command line with the
fake models (`disc`, `oracle`) registered."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from samcli.eval.segmentation import to_rle
from samcli.ops import rle
from tests.cli_helpers import invoke, samcli
from tests.fake_models import write_checkpoint

H, W = 96, 128
CATEGORIES = [{"id": 1, "name": "thing"}, {"id": 2, "name": "block"}]
PLUGINS = "tests.fake_models,tests.eval_oracle"


def block(rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
    mask = np.zeros((H, W), dtype=bool)
    mask[rows[0] : rows[1], cols[0] : cols[1]] = True
    return mask


def annotation(ann_id: int, image_id: int, segmentation, category_id: int = 1, iscrowd: int = 0) -> dict:
    """With `area` and `bbox` from the mask, as COCO writes them."""
    mask = to_rle(segmentation, H, W)
    x, y, w, h = (float(v) for v in rle.bbox([mask])[0])
    return {"id": ann_id, "image_id": image_id, "category_id": category_id, "segmentation": segmentation,
            "area": float(rle.area([mask])[0]), "bbox": [x, y, w, h], "iscrowd": iscrowd}


def image_annotations(image_id: int) -> list[dict]:
    """A small polygon (600 px), a medium compressed-RLE block (1600 px); the first
    image also has a crowd region, stored as COCO stores crowds (uncompressed RLE)."""
    polygon = [[8.0, 8.0, 38.0, 8.0, 38.0, 28.0, 8.0, 28.0]]
    compressed = rle.encode(block((40, 80), (60, 100))[None])[0]
    out = [annotation(10 * image_id + 1, image_id, polygon), annotation(10 * image_id + 2, image_id, compressed, 2)]
    if image_id == 1:
        out.append(annotation(19, image_id, uncompressed(block((70, 90), (0, 20))), iscrowd=1))
    return out


def uncompressed(mask: np.ndarray) -> dict:
    """COCO's uncompressed RLE: run lengths in column-major order, starting with background."""
    flat = mask.ravel(order="F").astype(np.int8)
    runs = np.diff(np.r_[0, np.flatnonzero(np.diff(flat)) + 1, flat.size]).tolist()
    return {"size": list(mask.shape), "counts": runs if flat[0] == 0 else [0, *runs]}


@dataclass
class EvalJob:
    root: Path
    images: Path
    gt: Path
    detections: Path
    checkpoint: Path
    names: list[str]

    def env(self, **more) -> dict:
        """The fake models, the oracle's ground truth and images."""
        return {"SAMCLI_PLUGINS": PLUGINS, "SAMCLI_ORACLE_GT": str(self.gt), "SAMCLI_ORACLE_IMAGES": str(self.images),
                **more}

    def args(self, protocol: str, *extra, models: str = "oracle") -> list:
        """`eval IMAGES -a GT --protocol P --model M [-c CHECKPOINT per model] …` (and --detections for coco-ap)."""
        count = len(models.split(","))
        detections = ["--detections", self.detections] if protocol == "coco-ap" else []
        return ["eval", self.images, "-a", self.gt, "--protocol", protocol, "--model", models,
                *(["-c", self.checkpoint] * count), *detections, *extra]

    def invoke(self, protocol: str, *extra, models: str = "oracle", env: dict | None = None):
        return invoke(*self.args(protocol, *extra, models=models), env=self.env(**(env or {})))

    def run(self, protocol: str, *extra, models: str = "oracle", env: dict | None = None):
        """In a subprocess: `samcli eval …`, killable."""
        return samcli(*self.args(protocol, *extra, models=models), env=self.env(**(env or {})))

    def write_gt(self, doc: dict) -> None:
        self.gt.write_text(json.dumps(doc))

    def read_gt(self) -> dict:
        return json.loads(self.gt.read_text())


def make_job(root: Path, count: int = 3) -> EvalJob:
    """`count` images img0.png, …, one in a subfolder (sub/img<last>.png), two instances
    each, a crowd on the first; detections = the instances' boxes."""
    images = root / "images"
    rng = np.random.default_rng(count)
    names = [f"img{k}.png" for k in range(count - 1)] + [f"sub/img{count - 1}.png"]
    doc: dict = {"images": [], "annotations": [], "categories": CATEGORIES}
    for k, name in enumerate(names, start=1):
        (images / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (H, W, 3), dtype=np.uint8)).save(images / name)
        doc["images"].append({"id": k, "file_name": name, "height": H, "width": W})
        doc["annotations"] += image_annotations(k)
    detections = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
                   "score": round(0.9 - 0.01 * n, 2)} for n, a in enumerate(doc["annotations"]) if not a["iscrowd"]]
    job = EvalJob(root, images, root / "gt.json", root / "detections.json",
                  write_checkpoint(root / "weights.pt"), names)
    job.write_gt(doc)
    job.detections.write_text(json.dumps(detections))
    return job


def report_of(path: Path) -> dict:
    """A report without its timing (the one thing a rerun or a resumed run may change)."""
    report = json.loads(Path(path).read_text())
    for model in report["models"]:
        model.pop("timing")
    return report
