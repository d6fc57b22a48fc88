"""Pictures for people: one PNG per mask, overlays to eyeball results, RGBA
cutouts, saliency maps. Each is a writer fed ImageResults; those that draw on
the photo need the pipeline to keep images (`needs_images`)."""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from samcli.engine.records import ImageResult
from samcli.io.images import key_path as picture_path  # the layout of every per-image output
from samcli.ops import rle
from samcli.salient.cutout import cutout_rgba
from samcli.writers.outputs import Writer


def write_image(path: Path, array: np.ndarray, params: list[int] | None = None) -> None:
    """RGB(A) or grey uint8 → file, atomically (a killed run never leaves half a PNG).
    Encoded in memory and written by Python: OpenCV's own file writing cannot take
    every name a file system allows (it crashes on names that are not UTF-8)."""
    if array.ndim == 3:  # RGB(A) → OpenCV's BGR(A)
        array = cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA if array.shape[2] == 4 else cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(path.suffix, array, params or [])
    if not ok:
        raise OSError(f"cannot encode {path.suffix} for {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_bytes(encoded.tobytes())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class MaskPngWriter(Writer):
    """root/<image path>/<k>.png, 0/255, k = prompt_index when there is one
    (segment), else the annotation's position."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def add(self, result: ImageResult) -> None:
        folder = picture_path(self.root, result.key)
        for pos, ann in enumerate(result.annotations):
            k = ann.extra.get("prompt_index", pos)
            write_image(folder / f"{k}.png", rle.decode(ann.rle).astype(np.uint8) * 255)


def palette(n: int) -> np.ndarray:
    """n distinct, deterministic RGB colours (golden-angle hues)."""
    if n == 0:
        return np.zeros((0, 3), np.uint8)
    hues = (np.arange(n) * 137.508) % 360 / 2  # OpenCV hue range 0..179
    hsv = np.stack([hues, np.full(n, 200), np.full(n, 255)], axis=1).astype(np.uint8)[None]
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0]


def render_overlay(image: np.ndarray, result: ImageResult, alpha: float = 0.45) -> np.ndarray:
    """RGB image with each mask tinted in its own colour and outlined; prompt
    points (green fg / red bg) and boxes drawn where annotations carry them."""
    out = image.astype(np.float32)
    colours = palette(len(result.annotations))
    outlines = []
    for ann, colour in zip(result.annotations, colours):
        mask = rle.decode(ann.rle)
        out[mask] = (1 - alpha) * out[mask] + alpha * colour
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        outlines.append((contours, tuple(int(c) for c in colour)))
    out = out.astype(np.uint8)
    for contours, colour in outlines:
        cv2.drawContours(out, contours, -1, colour, 2)
    thick = max(2, round(max(image.shape[:2]) / 400))
    for ann in result.annotations:
        if "prompt_box" in ann.extra:
            x0, y0, x1, y1 = (int(round(v)) for v in ann.extra["prompt_box"])
            cv2.rectangle(out, (x0, y0), (x1, y1), (255, 255, 255), thick)
        points = ann.extra.get("point_coords") or []
        labels = ann.extra.get("point_labels") or [1] * len(points)
        for (x, y), label in zip(points, labels):
            cv2.circle(out, (int(round(x)), int(round(y))), 3 * thick, (0, 220, 0) if label else (230, 0, 0), -1)
            cv2.circle(out, (int(round(x)), int(round(y))), 3 * thick, (255, 255, 255), 1)
    return out


def image_of(result: ImageResult) -> np.ndarray | None:
    """The result's decoded photo: kept by the pipeline, or decoded again (when
    results came from elsewhere, e.g. Ray workers); None for failed images."""
    if not result.ok:
        return None
    if result.image is None and result.path:
        from samcli.io.images import decode_image

        return decode_image(Path(result.path))
    return result.image


class OverlayWriter(Writer):
    """root/<image path>.jpg (e.g. sub/a.png.jpg): the photo with masks, boxes and points drawn."""

    needs_images = True

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def add(self, result: ImageResult) -> None:
        image = image_of(result)
        if image is not None:
            write_image(picture_path(self.root, result.key, ".jpg"), render_overlay(image, result),
                        [cv2.IMWRITE_JPEG_QUALITY, 90])


class CutoutWriter(Writer):
    """root/<image path>.png: RGBA, alpha = the first mask, cropped to its box plus
    `pad` (or the whole frame)."""

    needs_images = True

    def __init__(self, root: Path, pad: int = 0, full_frame: bool = False) -> None:
        self.root, self.pad, self.full_frame = Path(root), pad, full_frame

    def add(self, result: ImageResult) -> None:
        image = image_of(result) if result.annotations else None
        if image is not None:
            mask = rle.decode(result.annotations[0].rle)
            write_image(picture_path(self.root, result.key, ".png"),
                        cutout_rgba(image, mask, crop=not self.full_frame, pad=self.pad))


class MapWriter(Writer):
    """root/<image path>.png: a per-pixel map the pipeline kept (e.g. "saliency")."""

    def __init__(self, root: Path, name: str) -> None:
        self.root, self.name = Path(root), name

    def add(self, result: ImageResult) -> None:
        array = result.maps.get(self.name)
        if array is not None:
            write_image(picture_path(self.root, result.key, ".png"), array)
