"""Every file a run writes, behind one door: results go in one at a time,
each writer takes what it needs. A writer has `add(result)`, `close()` (also
called when the run is interrupted) and `needs_images` (it draws on the
decoded photo, so the pipeline must keep it)."""
from __future__ import annotations

from typing import Protocol

from samcli.engine.records import ImageResult


class Writer(Protocol):
    needs_images: bool

    def add(self, result: ImageResult) -> None: ...

    def close(self) -> None: ...


class Outputs:
    def __init__(self, writers: list[Writer]) -> None:
        self.writers = list(writers)

    @property
    def needs_images(self) -> bool:
        return any(w.needs_images for w in self.writers)

    def add(self, result: ImageResult) -> None:
        for writer in self.writers:
            writer.add(result)

    def close(self) -> None:
        for writer in self.writers:
            writer.close()

    def __enter__(self) -> "Outputs":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
