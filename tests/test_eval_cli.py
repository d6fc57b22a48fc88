"""`samcli eval` through the command line (in this process, for speed) with the
oracle model (tests/eval_oracle.py): it scores 1.0 under every protocol, on
small synthetic jobs and on sample_data/eval; bad input is reported the way a
labeling tool's user expects (exit 0 all good, 1 finished with problems,
2 unusable input, 3 weights)."""
from __future__ import annotations

import json

import pytest

from tests.cli_helpers import SAMPLES, invoke
from tests.eval_cli_data import PLUGINS, annotation, block, make_job, uncompressed

ONE = {"mIoU": 1.0, "count": 6}


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return make_job(tmp_path_factory.mktemp("evaljob"))


@pytest.fixture
def bad_job(tmp_path):
    return make_job(tmp_path)


def report(run, out) -> dict:
    assert run.exit_code in (0, 1), run.stderr
    return json.loads(out.read_text())


def test_box_oracle_scores_one_and_leaves_crowds_out(job, tmp_path):
    out = tmp_path / "r.json"
    run = job.invoke("box", "-o", out)
    assert run.exit_code == 0, run.stderr
    r = report(run, out)
    (m,) = r["models"]
    assert m["metrics"] == {"all": ONE, "small": {"mIoU": 1.0, "count": 3}, "medium": {"mIoU": 1.0, "count": 3},
                            "large": {"mIoU": None, "count": 0}}
    assert (m["images"], m["instances"], m["failed"], m["failed_images"]) == (3, 6, 0, [])  # crowd 19 not prompted
    assert r["images"] == {"listed": 3, "with_ground_truth": 3, "evaluated": 3}
    assert r["protocol"] == "box" and r["settings"]["multimask"] == "always" and r["errors"] == r["warnings"] == []
    assert m["timing"]["encoded"] == 3 and m["timing"]["images_per_s"] > 0
    assert not list(tmp_path.glob("*.journal.jsonl"))  # removed once the report is written
    # the table, on stderr; stdout stays empty without --out -
    assert "100.0 (6)" in run.stderr and "– (0)" in run.stderr and run.stdout == ""


@pytest.mark.parametrize("extra", [[], ["--feedback", "--batch-size", "2"]])
def test_point_oracle_scores_one_after_every_click_count(job, tmp_path, extra):
    out = tmp_path / "r.json"
    run = job.invoke("point", "--clicks", "5,1,3", "-o", out, *extra)
    assert run.exit_code == 0, run.stderr
    r = report(run, out)
    (m,) = r["models"]
    assert r["settings"]["clicks"] == [1, 3, 5] and r["settings"]["feedback"] is bool(extra)
    assert m["metrics"].keys() == {"1", "3", "5"}
    assert all(m["metrics"][k]["all"] == ONE for k in ("1", "3", "5"))
    if extra:  # two images per encoder batch; the oracle, like the disc model, takes no mask prompt
        assert r["settings"]["batch_size"] == 2
        assert r["warnings"] == ["--feedback: oracle takes no mask prompt; its clicks run without the previous mask"]
        assert r["warnings"][0] in run.stderr


def test_coco_ap_oracle_with_ground_truth_boxes_scores_one(job, tmp_path):
    out = tmp_path / "r.json"
    run = job.invoke("coco-ap", "-o", out)
    r = report(run, out)
    (m,) = r["models"]
    assert m["metrics"] == {"AP": 1.0, "AP50": 1.0, "AP75": 1.0, "APs": 1.0, "APm": 1.0, "APl": None}
    assert (m["images"], m["instances"], m["detections"]) == (3, 6, 6)
    assert r["detections"]["path"] == str(job.detections) and len(r["detections"]["sha256"]) == 64
    assert "100.0" in run.stderr and run.exit_code == 0


def test_sample_data_oracle_box_and_coco_ap(tmp_path):
    """13 instances in polygons and both RLE forms, a crowd region; the sample detections
    (a false positive, a loose duplicate, a miss) score short of 1.0."""
    env = {"SAMCLI_PLUGINS": PLUGINS, "SAMCLI_ORACLE_GT": str(SAMPLES / "eval" / "instances_gt.json"),
           "SAMCLI_ORACLE_IMAGES": str(SAMPLES / "images")}
    weights = make_job(tmp_path).checkpoint
    args = ["eval", SAMPLES / "images", "-a", SAMPLES / "eval" / "instances_gt.json", "--model", "oracle",
            "-c", weights, "-q"]
    box = invoke(*args, "--protocol", "box", "-o", "-", env=env)
    assert box.exit_code == 0, box.stderr
    (m,) = json.loads(box.stdout)["models"]  # --out -: the report on stdout
    assert m["metrics"]["all"] == {"mIoU": 1.0, "count": 13} and m["metrics"]["small"]["count"] == 2
    ap = invoke(*args, "--protocol", "coco-ap", "--detections", SAMPLES / "eval" / "detections.json", "-o", "-",
                env=env)
    (m,) = json.loads(ap.stdout)["models"]
    assert 0.5 < m["metrics"]["AP"] < 1.0 and m["detections"] == 14


