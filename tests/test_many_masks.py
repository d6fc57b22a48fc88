"""Any number of masks per image (issue 14, item 1): 256 and more RLEs once
overflowed pycocotools' area (uint8 scratch array, 2.0.11 + numpy 2), and an
image's masks were all held until it was done. Here: the RLE helpers on 300
masks, 300 boxes through a parity model, windowed decoding giving the masks of
one window, 10,000 boxes and an `everything` run keeping 700+ masks through
the command line, each area checked against the decoded mask."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from samcli.engine import segment as segment_module
from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.segment import SegmentOptions, Segmenter
from samcli.io.images import ImageRef
from samcli.io.prompts.types import Prompt
from samcli.ops import rle
from tests.cli_helpers import invoke
from tests.fake_models import DiscModel, write_checkpoint
from tests.parity import IMAGES_DIR


def extents(mask: np.ndarray) -> list[float]:
    """COCO xywh of a bool mask (w, h = pixel extents)."""
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return [0.0, 0.0, 0.0, 0.0]
    return [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]


def check_against_decoded(annotations: list[dict]) -> None:
    """Each annotation's area and bbox are those of its decoded mask."""
    for ann in annotations:
        code = dict(ann["segmentation"], counts=ann["segmentation"]["counts"].encode("ascii"))
        mask = mask_utils.decode(code)
        assert ann["area"] == int(mask.sum())
        assert ann["bbox"] == [round(v, 2) for v in extents(mask.astype(bool))]


def random_boxes(n: int, width: int, height: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(0, width - 4, n), rng.uniform(0, height - 4, n)
    return np.stack([x0, y0, np.minimum(x0 + rng.uniform(3, width / 2, n), width - 1),
                     np.minimum(y0 + rng.uniform(3, height / 2, n), height - 1)], axis=1)


def test_rle_helpers_take_any_number_of_masks():
    rng = np.random.default_rng(0)
    masks = rng.random((300, 20, 30)) < rng.random((300, 1, 1))  # densities from empty to full
    codes = rle.encode(masks)
    assert rle.area(codes) == [int(m.sum()) for m in masks]
    assert rle.bbox(codes) == [extents(m) for m in masks]
    assert all(np.array_equal(rle.decode(c), m) for c, m in zip(codes, masks))
    assert rle.iou(codes[299], codes[299]) == 1.0


@pytest.mark.slow  # 300 SAM decoder passes: ~20-60 s on CPU; the disc-model cases below cover the same code
def test_300_boxes_on_one_image_with_a_parity_model(parity_model):
    model = parity_model("mobilesam", "mobilesam")
    image = np.array(Image.open(IMAGES_DIR / "dog.jpg").convert("RGB"))[::4, ::4]  # 200×134: cheap upscales
    h, w = image.shape[:2]
    job = Job(ImageRef(None, "dog.jpg"), [Prompt(box=b) for b in random_boxes(300, w, h)], image=image)
    (result,) = Segmenter(model, SegmentOptions(prompt_batch=16), PipelineOptions("cpu")).run([job])
    assert result.ok, result.error
    annotations = [a.to_json() for a in result.annotations]
    assert [a["prompt_index"] for a in annotations] == list(range(300))
    check_against_decoded(annotations)
    assert sum(a["area"] > 0 for a in annotations) > 250  # real masks, not empty ones


def test_masks_made_window_by_window_are_those_of_one_window(monkeypatch):
    image = np.zeros((30, 40, 3), np.uint8)
    job = Job(ImageRef(None, "a.png"), [Prompt(box=b) for b in random_boxes(600, 40, 30)], image=image)

    def run(masks_in_flight: int) -> list[dict]:
        monkeypatch.setattr(segment_module, "MASKS_IN_FLIGHT", masks_in_flight)
        segmenter = Segmenter(DiscModel(prompt_size=64, low_res=16), SegmentOptions(prompt_batch=16),
                              PipelineOptions("cpu"))
        (result,) = segmenter.run([job])
        return [a.to_json() for a in result.annotations]

    windows = run(48)  # 13 windows of 3 decoder calls
    assert len(windows) == 600
    assert windows == run(10**6)


@pytest.fixture(scope="module")
def disc(tmp_path_factory):
    return write_checkpoint(tmp_path_factory.mktemp("disc") / "disc.pt")


def test_10000_boxes_on_one_image_through_the_cli(tmp_path, disc):
    Image.fromarray(np.zeros((40, 50, 3), np.uint8)).save(tmp_path / "a.png")
    boxes = random_boxes(10_000, 50, 40, seed=1).round(2)
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps({"images": [{"file": "a.png", "prompts": [{"box": b} for b in boxes.tolist()]}]}))
    out = tmp_path / "out.jsonl"
    run = invoke("segment", tmp_path / "a.png", "-p", prompts, "-o", out, "-f", "jsonl", "-q",
                 "--prompt-batch", "500", "--model", "disc-tiny", "--checkpoint", disc)
    assert run.exit_code == 0, run.output
    (line,) = out.read_text().splitlines()
    annotations = json.loads(line)["annotations"]
    assert [a["prompt_index"] for a in annotations] == list(range(10_000))
    check_against_decoded(annotations)
    assert len({a["area"] for a in annotations}) > 10  # discs cut by the frame in many ways


def test_everything_keeps_more_than_256_masks(tmp_path, disc):
    Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(tmp_path / "a.png")
    out = tmp_path / "out.jsonl"
    run = invoke("everything", tmp_path / "a.png", "-o", out, "-f", "jsonl", "-q", "--points-per-side", "24",
                 "--stability-score-thresh", "0.5", "--model", "disc-tiny", "--checkpoint", disc)
    assert run.exit_code == 0, run.output
    annotations = json.loads(out.read_text())["annotations"]
    assert len(annotations) > 700  # 1,728 candidates, box NMS at 0.7 keeps 731
    check_against_decoded(annotations)
