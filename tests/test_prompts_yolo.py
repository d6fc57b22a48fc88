import numpy as np
import pytest

from samcli.errors import InputError
from samcli.io.prompts import load_prompts
from tests.prompt_files import only_error, write


def labels(tmp_path, files: dict[str, str], **extra: str):
    folder = tmp_path / "labels"
    for name, text in {**files, **extra}.items():
        write(folder, name, text)
    return folder


def test_folder_of_labels_keyed_by_relative_stem(tmp_path):
    folder = labels(tmp_path, {"img1.txt": "0 0.5 0.5 0.2 0.4\n", "sub/img2.txt": "1 0.25 0.25 0.5 0.5 0.8\n",
                               "empty.txt": ""})
    pf = load_prompts(folder)
    assert pf.format == "yolo" and pf.errors == []
    assert sorted(pf.images) == ["empty", "img1", "sub/img2"] and pf.images["empty"] == []
    p = pf.images["img1"][0]
    assert p.normalized and p.score is None and p.source == f"{folder / 'img1.txt'}:1"
    np.testing.assert_allclose(p.box, [0.4, 0.3, 0.6, 0.7])  # cx cy w h → x0 y0 x1 y1 fractions
    q = pf.images["sub/img2"][0]
    assert q.score == 0.8 and q.category_id == 2  # class k → category k + 1
    # no names: categories named after the class index, and a warning saying how to name them
    assert pf.categories == {1: "0", 2: "1"}
    assert len(pf.warnings) == 1 and "no class names" in pf.warnings[0]


@pytest.mark.parametrize("name, text", [
    ("data.yaml", "path: ../x\nnames: [person, car, dog]\n"),
    ("data.yaml", "names:\n  0: person\n  1: car\n  2: dog\n"),
    ("names.txt", "person\ncar\ndog\n\n"),
])
def test_class_names_from_yaml_list_dict_and_names_file(tmp_path, name, text):
    folder = labels(tmp_path, {"a.txt": "2 0.5 0.5 0.1 0.1\n"})
    pf = load_prompts(folder, class_names=write(tmp_path, name, text))
    assert pf.categories == {1: "person", 2: "car", 3: "dog"} and pf.warnings == []
    assert pf.images["a"][0].category_id == 3


def test_names_found_in_the_folder(tmp_path):
    # labelImg puts classes.txt among the labels: it names classes and is not a label file
    folder = labels(tmp_path, {"a.txt": "1 0.5 0.5 0.1 0.1\n"}, **{"classes.txt": "cat\ndog\n"})
    pf = load_prompts(folder)
    assert list(pf.images) == ["a"] and pf.categories == {1: "cat", 2: "dog"}


def test_class_outside_names_is_an_item_error(tmp_path):
    folder = labels(tmp_path, {"a.txt": "0 0.5 0.5 0.1 0.1\n5 0.5 0.5 0.1 0.1\n"})
    names = write(tmp_path, "data.yaml", "names: [cat, dog]\n")
    pf = load_prompts(folder, class_names=names)
    assert only_error(pf) == f"{folder / 'a.txt'}:2: class 5 is not in the 2 class names of {names} (0 to 1)"
    assert len(pf.images["a"]) == 1


@pytest.mark.parametrize("line, problem", [
    ("0 0.5 0.5 0.2", "expected 5 or 6 numbers (class cx cy w h [conf]), got 4"),
    ("0 0.5 abc 0.2 0.2", "'abc' is not a number"),
    ("0 0.5 nan 0.2 0.2", "box has NaN"),
    ("0 0.5 0.5 0.2 0.2 inf", "conf has inf"),
    ("1.5 0.5 0.5 0.2 0.2", "class must be a non-negative integer, got 1.5"),
    ("-1 0.5 0.5 0.2 0.2", "class must be a non-negative integer, got -1.0"),
    ("0 0.5 0.5 -0.2 0.2", "box [0.5, 0.5, -0.2, 0.2] has a negative width or height"),
    ("0 0.5 0.5 0 0.2", "box [0.5, 0.5, 0, 0.2] is empty"),
    ("0 320 240 64 48", "box [320, 240, 64, 48] must be fractions of the image width/height (0 to 1); "
                        "these look like pixel coordinates"),
])
def test_bad_line_names_file_and_line(tmp_path, line, problem):
    folder = labels(tmp_path, {"img7.txt": f"0 0.5 0.5 0.1 0.1\n\n{line}\n0 0.5 0.5 0.1 0.1\n"})
    pf = load_prompts(folder)
    assert only_error(pf).startswith(f"{folder / 'img7.txt'}:3: {problem}")
    assert len(pf.images["img7"]) == 2


def test_segmentation_lines_become_their_bounding_box_with_a_warning(tmp_path):
    folder = labels(tmp_path, {"a.txt": "0 0.5 0.5 0.1 0.1\n"
                                        "1 0.1 0.2 0.3 0.2 0.2 0.6\n"  # triangle
                                        "1 0.1 0.2 0.3 0.2 0.2 0.6 0.3 0.9 0.75\n"})  # quad + conf
    pf = load_prompts(folder)
    assert pf.errors == []
    _, tri, quad = pf.images["a"]
    np.testing.assert_allclose(tri.box, [0.1, 0.2, 0.3, 0.6])
    assert tri.score is None and quad.score == 0.75
    np.testing.assert_allclose(quad.box, [0.1, 0.2, 0.3, 0.9])
    assert f"{folder / 'a.txt'}:2: 2 segmentation (polygon) lines; their bounding boxes are used" in pf.warnings[-1]


def test_min_score_filters_conf_and_keeps_unscored(tmp_path):
    folder = labels(tmp_path, {"a.txt": "0 0.5 0.5 0.1 0.1 0.9\n0 0.5 0.5 0.1 0.1 0.3\n0 0.5 0.5 0.1 0.1\n"})
    pf = load_prompts(folder, min_score=0.5)
    assert [p.score for p in pf.images["a"]] == [0.9, None]


def test_single_label_file(tmp_path):
    pf = load_prompts(write(tmp_path, "img3.txt", "0 0.5 0.5 0.1 0.1\n"))
    assert pf.format == "yolo" and list(pf.images) == ["img3"]


@pytest.mark.parametrize("name, text, message", [
    ("data.yaml", "names: [a, b\n", r"data\.yaml:2: not valid YAML"),
    ("data.yaml", "nc: 2\n", r"data\.yaml: no `names:`"),
    ("data.yaml", "names: [a]\nkpt_shape: [17, 3]\n", r"data\.yaml: pose \(keypoint\) labels are not supported"),
    ("names.txt", "a\n\nb\n", r"names\.txt:2: empty class name"),
])
def test_bad_names_file_fails(tmp_path, name, text, message):
    folder = labels(tmp_path, {"a.txt": "0 0.5 0.5 0.1 0.1\n"})
    with pytest.raises(InputError, match=message):
        load_prompts(folder, class_names=write(tmp_path, name, text))


def test_folder_without_labels(tmp_path):
    (tmp_path / "labels").mkdir()
    with pytest.raises(InputError, match=r"labels: no YOLO label files \(\*\.txt\) in this folder"):
        load_prompts(tmp_path / "labels")


def test_folder_with_another_format_forced(tmp_path):
    with pytest.raises(InputError, match=r"is a folder; only YOLO labels \(--prompt-format yolo\)"):
        load_prompts(tmp_path, "json")
