"""The protocols through real decoders (randomly initialised, random embeddings):
the plumbing fits the contract — prompt shapes, the SAM head's mask prompt,
EfficientSAM's point limit. The numbers themselves mean nothing."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from samcli.errors import SamcliError
from samcli.eval.decoding import EncodedImage, decode_chosen
from samcli.eval.protocol_box import box_results
from samcli.eval.protocol_coco_ap import detection_results
from samcli.eval.protocol_point import point_results
from samcli.io.prompts.types import Prompt
from samcli.models.registry import get_spec
from tests.eval_fakes import gt_image, rect

HW = (96, 128)
MASKS = [rect(HW, (10, 49), (10, 59)), rect(HW, (60, 89), (80, 119))]


def encoded(model_id: str, slot: int = 1) -> EncodedImage:
    torch.manual_seed(0)
    model = get_spec(model_id).build().eval()
    model.after_load()
    # a batch of two images: the protocol must decode against row `slot`
    return EncodedImage(model, torch.randn(2, 256, 64, 64), model.geometry(HW), slot=slot, prompt_batch=1)


@pytest.mark.parametrize("model_id", ["mobilesam", "efficientsam-ti", "efficientvit-sam-l0"])
def test_box_point_and_detections_run_through_a_real_decoder(model_id):
    image, gt = encoded(model_id), gt_image(MASKS)
    boxes = box_results(image, gt)
    points = point_results(image, gt, clicks=3, feedback=True)
    found = detection_results(image, 1, [Prompt(box=inst.box, category_id=1, score=0.5) for inst in gt.instances])
    assert len(boxes) == len(points) == len(found) == 2
    assert all(0.0 <= iou <= 1.0 for r in boxes + points for iou in r.ious)
    assert all(len(r.ious) == 3 and 1 <= len(r.clicks) <= 3 for r in points)
    assert all(f["segmentation"]["size"] == list(HW) for f in found)


def test_the_embedding_row_is_the_images_slot():
    image = encoded("mobilesam", slot=0)
    boxes = np.array([[10.0, 10.0, 60.0, 50.0]])
    first, _ = decode_chosen(image, "always", boxes=boxes)
    image.embeddings[1] = torch.randn(256, 64, 64)  # another image of the batch: no effect
    assert torch.equal(decode_chosen(image, "always", boxes=boxes)[0], first)
    image.embeddings[0] = torch.randn(256, 64, 64)  # this image's row
    assert not torch.equal(decode_chosen(image, "always", boxes=boxes)[0], first)


def test_efficientsam_takes_at_most_six_clicks():
    with pytest.raises(SamcliError, match="7 clicks: EfficientSam accepts at most 6 points"):
        point_results(encoded("efficientsam-ti"), gt_image(MASKS), clicks=7)


def test_sam_head_decodes_the_fed_back_mask():
    image = encoded("mobilesam")
    points, labels = np.array([[[30.0, 30.0]]]), np.array([[1]])
    low, _ = decode_chosen(image, "always", points=points, labels=labels)
    again, _ = decode_chosen(image, "always", points=points, labels=labels, masks=low)
    assert again.shape == low.shape == (1, 256, 256) and not torch.equal(again, low)
