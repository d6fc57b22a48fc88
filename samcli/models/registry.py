"""Model ids → how to build them and where their released weights live."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from torch import nn

from samcli.errors import SamcliError


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
    notes: str = ""
    aliases: tuple[str, ...] = field(default=())


_MODELS: dict[str, ModelSpec] = {}


def register(*specs: ModelSpec) -> None:
    for spec in specs:
        for name in (spec.id, *spec.aliases):
            if name in _MODELS:
                raise ValueError(f"duplicate model id {name!r}")
            _MODELS[name] = spec


def _ensure_zoo() -> None:
    if not _MODELS:
        from samcli.models import zoo  # noqa: F401  (registers on import)


def get_spec(model_id: str) -> ModelSpec:
    _ensure_zoo()
    try:
        return _MODELS[model_id]
    except KeyError:
        known = ", ".join(s.id for s in all_specs())
        raise SamcliError(f"unknown model {model_id!r}; known models: {known}") from None


def all_specs(kind: str | None = None) -> list[ModelSpec]:
    _ensure_zoo()
    seen: dict[str, ModelSpec] = {}
    for spec in _MODELS.values():
        if kind is None or spec.kind == kind:
            seen.setdefault(spec.id, spec)
    return list(seen.values())
