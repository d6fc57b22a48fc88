"""Results that score against the COCO dataset they came from (issue 15, item 1):
with `--coco-images` (or COCO ground truth as prompts) every output numbers
images by the dataset's ids, ranks detections by their own score, and keeps
the mask's predicted IoU as a field of its own. On `sample_data/eval`, whose
ids (dog 1, truck 2, picture1 3, groceries 4) are not samcli's path order
(dog, groceries, picture1, truck), with the fake models: no fixtures needed."""
from __future__ import annotations

import contextlib
import io
import json
import shutil

import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from samcli.engine.segment import ranking_score
from tests.cli_helpers import SAMPLES, invoke
from tests.fake_models import write_checkpoint

GT = SAMPLES / "eval" / "instances_gt.json"
DETECTIONS = SAMPLES / "eval" / "detections.json"
GT_IDS = {img["file_name"]: img["id"] for img in json.loads(GT.read_text())["images"]}


@pytest.fixture(scope="module")
def disc(tmp_path_factory):
    return write_checkpoint(tmp_path_factory.mktemp("disc") / "disc.pt")


def segment(disc, *args, images=SAMPLES / "images", env=None, model="disc"):
    return invoke("segment", images, "-p", DETECTIONS, "--coco-images", GT, "-m", model, "-c", disc, *args, env=env)


def quietly(fn, *args):
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        return fn(*args)


def segm_eval(gt: COCO, results: list[dict]) -> COCOeval:
    evaluation = COCOeval(gt, quietly(gt.loadRes, results), "segm")
    for step in (evaluation.evaluate, evaluation.accumulate, evaluation.summarize):
        quietly(step)
    return evaluation


def test_coco_results_load_and_score_against_their_ground_truth(disc, tmp_path):
    res = tmp_path / "res.json"
    run = segment(disc, "-f", "coco-results", "-o", res, "-q")
    assert run.exit_code == 0, run.stderr
    gt = quietly(COCO, str(GT))
    quietly(gt.loadRes, str(res))  # "Results do not correspond to current coco set" before
    results = json.loads(res.read_text())
    assert segm_eval(gt, results).stats[0] >= 0  # scored
    detections = json.loads(DETECTIONS.read_text())
    assert sorted((a["image_id"], a["category_id"], a["score"]) for a in results) == sorted(
        (d["image_id"], d["category_id"], d["score"]) for d in detections)
    sizes = {img["id"]: [img["height"], img["width"]] for img in gt.dataset["images"]}
    for a in results:  # each mask lies on the image its id names
        assert a["segmentation"]["size"] == sizes[a["image_id"]]
        assert a["score"] == a["detection_score"] and 0.4 < a["predicted_iou"] < 1


def test_oracle_masks_score_as_samcli_eval_scores_them(disc, tmp_path):
    """Ground-truth masks for the sample detections: segment's results, scored by
    COCOeval, give the AP of `samcli eval --protocol coco-ap`, which ranks by the
    detections' scores; ranked by the (constant) predicted IoU they would not."""
    env = {"SAMCLI_PLUGINS": "tests.eval_oracle", "SAMCLI_ORACLE_GT": str(GT),
           "SAMCLI_ORACLE_IMAGES": str(SAMPLES / "images")}
    res = tmp_path / "res.json"
    run = segment(disc, "-f", "coco-results", "-o", res, "-q", "--multimask", "always", env=env, model="oracle")
    assert run.exit_code == 0, run.stderr
    results = [{k: v for k, v in a.items() if k != "bbox"} for a in json.loads(res.read_text())]  # mask areas
    ours = segm_eval(quietly(COCO, str(GT)), results).stats
    report = invoke("eval", SAMPLES / "images", "-a", GT, "-m", "oracle", "-c", disc, "--protocol", "coco-ap",
                    "--detections", DETECTIONS, "-o", "-", "-q", env=env)
    metrics = json.loads(report.stdout)["models"][0]["metrics"]
    assert 0.5 < ours[0] < 1.0
    assert list(ours[:6]) == pytest.approx([metrics[k] if metrics[k] is not None else -1
                                           for k in ("AP", "AP50", "AP75", "APs", "APm", "APl")])


