"""Every file a run writes, behind one door: results go in one at a time,
each writer takes what it needs."""
from __future__ import annotations

from samcli.engine.records import ImageResult


class Writer:
    """`add(result)` per image; `close(complete)` once, also when the run was
    interrupted (complete=False). `needs_images`: it draws on the decoded photo,
    so the pipeline must keep it."""

    needs_images = False

    def add(self, result: ImageResult) -> None:
        raise NotImplementedError

    def close(self, complete: bool = True) -> None:
        pass


class Outputs:
    def __init__(self, writers: list[Writer]) -> None:
        self.writers = list(writers)

    @property
    def needs_images(self) -> bool:
        return any(w.needs_images for w in self.writers)

    def add(self, result: ImageResult) -> None:
        for writer in self.writers:
            writer.add(result)

    def close(self, complete: bool = True) -> None:
        for writer in self.writers:
            writer.close(complete)
