"""Hostile and damaged inputs through the command line (issue #14, items 6-8):
each is a usage error naming the file and the item (exit 2), a per-item
message (exit 1: the item skipped, the rest done), or for weights exit 3 —
never exit 4. In-process, with the fake model."""
from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch
from PIL import Image

from tests.cli_helpers import invoke
from tests.fake_models import write_checkpoint

BOX = '{"images": [{"file": "a.png", "prompts": [{"box": [1, 1, 20, 15], "category_id": %s}]}]}'
BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
        + "names: {0: *i}\n")


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    (root / "images").mkdir()
    Image.fromarray(np.full((24, 32, 3), 128, np.uint8)).save(root / "images" / "a.png")
    (root / "labels").mkdir()
    (root / "labels" / "a.txt").write_text("0 0.5 0.5 0.5 0.5\n")
    return root, write_checkpoint(root / "disc.pt")


def segment(job, prompts, *extra, out=None, fmt="jsonl"):
    root, ckpt = job
    return invoke("segment", root / "images", "-p", prompts, "-q", "-f", fmt, "-o", out or "-",
                  "--model", "disc", "--checkpoint", ckpt, *extra)


# (file name, content, exit code, the message): a file that cannot be used at all is exit 2,
# naming its line:column; an item that cannot be used is skipped by name and the rest runs (exit 1)
PROMPT_FILES = [
    ("deep.json", BOX % ("[" * 1000 + "]" * 1000), 2, "deep.json:1:"),
    ("long_int.json", BOX % ("9" * 4400), 2, "long_int.json:1:"),
    ("declared.json", '{"categories": [{"id": %d, "name": "x"}], "images": []}' % 2**64, 2,
     "declared.json: categories[0]"),
    ("gdino.jsonl", '{"file": "a.png", "boxes": [[0.5, 0.5, 0.1, 0.1]], "logits": %s}\n' % ("[" * 1200 + "]" * 1200),
     2, "gdino.jsonl:1:"),
    ("float_overflow.json", BOX % "1e400", 1, "float_overflow.json: images[0].prompts[0]: category_id"),
    ("beyond_int64.json", BOX % str(2**63), 1,
     "beyond_int64.json: images[0].prompts[0]: category_id 9223372036854775808 is too large"),
    ("box_overflow.json", '{"images": [{"file": "a.png", "prompts": [{"box": [1, 1, 1e400, 5]}]}]}', 1,
     "box_overflow.json: images[0].prompts[0]: box has inf"),
    ("coco.json", json.dumps({"images": [{"id": 1, "file_name": "a.png"}],
                              "annotations": [{"image_id": 1, "bbox": [1, 1, 5, 5], "category_id": 2**70}]}),
     1, "coco.json: annotations[0]: category_id"),
]


@pytest.mark.parametrize("name, content, code, says", PROMPT_FILES, ids=[c[0] for c in PROMPT_FILES])
def test_a_hostile_prompt_file_is_refused_by_file_and_item(job, name, content, code, says):
    prompts = job[0] / name
    prompts.write_text(content)
    run = segment(job, prompts)
    assert run.exit_code == code, run.output
    assert says in " ".join(run.output.split())


@pytest.mark.parametrize("names, where", [
    ("names:\n  ~: cat\n", '`names` key "~" is not a class index'),
    ("names:\n  .inf: cat\n", '`names` key ".inf" is not a class index'),
    ("names:\n  0.9: cat\n", '`names` key "0.9" is not a class index'),  # int() made it class 0
    ("names:\n  2001-13-45: cat\n", "is not a class index"),  # a YAML timestamp that does not exist
    (BOMB, "aliases (*name) are not allowed"),
])
def test_class_names_that_are_not_class_indices_are_usage_errors(job, names, where):
    data = job[0] / "data.yaml"
    data.write_text(names)
    started = time.perf_counter()
    run = segment(job, job[0] / "labels", "--class-names", data)
    assert time.perf_counter() - started < 5  # the alias bomb expanded takes a minute and 4 GB
    assert run.exit_code == 2 and "data.yaml" in run.output and where in " ".join(run.output.split())


def test_the_alias_bomb_is_refused_in_well_under_a_second(tmp_path):
    from samcli.errors import InputError
    from samcli.io.prompts.class_names import read_names

    bomb = tmp_path / "data.yaml"
    bomb.write_text(BOMB)
    started = time.perf_counter()
    with pytest.raises(InputError, match="aliases"):
        read_names(bomb)
    assert time.perf_counter() - started < 0.5


