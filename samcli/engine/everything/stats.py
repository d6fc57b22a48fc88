"""Per-image counters for `--stats`: how many decoder prompts were evaluated
and how many masks survived each filter (seconds per stage: engine.timing)."""
from __future__ import annotations

from collections import Counter

#: what a pass over points counts: prompts decoded, then masks left after each filter
DECODE_STAGES = ("prompts", "decoded", "pred_iou", "stability", "crop_edge")


def new_counts() -> Counter:
    return Counter(dict.fromkeys(DECODE_STAGES, 0))


def summed(*counts: Counter) -> dict[str, int]:
    return {k: sum(c[k] for c in counts) for k in DECODE_STAGES}