def test_several_models_one_row_each(job, tmp_path):
    out = tmp_path / "r.json"
    run = job.invoke("box", "-o", out, models="oracle,disc,disc")
    r = report(run, out)
    assert [m["label"] for m in r["models"]] == ["oracle", "disc#1", "disc#2"]
    assert r["models"][1]["metrics"] == r["models"][2]["metrics"] != r["models"][0]["metrics"]
    rows = [line for line in run.stderr.splitlines() if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows] == ["oracle", "disc#1", "disc#2"]


def test_max_images_evaluates_the_first_images_with_ground_truth(job, tmp_path):
    out = tmp_path / "r.json"
    r = report(job.invoke("box", "--max-images", "2", "-o", out, "-q"), out)
    assert r["images"]["evaluated"] == 2 and r["models"][0]["instances"] == 4 and r["settings"]["max_images"] == 2
    # the other images' detections are not errors, and their ground truth does not count as missed
    ap = job.invoke("coco-ap", "--max-images", "2", "-o", out)
    assert ap.exit_code == 0, ap.stderr
    (m,) = report(ap, out)["models"]
    assert (m["detections"], m["instances"], m["metrics"]["AP"]) == (4, 4, 1.0)


def test_bad_annotations_are_reported_and_the_rest_evaluated(bad_job, tmp_path):
    doc = bad_job.read_gt()
    doc["images"].append({"id": 99, "file_name": "gone.png", "height": 96, "width": 128})
    doc["annotations"] += [
        annotation(77, 99, [[1.0, 1.0, 9.0, 1.0, 9.0, 9.0]]),  # for an image that is not among IMAGES
        {**annotation(78, 1, [[50.0, 1.0, 59.0, 1.0, 59.0, 6.0]]), "category_id": 9},  # unknown category
        annotation(79, 2, uncompressed(block((0, 0), (0, 0)))),  # an empty mask
        {"id": 80, "image_id": 2, "category_id": 1},  # no segmentation
    ]
    bad_job.write_gt(doc)
    (bad_job.images / "extra.png").write_bytes((bad_job.images / "img0.png").read_bytes())  # no ground truth
    out = tmp_path / "r.json"
    run = bad_job.invoke("box", "-o", out)
    assert run.exit_code == 1, run.stderr
    gt = bad_job.gt
    for message in (f"{gt}: annotations 77 are for 'gone.png' (image id 99), which is not among the images",
                    f"{gt}: annotation 78: category_id 9 is not one of the file's categories",
                    f"{gt}: annotation 80: missing \"segmentation\"",
                    f"{gt}: annotation 79 (image 'img1.png'): empty mask; not evaluated",
                    f"1 image not in {gt}, not evaluated: extra.png"):
        assert message in run.stderr
    r = report(run, out)
    assert len(r["errors"]) == 3 and len(r["warnings"]) == 2
    assert r["models"][0]["metrics"]["all"] == ONE  # everything usable was evaluated
    assert r["images"] == {"listed": 4, "with_ground_truth": 3, "evaluated": 3}


def test_an_image_of_another_size_or_unreadable_fails_alone(bad_job, tmp_path):
    doc = bad_job.read_gt()
    doc["images"][1]["height"] = 100
    doc["annotations"] = [a for a in doc["annotations"] if a["image_id"] != 2]  # its masks would not fit
    bad_job.write_gt(doc)
    (bad_job.images / "sub" / "img2.png").write_bytes(b"not a png")
    out = tmp_path / "r.json"
    run = bad_job.invoke("box", "-o", out)
    assert run.exit_code == 1
    assert "img1.png: the image is 128×96 but the ground truth says 128×100" in run.stderr
    (m,) = report(run, out)["models"]
    assert (m["images"], m["failed"], m["instances"]) == (1, 2, 2)
    assert [f["file"] for f in m["failed_images"]] == ["img1.png", "sub/img2.png"] and "2 failed" in run.stderr


def test_detections_for_unknown_images_and_bad_items_are_reported(bad_job, tmp_path):
    dets = json.loads(bad_job.detections.read_text())
    doc = bad_job.read_gt()
    doc["images"].append({"id": 99, "file_name": "gone.png", "height": 96, "width": 128})
    bad_job.write_gt(doc)
    dets += [{**dets[0], "image_id": 99}, {**dets[0], "bbox": [1, 2, "x", 4]}, {"image_id": 1, "score": 0.5}]
    bad_job.detections.write_text(json.dumps(dets))
    out = tmp_path / "r.json"
    run = bad_job.invoke("coco-ap", "-o", out)
    assert run.exit_code == 1
    assert "detections for 'gone.png', which is not among the images; not evaluated" in run.stderr
    assert f"{bad_job.detections}: [7]" in run.stderr  # the broken item, by its position
    assert 'missing "bbox" [x, y, width, height]' in run.stderr  # printed as it is, not read as markup
    assert report(run, out)["models"][0]["metrics"]["AP"] == 1.0


