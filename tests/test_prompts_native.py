import numpy as np
import pytest

from samcli.errors import InputError
from samcli.io.prompts import load_prompts
from tests.prompt_files import only_error, write


def native(*prompts, file="dog.jpg", **top):
    return {**top, "images": [{"file": file, "prompts": list(prompts)}]}


def test_boxes_points_and_both(tmp_path):
    path = write(tmp_path, "p.json", native(
        {"box": [10, 20, 110, 220], "category_id": 3},
        {"points": [[5, 6], [7, 8]], "labels": [1, 0]},
        {"box": [0, 0, 50, 50], "points": [[25, 25]], "labels": [1]},
    ))
    pf = load_prompts(path)
    assert pf.format == "json" and pf.errors == [] and pf.warnings == []
    box, pts, both = pf.images["dog.jpg"]
    np.testing.assert_array_equal(box.box, [10, 20, 110, 220])
    assert box.box.dtype == np.float64 and box.category_id == 3 and box.points is None and not box.normalized
    np.testing.assert_array_equal(pts.points, [[5, 6], [7, 8]])
    assert pts.labels.dtype == np.int64 and pts.labels.tolist() == [1, 0] and pts.box is None
    assert both.box is not None and both.points.shape == (1, 2)
    assert pts.source == f"{path}: images[0].prompts[1]"


def test_labels_omitted_means_all_foreground(tmp_path):
    pf = load_prompts(write(tmp_path, "p.json", native({"points": [[1, 2], [3, 4]]})))
    assert pf.images["dog.jpg"][0].labels.tolist() == [1, 1]


def test_categories_by_name_and_id(tmp_path):
    pf = load_prompts(write(tmp_path, "p.json", native(
        {"box": [0, 0, 5, 5], "category": "dog"},
        {"box": [0, 0, 5, 5], "category": "bowl"},
        {"box": [0, 0, 5, 5], "category_id": 7},
        {"box": [0, 0, 5, 5], "category": "dog", "category_id": 1},
        categories=[{"id": 1, "name": "dog"}, {"id": 7, "name": "person"}],
    )))
    assert pf.errors == []
    assert [p.category_id for p in pf.images["dog.jpg"]] == [1, 8, 7, 1]
    assert pf.categories == {1: "dog", 7: "person", 8: "bowl"}


def test_undeclared_id_is_named_by_number_until_a_prompt_names_it(tmp_path):
    pf = load_prompts(write(tmp_path, "p.json", native(
        {"box": [0, 0, 5, 5], "category_id": 4},
        {"box": [0, 0, 5, 5], "category_id": 4, "category": "cat"},
    )))
    assert pf.errors == [] and pf.categories == {4: "cat"}


def test_category_errors(tmp_path):
    pf = load_prompts(write(tmp_path, "p.json", native(
        {"box": [0, 0, 5, 5], "category_id": 9},
        {"box": [0, 0, 5, 5], "category_id": 1, "category": "cat"},
        categories=[{"id": 1, "name": "dog"}],
    )))
    assert pf.errors == [
        f"{tmp_path / 'p.json'}: images[0].prompts[0]: category_id 9 is not one of the file's categories (1)",
        f'{tmp_path / "p.json"}: images[0].prompts[1]: category_id 1 is "dog", but category is "cat"',
    ]


def test_file_keys_use_forward_slashes(tmp_path):
    pf = load_prompts(write(tmp_path, "p.json", {"images": [
        {"file": "sub\\a.jpg", "prompts": []}, {"file": "./b.jpg", "prompts": []}]}))
    assert list(pf.images) == ["sub/a.jpg", "b.jpg"]


