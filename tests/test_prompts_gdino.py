import numpy as np
import pytest

from samcli.io.prompts import load_prompts
from tests.prompt_files import only_error, write

DOG = {"file": "dog.jpg", "boxes": [[0.5, 0.5, 0.2, 0.4], [0.1, 0.1, 0.1, 0.1]],
       "logits": [0.8, 0.3], "phrases": ["dog", "bowl"]}


def test_records_list(tmp_path):
    pf = load_prompts(write(tmp_path, "g.json", [DOG, {**DOG, "file": "b.jpg", "phrases": ["cat", "dog"]}]))
    assert pf.format == "gdino" and pf.errors == [] and pf.warnings == []
    d, bowl = pf.images["dog.jpg"]
    np.testing.assert_allclose(d.box, [0.4, 0.3, 0.6, 0.7])  # cx cy w h → x0 y0 x1 y1
    assert d.normalized and d.score == 0.8 and d.category_id == 1
    # phrases become categories in order of first appearance
    assert pf.categories == {1: "dog", 2: "bowl", 3: "cat"}
    assert [p.category_id for p in pf.images["b.jpg"]] == [3, 1]


def test_dict_keyed_by_image_and_alternative_names(tmp_path):
    record = {"boxes": DOG["boxes"], "scores": [0.9, 0.7], "labels": ["dog(0.90)", "black dog (0.7)"]}
    pf = load_prompts(write(tmp_path, "g.json", {"sub/x.jpg": record}))
    assert pf.format == "gdino" and pf.errors == []
    assert [p.score for p in pf.images["sub/x.jpg"]] == [0.9, 0.7]
    assert pf.categories == {1: "dog", 2: "black dog"}  # logit suffix stripped


def test_logit_suffix_is_the_score_when_there_are_no_logits(tmp_path):
    pf = load_prompts(write(tmp_path, "g.json", {"image": "a.jpg", "boxes": [[0.5, 0.5, 0.1, 0.1]], "phrases": ["cat(0.42)"]}))
    assert pf.images["a.jpg"][0].score == 0.42 and pf.categories == {1: "cat"}


def test_jsonl_and_min_score(tmp_path):
    path = write(tmp_path, "g.jsonl", "\n".join([
        '{"image_path": "a.jpg", "boxes": [[0.5, 0.5, 0.1, 0.1], [0.5, 0.5, 0.2, 0.2]], "logits": [0.2, 0.6], "phrases": ["x", "y"]}',
        '{"file": "b.jpg", "boxes": [[0.5, 0.5, 0.1, 0.1]], "logits": [0.1], "phrases": ["z"]}',
    ]))
    pf = load_prompts(path, min_score=0.5)
    assert pf.format == "gdino" and {k: len(v) for k, v in pf.images.items()} == {"a.jpg": 1, "b.jpg": 0}
    # filtered detections do not leave categories behind
    assert pf.categories == {1: "y"}


@pytest.mark.parametrize("change, where, problem", [
    ({"logits": [0.8]}, "", "lists of different lengths: 2 boxes, 1 logits, 2 phrases"),
    ({"file": None}, "", "file must be an image path relative to the images folder, got null"),
    ({"boxes": "none"}, "", 'boxes must be a list, got "none"'),
    ({"boxes": [[0.5, 0.5, 0.2, 0.4], [0.1, 0.1, float("nan"), 0.1]]}, ".boxes[1]", "box has NaN"),
    ({"boxes": [[0.5, 0.5, 0.2, 0.4], [0.1, 0.1, 0.1]]}, ".boxes[1]", "box must be [cx, cy, w, h], got [0.1, 0.1, 0.1]"),
    ({"boxes": [[0.5, 0.5, 0.2, 0.4], [100, 80, 40, 40]]}, ".boxes[1]", "box [100, 80, 40, 40] must be fractions"),
    ({"logits": [0.8, "high"]}, ".boxes[1]", 'score is not a number: "high"'),
    ({"phrases": ["dog", 3]}, ".boxes[1]", "phrases[1] must be text, got 3"),
])
def test_bad_record_or_box_names_it(tmp_path, change, where, problem):
    path = write(tmp_path, "g.json", [{**DOG, "file": "ok.jpg"}, {**DOG, **change}])
    pf = load_prompts(path)
    assert only_error(pf).startswith(f"{path}: [1]{where}: {problem}")
    assert len(pf.images["ok.jpg"]) == 2


def test_record_without_image_name(tmp_path):
    path = write(tmp_path, "g.jsonl", '{"boxes": [], "logits": [], "phrases": []}\n')
    assert only_error(load_prompts(path)) == (
        f"{path}:1: no image named (expected one of 'file', 'image', 'image_path', 'file_name')")
