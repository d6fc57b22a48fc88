"""The SAM head's decoder shortcuts (image-side sharing, few-token folding) against
its plain form, and the mask-prompt path. Random weights, no fixtures."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from samcli.models.base import PromptTensors
from samcli.models.sam_head import model as sam_head_model
from samcli.models.sam_head.model import SamHeadModel
from samcli.models.sam_head.transformer import Attention


@pytest.fixture(scope="module")
def model() -> SamHeadModel:
    torch.manual_seed(0)
    m = SamHeadModel(nn.Identity()).eval()  # decode never touches the encoder
    with torch.no_grad():
        for p in m.prompt_encoder.parameters():  # no_mask_embed etc. start at 0 or 1
            p.normal_()
    return m


def prompts(index: list[int], points: int, box: bool, masks: bool = False) -> PromptTensors:
    g = torch.Generator().manual_seed(len(index) * 10 + points)
    b = len(index)
    coords = torch.rand(b, points, 2, generator=g) * 1024 if points else None
    labels = torch.randint(0, 2, (b, points), generator=g) if points else None
    boxes = None
    if box:
        xy = torch.rand(b, 2, generator=g) * 700
        boxes = torch.cat([xy, xy + 1 + torch.rand(b, 2, generator=g) * 300], dim=1)
    low_res = torch.randn(b, 1, 256, 256, generator=g) if masks else None
    return PromptTensors(torch.tensor(index), coords, labels, boxes, low_res)


def plain_decode(model, embeddings, p, monkeypatch):
    """The decoder with both shortcuts off: one embedding copy per prompt, no folding."""
    with monkeypatch.context() as mp:
        mp.setattr(sam_head_model, "per_image", lambda emb, index: (emb[index], None))
        mp.setattr(Attention, "folds", lambda self, tokens: False)
        return model.decode(embeddings, p)


@pytest.mark.parametrize("index,points,box", [
    ([0, 0, 0], 1, False),  # one image, the engine's usual batch
    ([1, 0, 1, 2], 2, True),  # prompts of several images, unsorted
    ([0, 1], 20, False),  # 21 tokens ≥ head_dim: the plain order in later layers
])
@torch.no_grad()
def test_shortcuts_match_plain_decoder(model, monkeypatch, index, points, box):
    embeddings = torch.randn(3, 256, 64, 64, generator=torch.Generator().manual_seed(1))
    p = prompts(index, points, box)
    low, iou = model.decode(embeddings, p)
    ref_low, ref_iou = plain_decode(model, embeddings, p, monkeypatch)
    assert low.shape == (len(index), 4, 256, 256) and iou.shape == (len(index), 4)
    torch.testing.assert_close(low, ref_low, rtol=0, atol=2e-5)
    torch.testing.assert_close(iou, ref_iou, rtol=0, atol=2e-6)


@torch.no_grad()
def test_mask_prompt_path(model, monkeypatch):
    embeddings = torch.randn(2, 256, 64, 64, generator=torch.Generator().manual_seed(2))
    with_masks = prompts([0, 1, 0], 1, True, masks=True)
    low, iou = model.decode(embeddings, with_masks)
    assert low.shape == (3, 4, 256, 256) and torch.isfinite(low).all() and torch.isfinite(iou).all()
    no_masks = PromptTensors(with_masks.image_index, with_masks.coords, with_masks.labels, with_masks.boxes)
    low_none, _ = model.decode(embeddings, no_masks)
    assert (low - low_none).abs().amax(dim=(1, 2, 3)).min() > 1e-3  # every prompt feels its mask
    ref_low, ref_iou = plain_decode(model, embeddings, with_masks, monkeypatch)
    torch.testing.assert_close(low, ref_low, rtol=0, atol=2e-5)
    torch.testing.assert_close(iou, ref_iou, rtol=0, atol=2e-6)
