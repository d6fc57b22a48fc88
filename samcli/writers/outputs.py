"""Every file a run writes, behind one door: results go in one at a time,
each writer takes what it needs.

What a failure means depends on where it happens. Writers before the record
keeper (the journal) write one image's pictures: if one fails (a file in the
way, a name the file system refuses), that image becomes failed, its record
says why, so --resume does it again, and the run goes on. The record keeper
failing, a full disk (ENOSPC, EDQUOT, EFBIG) or an I/O error anywhere, or any
writer after the record keeper failing, stops the run: `Outputs.add` raises
and the caller `abandon`s the outputs (the journal stays; nothing that looks
complete is written).
"""
from __future__ import annotations

import errno

from samcli.engine.records import ImageResult
from samcli.errors import describe

#: a full or failing disk: every later image would fail the same way, so the run stops
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def storage_fault(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS


class Writer:
    """`add(result)` per image; then once either `close(complete)` (complete=False:
    the run was interrupted) or `abandon()` (a fault stopped the run).
    `needs_images`: it draws on the decoded photo, so the pipeline must keep it.
    `keeps_records`: it records each image as finished (the journal), see the module doc."""

    needs_images = False
    keeps_records = False

    def add(self, result: ImageResult) -> None:
        raise NotImplementedError

    def close(self, complete: bool = True) -> None:
        pass

    def abandon(self) -> None:
        """The run stopped on a fault: keep what --resume needs, write nothing more."""


class Outputs:
    def __init__(self, writers: list[Writer]) -> None:
        self.writers = list(writers)
        keepers = [i for i, w in enumerate(self.writers) if w.keeps_records]
        #: writers whose failure fails only the image: those before the first record keeper
        self.per_image = keepers[0] if keepers else len(self.writers)

    @property
    def needs_images(self) -> bool:
        return any(w.needs_images for w in self.writers)

    def add(self, result: ImageResult) -> None:
        """Every writer, in order. A picture that cannot be written fails its image
        (`result.error`); a fault that stops the run raises (see the module doc)."""
        for k, writer in enumerate(self.writers):
            try:
                writer.add(result)
            except Exception as exc:
                if k >= self.per_image or storage_fault(exc):
                    raise
                result.fail(f"writing its outputs failed: {describe(exc)}")

    def close(self, complete: bool = True) -> None:
        for writer in self.writers:
            writer.close(complete)

    def abandon(self) -> None:
        """Best effort, every writer: the fault that stopped the run is what gets reported."""
        for writer in self.writers:
            try:
                writer.abandon()
            except Exception:  # e.g. the same full disk again
                pass
