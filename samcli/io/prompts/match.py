"""Which image each prompt-file key stands for."""
from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable

from samcli.io.image_ids import ImageIds
from samcli.io.prompts.coco import ID_PREFIX
from samcli.io.prompts.types import Prompt, PromptFile


class _Index:
    """The image keys by path, by path without extension, by stem and by stem number."""

    def __init__(self, image_keys: Iterable[str]) -> None:
        self.by_path: dict[str, list[str]] = defaultdict(list)
        self.by_stem_path: dict[str, list[str]] = defaultdict(list)
        self.by_stem: dict[str, list[str]] = defaultdict(list)
        self.by_number: dict[int, list[str]] = defaultdict(list)
        for rel in image_keys:
            path = posixpath.normpath(rel.replace("\\", "/"))
            self.by_path[path].append(rel)
            stem_path = posixpath.splitext(path)[0]
            self.by_stem_path[stem_path].append(rel)
            stem = posixpath.basename(stem_path)
            self.by_stem[stem].append(rel)
            if stem.isdigit():
                self.by_number[int(stem)].append(rel)

    def hits(self, fmt: str, key: str) -> list[str]:
        if fmt == "yolo":
            return self.by_stem_path.get(key, [])
        if fmt == "coco" and key.startswith(ID_PREFIX):
            image_id = key[len(ID_PREFIX):]
            return self.by_number.get(int(image_id), []) if image_id.isdigit() else self.by_stem.get(image_id, [])
        return self.by_path.get(key, [])


def match_image(
    prompt_file: PromptFile, image_keys: Iterable[str]
) -> tuple[dict[str, list[Prompt]], list[str]]:
    """Prompts per image, and the keys that match no image (prompts for unknown images).

    Keys are matched by kind:
      - YOLO keys ("sub/img001") match image paths without their extension;
      - "id:N" keys (COCO results without coco_images) match images whose file stem
        is N, as text or as an integer ("000000397133.jpg" is id:397133);
      - any other key is the image's path relative to the images folder.
    A key matching several images (img.jpg and img.png) gives its prompts to each,
    as YOLO itself does. `image_keys` may use either slash; the returned mapping
    is keyed by them as given. An image whose key lists no prompts maps to [].
    """
    index = _Index(image_keys)
    matched: dict[str, list[Prompt]] = {}
    unknown: list[str] = []
    for key, prompts in prompt_file.images.items():
        hits = index.hits(prompt_file.format, key)
        if not hits:
            unknown.append(key)
        for rel in hits:
            matched.setdefault(rel, []).extend(prompts)
    return matched, unknown


def image_ids_for(prompt_file: PromptFile, image_keys: Iterable[str]) -> ImageIds:
    """How the run numbers its images: by the COCO dataset's ids where the prompt file
    names images by them (a dataset, or results with coco_images), else samcli's way."""
    coco = prompt_file.coco_ids
    if coco is None:
        return ImageIds()
    index = _Index(image_keys)
    known = {rel: image_id for key, image_id in coco.by_key.items() for rel in index.by_path.get(key, [])}
    return ImageIds(known, coco.largest, coco.source)


def unknown_key_message(prompt_file: PromptFile, key: str) -> str:
    """Why a prompt-file key found no image, and what to do about it."""
    if prompt_file.format == "coco" and key.startswith(ID_PREFIX):
        image_id = key[len(ID_PREFIX):]
        return (f"{prompt_file.path}: detections for image_id {image_id}, but no image's file stem is {image_id}. "
                "A COCO results list names images by id only: give --coco-images GT.json, the COCO dataset the "
                "detections were made for, to map its image ids to file names")
    return f"{prompt_file.path}: prompts for {key!r}, which is not among the images"
