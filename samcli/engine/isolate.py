"""One bad image never sinks its batch: work done on a batch of images at
once (encoder, decoder, saliency maps) is run again image by image when the
batch fails, so only the image that breaks it fails, with the reason."""
from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")


def each_alone_on_failure(items: list[T], run: Callable[[list[T]], None], fail: Callable[[T, Exception], None]) -> None:
    """`run(items)`; if it raises, `run([item])` for each item, and `fail(item, exc)` for
    those that raise alone. `run` must leave an item as it found it when it raises
    (the retry starts from there). Interrupts (KeyboardInterrupt) are never caught."""
    try:
        run(items)
        return
    except Exception as exc:
        if len(items) == 1:
            fail(items[0], exc)
            return
    for item in items:
        each_alone_on_failure([item], run, fail)
