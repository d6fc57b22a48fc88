"""Which images of IMAGES have ground truth, and what cannot be evaluated.

A ground-truth image is named by its `file_name`, a path relative to the IMAGES
folder (either slash). Annotations of an image that is not among IMAGES cannot
be scored: each such image is reported with its annotation ids (`errors`: the
run finishes, with problems). Images without ground truth are reported too, in
one line (`notes`: nothing that could be scored is lost).
"""
from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field

from samcli.eval.ground_truth import GroundTruth, GtImage
from samcli.words import plural

#: ids / names listed in one message before "… (N in all)"
LISTED = 10


@dataclass
class ImageMatch:
    #: IMAGES key (as given) → its ground truth, in IMAGES order; an image the
    #: ground truth lists without annotations is here too (its detections are false positives)
    matched: dict[str, GtImage] = field(default_factory=dict)
    #: annotations that cannot be scored: their image is not among IMAGES
    errors: list[str] = field(default_factory=list)
    #: images of IMAGES the ground truth does not list (nothing is lost by skipping them)
    notes: list[str] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        return self.errors + self.notes


def match_images(gt: GroundTruth, image_keys: Iterable[str]) -> ImageMatch:
    out = ImageMatch()
    unknown: list[str] = []
    for key in image_keys:
        image = gt.images.get(posixpath.normpath(key.replace("\\", "/")))
        if image is None:
            unknown.append(key)
        else:
            out.matched[key] = image
    found = {id(image) for image in out.matched.values()}
    for image in gt.images.values():
        annotations = [inst.ann_id for inst in image.instances + image.ignored]
        if id(image) not in found and annotations:
            out.errors.append(f"{gt.path}: annotations {_listed(annotations)} are for {image.key!r} "
                                f"(image id {image.image_id}), which is not among the images; not evaluated")
    if unknown:
        hint = "" if out.matched else (" (file_name in the ground truth must be the path relative to the "
                                       "IMAGES folder)")
        out.notes.append(f"{plural(len(unknown), 'image')} not in {gt.path}, not evaluated{hint}: {_listed(unknown)}")
    return out


def _listed(items: list) -> str:
    shown = ", ".join(str(item) for item in items[:LISTED])
    return shown if len(items) <= LISTED else f"{shown}, … ({len(items)} in all)"