def coco_file(tmp_path, doc) -> str:
    path = tmp_path / "other.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


@pytest.mark.parametrize("case, extra, message", [
    ("not json", lambda j, t: ["-a", coco_file(t, "{oops")], "not valid JSON"),
    ("not coco", lambda j, t: ["-a", coco_file(t, {"images": []})], "not a COCO ground-truth file"),
    ("no image matches", lambda j, t: ["-a", coco_file(t, {**j.read_gt(), "images": [
        {**im, "file_name": "val/" + im["file_name"]} for im in j.read_gt()["images"]]})],
     "file_name in the ground truth must be the path relative to the IMAGES folder"),
    ("crowds only", lambda j, t: ["-a", coco_file(t, {**j.read_gt(), "annotations": [
        {**a, "iscrowd": 1} for a in j.read_gt()["annotations"]]})], "no instance to evaluate"),
    ("unknown model", lambda j, t: ["-m", "nope"], "unknown model 'nope'"),
    ("saliency model", lambda j, t: ["-m", "u2netp"], "u2netp is a salient-object map"),
    ("checkpoints", lambda j, t: ["-m", "oracle,disc"], "--checkpoint is given 1 time for 2 models"),
    ("clicks for box", lambda j, t: ["--clicks", "1,2"], "--clicks and --feedback are for --protocol point"),
    ("detections for box", lambda j, t: ["--detections", str(j.detections)], "--detections is for --protocol coco-ap"),
    ("resume without out", lambda j, t: ["--resume"], "--resume needs --out FILE"),
    ("unknown protocol", lambda j, t: ["--protocol", "mask"], "'mask' is not one of 'box', 'point', 'coco-ap'"),
])
def test_unusable_input_exits_2_before_any_work(job, tmp_path, case, extra, message):
    args = ["eval", job.images, "-a", job.gt, "--protocol", "box", "-c", job.checkpoint, "-m", "oracle"]
    run = invoke(*args, *extra(job, tmp_path), env=job.env())
    assert run.exit_code == 2, (case, run.stderr)
    assert message in run.stderr, case
    assert "Traceback" not in run.stderr and not list(job.root.glob("*.journal.jsonl"))


@pytest.mark.parametrize("protocol, extra, message", [
    ("coco-ap", [], "--protocol coco-ap needs --detections FILE"),
    ("coco-ap", ["--detections", "GT"], "a COCO dataset, not a detector's results list"),
    ("point", ["--clicks", "1,x"], "--clicks must be click counts separated by commas"),
    ("point", ["--clicks", "0,2"], "--clicks must be click counts of at least 1"),
    ("point", ["--clicks", "1,7", "-m", "efficientsam-ti"], "efficientsam-ti: 7 clicks: EfficientSam accepts at most 6 points"),
])
def test_protocol_options_are_checked(job, protocol, extra, message):
    extra = [str(job.gt) if e == "GT" else e for e in extra]
    run = invoke("eval", job.images, "-a", job.gt, "--protocol", protocol, *extra, env=job.env())
    assert run.exit_code == 2 and message in run.stderr, run.stderr


def test_lvis_ground_truth_is_refused_for_coco_ap_only(job, tmp_path):
    doc = job.read_gt()
    doc["images"] = [{**im, "not_exhaustive_category_ids": []} for im in doc["images"]]
    lvis = coco_file(tmp_path, doc)
    args = ["eval", job.images, "-a", lvis, "-m", "oracle", "-c", job.checkpoint, "-q"]
    refused = invoke(*args, "--protocol", "coco-ap", "--detections", job.detections, env=job.env())
    assert refused.exit_code == 2 and "an LVIS file; LVIS AP is federated" in refused.stderr
    assert invoke(*args, "--protocol", "box", env=job.env()).exit_code == 0


def test_weights_problems_exit_3(job, tmp_path):
    absent = invoke("eval", job.images, "-a", job.gt, "--protocol", "box", "-m", "disc", "--offline",
                    env={**job.env(), "SAMCLI_HOME": str(tmp_path)})
    assert absent.exit_code == 3 and "disc.pt" in absent.stderr
    wrong = tmp_path / "wrong.pt"
    wrong.write_bytes(b"not a checkpoint")
    unreadable = invoke("eval", job.images, "-a", job.gt, "--protocol", "box", "-m", "disc", "-c", wrong, env=job.env())
    assert unreadable.exit_code == 3 and "wrong.pt" in unreadable.stderr
