"""The pipeline-level golden prompt sets as samcli prompts, with the mask each
should produce, for end-to-end tests of any model.

Layouts differ per fixture: SAM-style goldens store one query per set (p5: four
boxes), EfficientSAM's store (1, Q, N, 2) points whose labels 2/3 are the box
corners. Both become plain samcli prompts (points with labels 0/1, plus a box).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from samcli.io.prompts.types import Prompt
from tests.parity import unpack_masks
from tests.sam_head_parity import PROMPT_SETS

#: pick(g, prefix, query, masks (C,H,W), scores (C,)) → (expected mask, expected score or None)
Pick = Callable[[object, str, int, np.ndarray, np.ndarray], tuple[np.ndarray, float | None]]


def best_by_score(g, prefix, q, masks, scores):
    k = int(np.argmax(scores)) if len(scores) > 1 else 0
    return masks[k], float(scores[k])


def _query_prompt(g, prefix: str, q: int, queries: int) -> Prompt:
    points = labels = box = None
    if prefix + "points" in g.files:
        pts, lab = g[prefix + "points"], g[prefix + "labels"]
        if pts.ndim == 4:  # EfficientSAM: (1, Q, N, 2), box corners included as labels 2/3
            pts, lab = pts[0, q], lab[0, q]
        pts, lab = pts.reshape(-1, 2), lab.reshape(-1)
        plain = lab <= 1
        if plain.any():
            points, labels = pts[plain].astype(np.float64), lab[plain].astype(np.int64)
    for key in ("boxes", "box"):
        if prefix + key in g.files:
            box = g[prefix + key].reshape(-1, 4)[q].astype(np.float64)
    return Prompt(points=points, labels=labels, box=box, source=f"{prefix}[{q}]")


def expected_prompts(g, pick: Pick = best_by_score, sets=PROMPT_SETS):
    """→ list of (Prompt, expected mask (H, W) bool, expected score or None);
    fails if the golden holds none of `sets` (a comparison of nothing proves nothing)."""
    out = []
    for name in sets:
        prefix = f"pipe/{name}/"
        if prefix + "masks" not in g.files:
            continue
        masks = unpack_masks(g, prefix + "masks")
        candidates = masks.shape[-3]
        masks = masks.reshape(-1, candidates, *masks.shape[-2:])
        scores = g[prefix + "scores"].reshape(-1, candidates)
        for q in range(masks.shape[0]):
            mask, score = pick(g, prefix, q, masks[q], scores[q])
            out.append((_query_prompt(g, prefix, q, masks.shape[0]), mask, score))
    assert out, f"no pipeline golden among {sets} in this fixture"
    return out


def native_prompt_json(image: str, prompts: list[Prompt]) -> dict:
    items = []
    for p in prompts:
        item = {}
        if p.box is not None:
            item["box"] = [float(v) for v in p.box]
        if p.points is not None:
            item["points"] = p.points.tolist()
            item["labels"] = [int(v) for v in p.labels]
        items.append(item)
    return {"images": [{"file": image, "prompts": items}]}