def test_coco_images_file_is_checked_like_a_prompt_file(job):
    results = job[0] / "results.json"
    results.write_text(json.dumps([{"image_id": 1, "bbox": [1, 1, 5, 5], "score": 0.9, "category_id": 1}]))
    images = job[0] / "images.json"
    images.write_text('{"images": [{"id": %s, "file_name": "a.png"}]}' % ("7" * 5000))
    run = segment(job, results, "--coco-images", images)
    assert run.exit_code == 2 and "images.json:1:" in run.output


def test_a_damaged_journal_is_refused_at_resume_with_its_byte_offset(job, tmp_path):
    prompts = tmp_path / "p.json"
    prompts.write_text(BOX % 1)
    out = tmp_path / "out.json"
    assert segment(job, prompts, "--keep-journal", out=out).exit_code == 0
    journal = tmp_path / "out.json.journal.jsonl"
    header, line = journal.read_bytes().splitlines(keepends=True)
    record = json.loads(line)
    cases = {
        "wrong type": {**record, "width": "24"},
        "RLE cut short": {**record, "annotations": [{**record["annotations"][0], "segmentation": {
            **record["annotations"][0]["segmentation"], "counts": "0P"}}]},
        "area off": {**record, "annotations": [{**record["annotations"][0], "area": 1}]},
        "width beyond int64": {**record, "width": 10**400},
        "RLE not of the image's size": {**record, "width": record["width"] + 1},
    }
    for problem, damaged in cases.items():
        journal.write_bytes(header + (json.dumps(damaged) + "\n").encode())
        run = segment(job, prompts, "--resume", out=out)
        assert run.exit_code == 2, (problem, run.output)
        assert f"damaged at byte {len(header)}" in " ".join(run.output.split()), problem


def test_merge_refuses_malformed_manifests_and_ids_naming_file_and_field(job, tmp_path):
    prompts = tmp_path / "p.json"
    prompts.write_text(BOX % 1)
    part = tmp_path / "part0.json"
    segment(job, prompts, "--shard", "0/1", out=part, fmt="coco")
    manifest = tmp_path / "part0.json.shard.json"
    good = json.loads(manifest.read_text())
    for broken, field in [({**good, "shard": [1, 1]}, '"shard" index 1 is out of range'),
                          ({**good, "shard": "0/2"}, '"shard" must be [index, count]'),
                          ({**good, "listing_sha256": None}, '"listing_sha256"'),
                          ([1, 2], "not a shard manifest")]:
        manifest.write_text(json.dumps(broken))
        run = invoke("merge", part, "-o", tmp_path / "m.json")
        assert run.exit_code == 2 and "part0.json.shard.json" in run.output and field in run.output, run.output
    manifest.write_text(json.dumps(good))
    doc = json.loads(part.read_text())
    doc["images"][0]["id"] = [1]
    part.write_text(json.dumps(doc))
    run = invoke("merge", part, "-o", tmp_path / "m.json")
    assert run.exit_code == 2 and "part0.json: images[0].id" in run.output


class Payload:
    """A class in a weights file: loading it would run code from the file."""


def test_unusable_weights_are_exit_3_with_samclis_message(job, tmp_path):
    root, _ = job
    prompts = tmp_path / "p.json"
    prompts.write_text(BOX % 1)
    torch.save({"w": Payload()}, tmp_path / "objects.pt")
    (tmp_path / "empty.pt").write_bytes(b"")
    (tmp_path / "folder.pt").mkdir()
    for name, says in [("objects.pt", "tensors-only reader refused it"), ("empty.pt", "is empty (0 bytes)"),
                       ("folder.pt", "is a folder, not a weights file")]:
        run = invoke("segment", root / "images", "-p", prompts, "-q", "--model", "disc", "--checkpoint", tmp_path / name)
        text = " ".join(run.output.split())
        assert run.exit_code == 3 and says in text, run.output
        assert "weights_only" not in text and "safe_globals" not in text


def test_a_folder_as_sod_checkpoint_or_eval_checkpoint_is_exit_3(job, tmp_path):
    root, ckpt = job
    folder = tmp_path / "weights"
    folder.mkdir()
    run = invoke("salient", root / "images", "--sod", "u2netp", "--sod-checkpoint", folder, "--model", "disc",
                 "--checkpoint", ckpt, "--save-cutouts", tmp_path / "cutouts", "-q")
    assert run.exit_code == 3 and "is a folder" in run.output, run.output
    gt = tmp_path / "gt.json"
    gt.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.png", "height": 24, "width": 32}],
                              "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "area": 234.0,
                                               "segmentation": [[2, 2, 20, 2, 20, 15, 2, 15]]}],
                              "categories": [{"id": 1, "name": "x"}]}))
    run = invoke("eval", root / "images", "-a", gt, "--protocol", "box", "--model", "disc", "--checkpoint", folder, "-q")
    assert run.exit_code == 3 and "is a folder" in run.output, run.output
