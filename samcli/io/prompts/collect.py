"""Accumulates one prompt file's images, categories and problems while a reader walks it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from samcli.errors import InputError
from samcli.io.prompts.checks import PromptError, integer, show
from samcli.io.prompts.types import Prompt, PromptFile


class Collector:
    def __init__(self, path: str, fmt: str, min_score: float | None = None):
        self.file = PromptFile(path=path, format=fmt)
        self.min_score = min_score
        #: True once the file declared its categories: an id outside them is then an error
        self.declared = False
        self.filtered = 0  # prompts dropped by min_score, for the "nothing left" warning
        self._made_up: set[int] = set()  # ids named only by their number so far

    @contextmanager
    def item(self, where: str) -> Iterator[None]:
        """Run the body for one item; a PromptError becomes an error naming the item, and the file goes on."""
        try:
            yield
        except PromptError as e:
            self.file.errors.append(f"{where}: {e}")

    def image(self, key: str) -> list[Prompt]:
        """The prompt list of an image; listing an image with no prompts keeps it known to the matcher."""
        return self.file.images.setdefault(key, [])

    def keeps(self, score: float | None) -> bool:
        """min_score filters scored prompts only: hand-made prompts have no score and are always kept."""
        if self.min_score is None or score is None or score >= self.min_score:
            return True
        self.filtered += 1
        return False

    def warn(self, message: str) -> None:
        self.file.warnings.append(message)

    def declare(self, categories: dict[int, str]) -> None:
        self.file.categories.update(categories)
        self.declared = True

    def category(self, cid: int | None, name: str | None) -> int | None:
        """The category id of a prompt given an id, a name, or both.

        A name alone gets the id already carrying that name, else the next free id
        (so names get ids in order of first appearance). An id the file did not
        declare is an error if the file declared categories, else it is named by
        its number until a prompt names it.
        """
        if cid is None:
            return None if name is None else self._named(name)
        known = self.file.categories.get(cid)
        if known is None:
            if self.declared:
                raise PromptError(f"category_id {cid} is not one of the file's categories ({_ids(self.file.categories)})")
            if name is None:
                self._made_up.add(cid)
            self.file.categories[cid] = str(cid) if name is None else name
        elif name is not None and name != known:
            if cid not in self._made_up:
                raise PromptError(f'category_id {cid} is "{known}", but category is "{name}"')
            self.file.categories[cid] = name
            self._made_up.discard(cid)
        return cid

    def _named(self, name: str) -> int:
        for cid, known in self.file.categories.items():
            if known == name:
                return cid
        cid = max(self.file.categories, default=0) + 1
        self.file.categories[cid] = name
        return cid


def _ids(categories: dict[int, str]) -> str:
    ids = sorted(categories)
    return ", ".join(map(str, ids[:10])) + (", ..." if len(ids) > 10 else "")


def read_categories(value: Any, where: str) -> dict[int, str]:
    """COCO-style [{"id": 1, "name": "dog"}, ...]. Categories are file-wide, so a broken one
    fails the whole file (every id after it would be in doubt)."""
    if not isinstance(value, list):
        raise InputError(f'{where}: must be a list of {{"id": ..., "name": ...}}, got {show(value)}')
    categories: dict[int, str] = {}
    for i, entry in enumerate(value):
        here = f"{where}[{i}]"
        if not isinstance(entry, dict) or "id" not in entry or not isinstance(entry.get("name"), str):
            raise InputError(f'{here}: expected {{"id": <integer>, "name": <text>}}, got {show(entry)}')
        try:
            cid = integer(entry["id"], "id")
        except PromptError as e:
            raise InputError(f"{here}: {e}") from None
        if cid in categories:
            raise InputError(f"{here}: category id {cid} appears twice")
        categories[cid] = entry["name"]
    return categories
