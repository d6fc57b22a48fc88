"""How many full-size masks are made at once (no torch: both runtimes use it)."""
from __future__ import annotations

#: float32 full-resolution logits upscaled at once: bounds memory on huge images
UPSCALE_BUDGET_MB = 128.0


def chunk_size(hw: tuple[int, int], frame: int = 0) -> int:
    """How many float32 maps fit in UPSCALE_BUDGET_MB (at least one): maps of the
    full (h, w) size, or of the model's square `frame` (e.g. SAM's 1024) where the
    upscale passes through it and that is larger (small images)."""
    return max(1, int(UPSCALE_BUDGET_MB * 2**20 // (4 * max(hw[0] * hw[1], frame * frame))))
