import numpy as np

from samcli.io.prompts import Prompt, PromptFile, match_image


def prompt_file(fmt, *keys):
    return PromptFile(path="p", format=fmt, images={k: [Prompt(box=np.array([0.0, 0, 1, 1]), source=k)] for k in keys})


def sources(mapping):
    return {image: [p.source for p in prompts] for image, prompts in mapping.items()}


def test_relative_paths_match_exactly():
    pf = prompt_file("json", "dog.jpg", "sub/cat.png", "missing.jpg", "Dog.jpg")
    pf.images["empty.jpg"] = []
    mapping, unknown = match_image(pf, ["dog.jpg", "sub\\cat.png", "empty.jpg", "other.jpg"])
    assert sources(mapping) == {"dog.jpg": ["dog.jpg"], "sub\\cat.png": ["sub/cat.png"], "empty.jpg": []}
    assert unknown == ["missing.jpg", "Dog.jpg"]


def test_yolo_keys_match_paths_without_extension():
    pf = prompt_file("yolo", "img001", "sub/img002", "gone")
    mapping, unknown = match_image(pf, ["img001.jpg", "sub/img002.PNG", "img002.jpg"])
    assert sources(mapping) == {"img001.jpg": ["img001"], "sub/img002.PNG": ["sub/img002"]}
    assert unknown == ["gone"]


def test_coco_id_keys_match_file_stems_as_numbers_or_text():
    pf = prompt_file("coco", "id:397133", "id:frame_07", "id:5")
    mapping, unknown = match_image(pf, ["val/000000397133.jpg", "frame_07.png", "6.jpg"])
    assert sources(mapping) == {"val/000000397133.jpg": ["id:397133"], "frame_07.png": ["id:frame_07"]}
    assert unknown == ["id:5"]


def test_id_prefix_means_nothing_outside_coco():
    mapping, unknown = match_image(prompt_file("json", "id:5"), ["5.jpg"])
    assert mapping == {} and unknown == ["id:5"]


def test_a_key_matching_two_images_gives_both_its_prompts():
    mapping, unknown = match_image(prompt_file("yolo", "a"), ["a.jpg", "a.png"])
    assert sources(mapping) == {"a.jpg": ["a"], "a.png": ["a"]} and unknown == []
