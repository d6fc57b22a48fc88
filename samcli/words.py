"""Counted words in messages: "1 warning", "2 warnings" (never "1 warnings")."""
from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """1 image, 2 images, 0 images; `nouns` where adding an s is wrong (1 match, 2 matches)."""
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"
