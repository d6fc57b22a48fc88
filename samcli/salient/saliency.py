"""Choosing a saliency source by name: `u2netp` (default), `u2net`, `spectral`."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from samcli.errors import SamcliError

if TYPE_CHECKING:  # the CLI reads the names below at start-up: torch and the models load on use
    import torch

    from samcli.salient.source import SaliencySource

DEFAULT_SALIENCY_SOURCE = "u2netp"
#: needs no weights: the offline fallback (lower quality)
WEIGHT_FREE_SOURCES = ("spectral",)


def saliency_source_names() -> list[str]:
    """Registered saliency models (kind="saliency"), then the weight-free ones."""
    from samcli.models import all_specs

    return [spec.id for spec in all_specs(kind="saliency")] + list(WEIGHT_FREE_SOURCES)


def load_saliency_source(name: str = DEFAULT_SALIENCY_SOURCE, checkpoint: str | os.PathLike | None = None,
                         device: str | torch.device = "cpu", offline: bool | None = None,
                         progress: bool = True, batch_size: int = 8) -> SaliencySource:
    """A ready source. `checkpoint` is a local weights file (`--sod-checkpoint`);
    without it the cache or a download is used, as for every model."""
    if name == "spectral":
        from samcli.salient.spectral import SpectralSaliency

        if checkpoint is not None:
            raise SamcliError("the spectral saliency source has no weights; drop --sod-checkpoint")
        return SpectralSaliency()
    from samcli.models import all_specs, load_model

    if name not in [spec.id for spec in all_specs(kind="saliency")]:
        raise SamcliError(f"unknown saliency source {name!r}; choose from {', '.join(saliency_source_names())}")
    from samcli.salient.u2net_maps import U2NetSaliency

    model = load_model(name, checkpoint=checkpoint, device=device, offline=offline, progress=progress)
    return U2NetSaliency(model, batch_size=batch_size)
