"""What a benchmark feeds the engine: seeded photo-like JPEGs (so decoding is
measured as on real photos) and seeded box prompts."""
from __future__ import annotations

from itertools import cycle, islice
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from samcli.io.images import ImageRef
from samcli.io.prompts.types import Prompt

#: distinct generated files; longer runs cycle through them (decoding costs the same)
MAX_DISTINCT = 64


def photo_like(width: int, height: int, seed: int) -> Image.Image:
    """Smooth lighting, a few soft-edged objects and sensor noise: compresses and
    decodes like a photo, unlike flat colour or white noise."""
    rng = np.random.default_rng(seed)
    light = Image.fromarray(rng.integers(40, 216, (4, 5, 3), dtype=np.uint8)).resize((width, height), Image.BICUBIC)
    draw = ImageDraw.Draw(light)
    for _ in range(int(rng.integers(4, 9))):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        rx, ry = rng.uniform(0.05, 0.3) * width, rng.uniform(0.05, 0.3) * height
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape([cx - rx, cy - ry, cx + rx, cy + ry], fill=colour)
    soft = np.asarray(light.filter(ImageFilter.GaussianBlur(2)), dtype=np.float32)
    noisy = soft + rng.normal(0.0, 6.0, soft.shape).astype(np.float32)
    return Image.fromarray(np.clip(noisy + 0.5, 0, 255).astype(np.uint8))


def write_images(folder: Path, count: int, size: tuple[int, int], seed: int = 0) -> list[ImageRef]:
    """`count` refs to JPEGs of size (w, h) in `folder`: at most MAX_DISTINCT files, cycled."""
    folder.mkdir(parents=True, exist_ok=True)
    refs = []
    for i in range(min(count, MAX_DISTINCT)):
        path = folder / f"bench_{i:03d}.jpg"
        photo_like(*size, seed=seed * 1_000_003 + i).save(path, quality=90)
        refs.append(ImageRef(path, path.name))
    return cycled(refs, count)


def cycled(refs: list[ImageRef], count: int) -> list[ImageRef]:
    """`count` refs, repeating the list as often as needed (each repeat keyed apart)."""
    return [ImageRef(ref.path, ref.key if i < len(refs) else f"{ref.key}#{i // len(refs)}")
            for i, ref in enumerate(islice(cycle(refs), count))]


def box_prompts(count: int, seed: int) -> list[Prompt]:
    """`count` boxes in normalised coordinates (any image size), 10–50% of each side."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        w, h = rng.uniform(0.1, 0.5, 2)
        x0, y0 = rng.uniform(0, 1 - w), rng.uniform(0, 1 - h)
        out.append(Prompt(box=np.array([x0, y0, x0 + w, y0 + h]), normalized=True, source=f"bench box {k}"))
    return out
