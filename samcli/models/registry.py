"""Model ids → specs: the built-in families' `SPECS`, plus those of plugin
modules named in $SAMCLI_PLUGINS (comma-separated import paths, each exporting
`SPECS`, e.g. a fine-tuned model of your own). The table is built once, on
first use. Free of torch, as the built-in specs are (samcli.models.zoo)."""
from __future__ import annotations

import importlib
import os
from functools import lru_cache

from samcli.errors import SamcliError
from samcli.models.spec import ModelSpec
from samcli.models.zoo import BUILT_IN

PLUGINS_ENV = "SAMCLI_PLUGINS"
#: what each kind of model does, for messages
KINDS = {"promptable": "a promptable segmenter (boxes and points in, masks out)",
         "saliency": "a salient-object map (an image in, a saliency map out)"}


def plugin_specs(names: str) -> tuple[ModelSpec, ...]:
    specs: list[ModelSpec] = []
    for name in filter(None, (n.strip() for n in names.split(","))):
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise SamcliError(f"${PLUGINS_ENV}: cannot import {name!r} ({exc})") from None
        found = getattr(module, "SPECS", None)
        if not isinstance(found, (list, tuple)) or not all(isinstance(s, ModelSpec) for s in found):
            raise SamcliError(f"${PLUGINS_ENV}: {name} must define SPECS, a tuple of samcli.models.spec.ModelSpec")
        specs += found
    return tuple(specs)


@lru_cache(maxsize=None)
def _table(plugins: str) -> dict[str, ModelSpec]:
    table: dict[str, ModelSpec] = {}
    for spec in (*BUILT_IN, *plugin_specs(plugins)):
        if spec.id in table:
            raise SamcliError(f"two models are registered as {spec.id!r}")
        table[spec.id] = spec
    return table


def models() -> dict[str, ModelSpec]:
    return _table(os.environ.get(PLUGINS_ENV, ""))


def get_spec(model_id: str) -> ModelSpec:
    try:
        return models()[model_id]
    except KeyError:
        raise SamcliError(f"unknown model {model_id!r}; known models: {', '.join(models())}") from None


def all_specs(kind: str | None = None) -> list[ModelSpec]:
    return [spec for spec in models().values() if kind is None or spec.kind == kind]


def spec_for(model_id: str, kind: str, use: str, also: tuple[str, ...] = ()) -> ModelSpec:
    """The spec of `model_id` for `use` (a command or option), which needs a `kind` model.
    An unknown id, or a model of another kind, is a SamcliError naming the models that
    fit (and `also`: names `use` takes besides registered models), decided from the
    registry alone: before any weights are looked for."""
    fit = ", ".join([s.id for s in all_specs(kind)] + list(also))
    spec = models().get(model_id)
    if spec is None:
        raise SamcliError(f"unknown model {model_id!r}; {use} takes: {fit}")
    if spec.kind != kind:
        raise SamcliError(f"{model_id} is {KINDS.get(spec.kind, spec.kind + ' model')}; {use} needs "
                          f"{KINDS.get(kind, kind)}: {fit}")
    return spec