@pytest.mark.parametrize("prompt, problem", [
    ({"box": [0, float("nan"), 5, 5]}, "box has NaN"),
    ({"box": [0, 0, float("inf"), 5]}, "box has inf"),
    ({"box": [0, 0, "5", 5]}, 'box[2] is not a number: "5"'),
    ({"box": [0, 0, 5]}, "box must be [x0, y0, x1, y1], got [0, 0, 5]"),
    ({"box": [10, 0, 5, 5]}, "box [10, 0, 5, 5] is inverted"),
    ({"box": [0, 5, 10, 5]}, "box [0, 5, 10, 5] is empty (zero width or height)"),
    ({"points": [[1, 2]], "labels": [1, 0]}, "1 points but 2 labels"),
    ({"points": [[1, 2, 3]]}, "points[0] must be [x, y], got [1, 2, 3]"),
    ({"points": [[1, None]]}, "points[0][1] is not a number: null"),
    ({"points": [[1, 2]], "labels": [2]}, "labels[0] must be 1 (foreground) or 0 (background), got 2"),
    ({"points": [[1, 2]], "labels": [True]}, "labels[0] must be 1 (foreground) or 0 (background), got true"),
    ({"points": []}, "points must be a non-empty list of [x, y] pairs, got []"),
    ({"labels": [1]}, '"labels" given without "points"'),
    ({"bbox": [0, 0, 5, 5]}, 'prompt has neither "box" nor "points" (keys: bbox)'),
    ([0, 0, 5, 5], 'expected {"box": [...]} and/or {"points": [...]}, got [0, 0, 5, 5]'),
])
def test_bad_prompt_is_an_error_naming_it_and_the_rest_is_kept(tmp_path, prompt, problem):
    path = write(tmp_path, "boxes.json", native({"box": [0, 0, 5, 5]}, prompt, {"points": [[1, 1]]}))
    pf = load_prompts(path)
    assert only_error(pf).startswith(f"{path}: images[0].prompts[1]: {problem}")
    assert [p.source for p in pf.images["dog.jpg"]] == [f"{path}: images[0].prompts[0]", f"{path}: images[0].prompts[2]"]


def test_bad_image_record(tmp_path):
    path = write(tmp_path, "p.json", {"images": [
        {"file": "/abs/x.jpg", "prompts": []}, {"file": "a.jpg"}, {"file": "b.jpg", "prompts": {}}, "c.jpg",
        {"file": "ok.jpg", "prompts": [{"box": [0, 0, 1, 1]}]}]})
    pf = load_prompts(path)
    assert pf.errors == [
        f'{path}: images[0]: file must be relative to the images folder, got "/abs/x.jpg"',
        f'{path}: images[1]: missing "prompts" (a list of {{"box": ...}} / {{"points": ...}} objects)',
        f"{path}: images[2]: prompts must be a list, got {{}}",
        f'{path}: images[3]: expected {{"file": ..., "prompts": [...]}}, got "c.jpg"',
    ]
    assert list(pf.images) == ["ok.jpg"]


def test_unknown_keys_warn_once_per_key(tmp_path):
    path = write(tmp_path, "p.json", native(
        {"points": [[1, 1]], "lables": [0]}, {"points": [[1, 1]], "lables": [0]}))
    pf = load_prompts(path)
    assert len(pf.warnings) == 1
    assert pf.warnings[0].startswith(f'{path}: images[0].prompts[0]: unknown key "lables" ignored (and 1 more items)')


def test_score_and_min_score(tmp_path):
    path = write(tmp_path, "p.json", native(
        {"box": [0, 0, 5, 5], "score": 0.9}, {"box": [0, 0, 5, 5], "score": 0.2}, {"box": [0, 0, 5, 5]}))
    pf = load_prompts(path, min_score=0.5)
    assert [p.score for p in pf.images["dog.jpg"]] == [0.9, None]


def test_jsonl_records_and_a_broken_line(tmp_path):
    path = write(tmp_path, "p.jsonl", '{"file": "a.jpg", "prompts": [{"box": [0, 0, 5, 5]}]}\n'
                                      "\n"
                                      '{"file": "b.jpg", "prompts": [{"box": [0, 0, 5]}]}\n'
                                      '{"file": "c.jpg", "prompts": [}\n')
    pf = load_prompts(path)
    assert pf.format == "json" and list(pf.images) == ["a.jpg", "b.jpg"]
    assert pf.errors == [
        f"{path}:4:31: not valid JSON: Expecting value",
        f"{path}:3: prompts[0]: box must be [x0, y0, x1, y1], got [0, 0, 5]",
    ]


def test_top_level_list_of_image_records(tmp_path):
    pf = load_prompts(write(tmp_path, "p.json", [{"file": "a.jpg", "prompts": [{"points": [[1, 1]]}]}]))
    assert pf.format == "json" and len(pf.images["a.jpg"]) == 1


def test_broken_categories_fail_the_file(tmp_path):
    path = write(tmp_path, "p.json", native(categories=[{"id": 1, "name": "a"}, {"id": 1, "name": "b"}]))
    with pytest.raises(InputError, match=r"p\.json: categories\[1\]: category id 1 appears twice"):
        load_prompts(path)


def test_wrong_top_level_when_forced(tmp_path):
    path = write(tmp_path, "p.json", {"pictures": []})
    with pytest.raises(InputError, match=r'p\.json: not a samcli prompt file: expected \{"images"'):
        load_prompts(path, "json")
