"""Both everything modes run with one model of every promptable family
(random weights, a stand-in embedding): the engine relies only on the model
contract (geometry, decode, candidate_tokens, upscale, binarize)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from samcli.engine.everything import EverythingParams, generate
from samcli.models import all_specs

ONE_PER_FAMILY = list({spec.family: spec for spec in reversed(all_specs("promptable"))}.values())
IMAGE = np.random.default_rng(0).integers(0, 256, size=(96, 128, 3), dtype=np.uint8)
NO_FILTERS = dict(pred_iou_thresh=0, stability_score_thresh=0, box_nms_thresh=1.0)


@pytest.mark.parametrize("spec", ONE_PER_FAMILY, ids=lambda s: s.id)
def test_everything_modes_run_with_every_family(spec):
    torch.manual_seed(0)
    model = spec.build().eval()
    embedding = torch.randn(1, 256, 64, 64)  # every promptable family embeds to 256×64×64
    for params in (EverythingParams(points_per_side=2, **NO_FILTERS),
                   EverythingParams(points_per_side=4, hierarchical=True, high_score_thresh=0.0, **NO_FILTERS)):
        result = generate(model, IMAGE, params, embedding=embedding)
        per_point = len(model.candidate_tokens)
        assert result.stats["masks"]["decoded"] == per_point * result.stats["prompts"]
        assert len(result.annotations) == result.stats["masks"]["decoded"]  # nothing filtered
        assert all(a.rle["size"] == [96, 128] for a in result.annotations)
