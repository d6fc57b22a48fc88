"""Which images to process, and decoding them to 8-bit RGB.

Coordinates everywhere in samcli refer to the image as displayed: EXIF
orientation is applied on decode, so a prompt drawn in a viewer lands where
it was drawn.
"""
from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from samcli.errors import InputError
from samcli.words import plural

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass(frozen=True)
class ImageRef:
    path: Path
    #: how prompt files name it: path relative to the IMAGES folder, '/'-separated
    key: str


def list_images(source: str | Path, stdin: Iterable[str] | None = None) -> list[ImageRef]:
    """IMAGES → image refs. A folder (recursive, by extension, sorted by key), one image
    file, a text file listing paths (one per line, '#' comments), or '-' for such
    a list on stdin. Listed paths are taken relative to the working directory;
    their keys are relative to the deepest folder containing them all, so a list
    of a folder's images matches the same prompt file as the folder itself."""
    if str(source) == "-":
        return _from_list(stdin if stdin is not None else _names(sys.stdin.buffer), "<stdin>")
    path = Path(source)
    if path.is_dir():
        files = (p for p in path.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
        return sorted((ImageRef(p, p.relative_to(path).as_posix()) for p in files), key=lambda r: r.key)
    if path.is_file():
        if path.suffix.lower() in IMAGE_EXTENSIONS:
            return [ImageRef(path, path.name)]
        with open(path, "rb") as f:
            return _from_list(_names(f), str(path))
    raise InputError(f"{source}: no such file or directory")


def key_path(root: Path, key: str, suffix: str = "") -> Path:
    """'sub/dog.jpg' → root/sub/dog.jpg<suffix>: per-image outputs (pictures, embeddings)
    mirror the input tree and keep the whole file name, so a.jpg and a.png never share
    one, whatever else is listed."""
    rel = PurePosixPath(key)
    return Path(root).joinpath(*rel.parent.parts, rel.name + suffix)


def _names(lines: Iterable[bytes]) -> Iterator[str]:
    """Lines of a list as file names: bytes that are not UTF-8 are kept as Python
    keeps them in names it lists itself (surrogate escapes), so every name opens."""
    return (line.decode("utf-8", "surrogateescape") for line in lines)


def _from_list(lines: Iterable[str], origin: str) -> list[ImageRef]:
    paths = [Path(line.strip()) for line in lines if line.strip() and not line.strip().startswith("#")]
    if not paths:
        raise InputError(f"{origin}: the image list is empty")
    absolute = [p.absolute() for p in paths]
    root = Path(os.path.commonpath([p.parent for p in absolute]))
    refs = [ImageRef(p, a.relative_to(root).as_posix()) for p, a in zip(paths, absolute)]
    seen: set[str] = set()
    twice = [r.key for r in refs if r.key in seen or seen.add(r.key)]
    if twice:  # results, ids and resume all go by the key
        raise InputError(f"{origin}: {plural(len(twice), 'image')} listed more than once, e.g. {twice[0]!r}")
    return refs


def decode_image(path: Path) -> np.ndarray:
    """File → H×W×3 uint8 RGB, EXIF-rotated. Grayscale, palette and alpha images
    become RGB (alpha dropped); 16-bit images are rescaled to 8 bits."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img = ImageOps.exif_transpose(img)
                return _to_rgb8(img)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise InputError(f"{path}: not a readable image ({exc.__class__.__name__}: {exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:  # truncated / corrupt data
        raise InputError(f"{path}: corrupt image ({exc})") from None


def _to_rgb8(img: Image.Image) -> np.ndarray:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit (or 32-bit int) gray: Pillow's convert("L") would clip at 255
        a = np.asarray(img, dtype=np.float64)
        peak = 65535.0 if img.mode.startswith("I;16") else max(float(a.max()), 1.0)
        gray = np.clip(np.rint(a * (255.0 / peak)), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if img.mode == "F":
        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        gray = np.rint((a - lo) * (255.0 / max(hi - lo, 1e-12))).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    return np.array(img.convert("RGB") if img.mode != "RGB" else img)