def test_every_output_numbers_images_as_the_dataset_does(disc, tmp_path):
    images = tmp_path / "images"
    shutil.copytree(SAMPLES / "images", images)
    shutil.copy(images / "dog.jpg", images / "extra.jpg")  # not in the dataset: numbered above its ids
    expected = {**GT_IDS, "extra.jpg": max(GT_IDS.values()) + 1}
    out = tmp_path / "out.json"
    run = segment(disc, "-o", out, "--keep-journal", images=images)
    assert run.exit_code == 0, run.stderr
    assert "1 image is not in" in run.stderr and "'extra.jpg'" in run.stderr
    doc = json.loads(out.read_text())
    assert {img["file_name"]: img["id"] for img in doc["images"]} == expected
    assert doc["categories"] == json.loads(GT.read_text())["categories"]

    streamed = segment(disc, "-f", "jsonl", "-q", images=images)  # stdout: each line as its image is done
    assert {(r := json.loads(line))["file"]: r["image_id"] for line in streamed.stdout.splitlines()} == expected
    tasks = tmp_path / "ls" / "tasks.json"
    assert segment(disc, "-f", "labelstudio", "-o", tasks, "-q", images=images).exit_code == 0
    assert {t["data"]["image"].rsplit("=", 1)[1]: t["data"]["image_id"] for t in json.loads(tasks.read_text())} == expected
    converted = tmp_path / "res.json"
    assert invoke("convert", out, "--to", "coco-results", "-o", converted, "-q").exit_code == 0
    by_id = {img["id"]: img["file_name"] for img in doc["images"]}
    assert {by_id[a["image_id"]] for a in json.loads(converted.read_text())} == set(GT_IDS)

    journal = json.loads((tmp_path / "out.json.journal.jsonl").read_text().splitlines()[0])
    assert journal["fingerprint"]["image_ids"] == "coco"
    first = out.read_bytes()
    out.unlink()
    resumed = segment(disc, "-o", out, "--resume", "--keep-journal", "-q", images=images)  # written from the journal
    assert resumed.exit_code == 0 and out.read_bytes() == first
    refused = segment(disc, "-o", out, "--resume", "--score", "mask", "-q", images=images)
    assert refused.exit_code == 2 and "settings.score" in refused.stderr


def test_shards_merge_to_the_single_run_and_refuse_another_numbering(disc, tmp_path):
    single = tmp_path / "single.json"
    assert segment(disc, "-o", single, "-q").exit_code == 0
    parts = [tmp_path / f"part{i}.json" for i in range(2)]
    for i, part in enumerate(parts):
        assert segment(disc, "-o", part, "-q", "--shard", f"{i}/2").exit_code == 0
    merged = tmp_path / "merged.json"
    assert invoke("merge", *parts, "-o", merged).exit_code == 0
    assert merged.read_bytes() == single.read_bytes()
    # the same images numbered samcli's way are another job's shard
    other = tmp_path / "other.json"
    assert invoke("segment", SAMPLES / "images", "-p", SAMPLES / "prompts" / "prompts.json", "-m", "disc", "-c", disc,
                  "-o", other, "-q", "--shard", "1/2").exit_code == 0
    refused = invoke("merge", parts[0], other, "-o", tmp_path / "mixed.json")
    assert refused.exit_code == 2 and "another job" in refused.stderr


def test_detections_naming_no_file_say_that_coco_images_is_the_fix(disc, tmp_path):
    run = invoke("segment", SAMPLES / "images", "-p", DETECTIONS, "-m", "disc", "-c", disc, "-o", tmp_path / "o.json")
    assert run.exit_code == 1
    assert "detections for image_id 2, but no image's file stem is 2" in run.stderr
    assert "--coco-images" in run.stderr


def test_the_score_ranks_detections_by_their_own_score_unless_asked():
    assert ranking_score("detection", 0.8, 0.5) == 0.8
    assert ranking_score("mask", 0.8, 0.5) == 0.5
    assert ranking_score("product", 0.8, 0.5) == pytest.approx(0.4)
    for mode in ("detection", "mask", "product"):  # hand-made prompts: the predicted IoU
        assert ranking_score(mode, None, 0.5) == 0.5
