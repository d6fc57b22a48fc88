"""Format sniffing and the failures that make a whole file unusable."""
import pytest

from samcli.errors import InputError
from samcli.io.prompts import load_prompts
from tests.prompt_files import write

BOX = [0.5, 0.5, 0.1, 0.1]


@pytest.mark.parametrize("name, content, fmt", [
    ("a.json", {"images": [{"file": "a.jpg", "prompts": []}]}, "json"),
    ("a.json", {"images": []}, "json"),
    ("a.json", {"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": []}, "coco"),
    ("a.json", [{"image_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5, "category_id": 1}], "coco"),
    ("a.json", [{"file": "a.jpg", "boxes": [BOX], "logits": [0.5], "phrases": ["x"]}], "gdino"),
    ("a.json", {"a.jpg": {"boxes": [BOX], "logits": [0.5], "phrases": ["x"]}}, "gdino"),
    ("a.json", {"file": "a.jpg", "boxes": [BOX], "scores": [0.5], "labels": ["x"]}, "gdino"),
    ("a.jsonl", '{"file": "a.jpg", "prompts": []}\n', "json"),
    ("a.jsonl", '{"file": "a.jpg", "boxes": [], "logits": [], "phrases": []}\n', "gdino"),
    ("a.txt", "0 0.5 0.5 0.1 0.1\n", "yolo"),
])
def test_auto_detection(tmp_path, name, content, fmt):
    assert load_prompts(write(tmp_path, name, content)).format == fmt


@pytest.mark.parametrize("content, found", [
    ({"foo": 1, "bar": []}, 'top-level keys: "foo", "bar"'),
    ([{"x": 1}], 'a list of 1; the first object has keys: "x"'),
    ([], "a list of 0; the first object: none"),
    ({"images": [{"id": 1, "file_name": "a.jpg"}]}, 'top-level keys: "images"'),
    (42, "top level is 42"),
])
def test_undecidable_says_what_was_tried_and_how_to_force(tmp_path, content, found):
    path = write(tmp_path, "mystery.json", content)
    with pytest.raises(InputError) as e:
        load_prompts(path)
    message = str(e.value)
    assert message.startswith(f"{path}: cannot tell the prompt format ({found}). Tried: samcli JSON")
    assert "COCO results" in message and "GroundingDINO" in message and "YOLO" in message
    assert message.endswith("Name it with --prompt-format json|coco|yolo|gdino.")


def test_forcing_a_format_skips_sniffing(tmp_path):
    assert load_prompts(write(tmp_path, "a.json", []), "coco").format == "coco"


@pytest.mark.parametrize("name, content, message", [
    ("bad.json", '{"images": [\n  {"file": "a.jpg",\n   "prompts": [}\n]}', r"bad\.json:3:16: not valid JSON: Expecting value"),
    ("empty.json", "  \n", r"empty\.json: empty file"),
    ("lines.json", '{"a": 1}\n{"a": 2}\n', r"lines\.json:2:1: not valid JSON: Extra data \(one JSON value per line\? name the file \.jsonl\)"),
    ("bad.jsonl", "{nope\n[1,\n", r"bad\.jsonl:1:2: not valid JSON: .* \(and 1 more broken lines\)"),
])
def test_unparseable_file_raises_with_line_and_column(tmp_path, name, content, message):
    with pytest.raises(InputError, match=message):
        load_prompts(write(tmp_path, name, content))


def test_binary_file(tmp_path):
    path = tmp_path / "img.json"
    path.write_bytes(b"\xff\xd8\xff\xe0JFIF")
    with pytest.raises(InputError, match=r"img\.json: not UTF-8 text"):
        load_prompts(path)


def test_missing_file_and_bad_arguments(tmp_path):
    with pytest.raises(InputError, match=r"nope\.json: no such file or folder"):
        load_prompts(tmp_path / "nope.json")
    with pytest.raises(InputError, match=r"unknown prompt format 'xml'; choose one of auto, json, coco, yolo, gdino"):
        load_prompts(tmp_path, "xml")
    with pytest.raises(InputError, match="min_score must be a number"):
        load_prompts(tmp_path, min_score=float("nan"))


def test_options_for_other_formats_are_reported_unused(tmp_path):
    pf = load_prompts(write(tmp_path, "a.json", {"images": []}), class_names="data.yaml", coco_images="gt.json")
    assert any("class names are for YOLO labels; ignored" in w for w in pf.warnings)
    assert any("coco_images is for COCO results; ignored" in w for w in pf.warnings)


def test_nothing_left_after_min_score_is_a_warning(tmp_path):
    path = write(tmp_path, "d.json", [{"image_id": 1, "bbox": [0, 0, 1, 1], "score": 0.2, "category_id": 1}])
    pf = load_prompts(path, min_score=0.5)
    assert pf.warnings == [f"{path}: no usable prompts (1 below min_score 0.5)"]
