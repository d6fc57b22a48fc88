"""Which image each prompt-file key stands for."""
from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable

from samcli.io.prompts.coco import ID_PREFIX
from samcli.io.prompts.types import Prompt, PromptFile


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
    by_path: dict[str, list[str]] = defaultdict(list)
    by_stem_path: dict[str, list[str]] = defaultdict(list)
    by_stem: dict[str, list[str]] = defaultdict(list)
    by_number: dict[int, list[str]] = defaultdict(list)
    for rel in image_keys:
        path = posixpath.normpath(rel.replace("\\", "/"))
        by_path[path].append(rel)
        stem_path = posixpath.splitext(path)[0]
        by_stem_path[stem_path].append(rel)
        stem = posixpath.basename(stem_path)
        by_stem[stem].append(rel)
        if stem.isdigit():
            by_number[int(stem)].append(rel)

    matched: dict[str, list[Prompt]] = {}
    unknown: list[str] = []
    for key, prompts in prompt_file.images.items():
        if prompt_file.format == "yolo":
            hits = by_stem_path.get(key, [])
        elif prompt_file.format == "coco" and key.startswith(ID_PREFIX):
            image_id = key[len(ID_PREFIX):]
            hits = by_number.get(int(image_id), []) if image_id.isdigit() else by_stem.get(image_id, [])
        else:
            hits = by_path.get(key, [])
        if not hits:
            unknown.append(key)
        for rel in hits:
            matched.setdefault(rel, []).extend(prompts)
    return matched, unknown
