"""The pipeline-level golden prompt sets as samcli prompts, with the mask each
should produce under `--multimask auto`, for end-to-end tests of any SAM-head model."""
from __future__ import annotations

import numpy as np

from samcli.io.prompts.types import Prompt
from tests.parity import unpack_masks
from tests.sam_head_parity import PROMPT_SETS


def expected_prompts(g, auto_best=lambda prefix, scores: int(np.argmax(scores))):
    """→ list of (Prompt, expected mask (H,W) bool, expected score). Sets stored with
    3 candidates (multimask) expect the candidate `auto_best` picks; p5's four boxes
    become four prompts."""
    out = []
    for name in PROMPT_SETS:
        prefix = f"pipe/{name}/"
        if prefix + "masks" not in g.files:
            continue
        points = g[prefix + "points"].reshape(-1, 2).astype(np.float64) if prefix + "points" in g.files else None
        labels = g[prefix + "labels"].reshape(-1).astype(np.int64) if prefix + "labels" in g.files else None
        boxes = [None]
        for key in ("boxes", "box"):
            if prefix + key in g.files:
                boxes = list(g[prefix + key].reshape(-1, 4).astype(np.float64))
        masks = unpack_masks(g, prefix + "masks")
        scores = g[prefix + "scores"]
        masks = masks.reshape(len(boxes), -1, *masks.shape[-2:])
        scores = scores.reshape(len(boxes), -1)
        for i, box in enumerate(boxes):
            k = auto_best(prefix, scores[i]) if scores.shape[1] > 1 else 0
            out.append((Prompt(points=points, labels=labels, box=box, source=f"{name}[{i}]"), masks[i, k], float(scores[i, k])))
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
