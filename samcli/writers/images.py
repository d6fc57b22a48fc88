"""Pictures for people: one PNG per mask, and overlays to eyeball results."""
from __future__ import annotations

from pathlib import Path, PurePosixPath

import cv2
import numpy as np

from samcli.engine.records import ImageResult
from samcli.ops import rle


def stem_path(root: Path, key: str) -> Path:
    """'sub/dog.jpg' → root/sub/dog (outputs mirror the input tree)."""
    rel = PurePosixPath(key)
    return root.joinpath(*rel.parent.parts, rel.stem)


def save_masks(result: ImageResult, root: Path) -> None:
    """root/<image path without extension>/<k>.png, 0/255, k = prompt_index when
    there is one (segment), else the annotation's position."""
    if not result.annotations:
        return
    folder = stem_path(root, result.file)
    folder.mkdir(parents=True, exist_ok=True)
    for pos, ann in enumerate(result.annotations):
        k = ann.extra.get("prompt_index", pos)
        cv2.imwrite(str(folder / f"{k}.png"), rle.decode(ann.rle).astype(np.uint8) * 255)


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


def save_overlay(image: np.ndarray, result: ImageResult, root: Path) -> None:
    path = stem_path(root, result.file).with_suffix(".jpg")
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(render_overlay(image, result), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
