"""What the registry knows about one model: how to build it and where its
released weights live. A leaf module, free of torch: family modules import it,
nothing here imports them (`lazy` imports one when the model is built)."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
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


@dataclass(frozen=True, repr=False)
class Lazy:
    """A `build` that names its class (or function) as "module:attribute" and imports
    it only when called, so that looking a model up imports no torch."""
    target: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()  # a tuple, not a dict: specs stay hashable

    def __call__(self) -> nn.Module:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)(*self.args, **dict(self.kwargs))

    def __repr__(self) -> str:
        given = [repr(self.target), *map(repr, self.args), *(f"{k}={v!r}" for k, v in self.kwargs)]
        return f"lazy({', '.join(given)})"


def lazy(target: str, *args: Any, **kwargs: Any) -> Lazy:
    """`lazy("samcli.models.edgesam:EdgeSam")()` is `EdgeSam()`, imported on that call."""
    return Lazy(target, args, tuple(kwargs.items()))
