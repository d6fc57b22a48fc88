"""Parameter and MAC counts, computed from the architecture (never copied)."""
from __future__ import annotations

import contextlib
from typing import Iterator

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from samcli.models.spec import ModelSpec


def build_on_meta(spec: ModelSpec) -> torch.nn.Module:
    """The architecture with shapes only: no memory, no weights."""
    with torch.device("meta"):
        return spec.build()


@contextlib.contextmanager
def _weights_left_uninitialised() -> Iterator[None]:
    """torch.nn.init's functions as no-ops: modules built meanwhile keep the
    uninitialised memory torch.empty gave them. Process-wide while it lasts (build
    nothing in other threads meanwhile)."""
    names = [n for n in dir(nn.init) if n.endswith("_") and not n.startswith("_")]
    saved = {n: getattr(nn.init, n) for n in names}
    try:
        for n in names:
            setattr(nn.init, n, lambda tensor, *args, **kwargs: tensor)
        yield
    finally:
        for n, fn in saved.items():
            setattr(nn.init, n, fn)


def build_uninitialised(spec: ModelSpec) -> torch.nn.Module:
    """The architecture on the CPU with its weights never initialised (nor to be
    read): for the methods that need none (geometry, resize, mask choice). Milliseconds,
    where the meta device costs seconds on its first use in a process (it imports
    PyTorch's decomposition machinery) and a normal build initialises every weight."""
    with _weights_left_uninitialised(), torch.no_grad():
        return spec.build().eval()


def parameter_count(model: torch.nn.Module) -> int:
    """Learnable parameters as released: before any BatchNorm folding."""
    return sum(p.numel() for p in model.parameters())


def encoder_macs(model: torch.nn.Module, input_size: int) -> int:
    """Multiply-accumulates of one image-encoder pass at the model's input size
    (matmuls, convolutions and attention, as counted by torch's FlopCounterMode; MACs = FLOPs / 2)."""
    x = torch.empty(1, 3, input_size, input_size, device="meta")
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model.encode(x) if hasattr(model, "encode") else model(x)
    return counter.get_total_flops() // 2


def complexity(spec: ModelSpec) -> tuple[float, float]:
    """(parameters in millions, encoder GMACs) rounded as `samcli models list` shows them."""
    net = build_on_meta(spec)
    return round(parameter_count(net) / 1e6, 2), round(encoder_macs(net, spec.input_size) / 1e9, 1)
