"""How far the model is inside the images it holds: prompts planned and decoded.
Segmenting everything in a large image on a CPU decodes thousands of prompts
for minutes; this light hook lets a caller (the CLI's progress display) show
that. No UI here: a listener is called with numbers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

#: (prompts decoded so far, prompts planned so far) for the image(s) being processed
PromptListener = Callable[[int, int], None]


@dataclass
class PromptProgress:
    listener: PromptListener | None = None
    done: int = 0
    planned: int = 0

    def plan(self, count: int) -> None:
        """`count` more prompts will be decoded (a round or crop may add more later)."""
        self.planned += count
        self._tell()

    def decoded(self, count: int) -> None:
        self.done += count
        self._tell()

    def _tell(self) -> None:
        if self.listener is not None:
            self.listener(self.done, self.planned)
