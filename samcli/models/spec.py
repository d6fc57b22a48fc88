"""What the registry knows about one model: how to build it and where its
released weights live. A leaf module: family modules import it, nothing here
imports them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn


@dataclass(frozen=True)
class ModelSpec:
    id: str
    family: str
    summary: str
    build: Callable[[], nn.Module]  # the architecture, randomly initialised
    url: str
    filename: str
    licence: str
    input_size: int  # encoder input side, pixels
    #: "md5:<hex>" / "sha256:<hex>" of the released file, where one is published
    digest: str | None = None
    kind: str = "promptable"  # or "saliency"
    #: folder name under shared/parity proving this implementation
    parity: str | None = None
    #: how the implementation is proven when it has no fixture of its own, download caveats, …
    notes: str = ""
