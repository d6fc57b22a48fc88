"""Which registered models a weights file fits: its tensor names and shapes against
each model's state dict, built on the meta device (shapes only: no memory, no
weights; about 0.2 s a model). Asked only when a file does not fit the model it
was given for, so that the message can say which model it is for."""
from __future__ import annotations

from functools import lru_cache

from samcli.models.checkpoint import Shapes, ignored_prefixes, shapes_of, state_problem
from samcli.models.complexity import build_on_meta
from samcli.models.registry import all_specs, get_spec


@lru_cache(maxsize=None)
def _expected(model_id: str) -> tuple[Shapes, tuple[str, ...]]:
    net = build_on_meta(get_spec(model_id))
    return shapes_of(net.state_dict()), ignored_prefixes(net)


def models_fitting(found: Shapes) -> list[str]:
    """The registered models (in registry order) whose weights have these names and shapes."""
    return [spec.id for spec in all_specs() if state_problem(*_expected(spec.id), found) is None]


def fitting_hint(found: Shapes) -> str:
    """'Its tensors are those of mobilesam, tinysam: use --model mobilesam (or tinysam).', or that none fits."""
    fits = models_fitting(found)
    if not fits:
        return "Its tensors fit no registered model (see `samcli models list`)."
    option = "--sod" if get_spec(fits[0]).kind == "saliency" else "--model"
    others = f" (or {', '.join(fits[1:])})" if len(fits) > 1 else ""
    return f"Its tensors are those of {', '.join(fits)}: use {option} {fits[0]}{others}."
