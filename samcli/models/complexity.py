"""Parameter and MAC counts, computed from the architecture (never copied)."""
from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode

from samcli.models.spec import ModelSpec


def build_on_meta(spec: ModelSpec) -> torch.nn.Module:
    """The architecture with shapes only: no memory, no weights."""
    with torch.device("meta"):
        return spec.build()


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
