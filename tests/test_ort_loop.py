"""`benchmarks/ort_loop.py`, the plain ONNX Runtime loop samcli is timed against, is a
fair opponent: following only the exported JSON, it gives samcli's PyTorch masks
for box prompts — SAM's interface (MobileSAM, one mask by SAM's exporter rule: the
best candidate for a lone box) and EfficientSAM's own (the best of its three)."""
from __future__ import annotations

import json
import shutil
import sys

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from samcli.onnx.export import export_interface_decoder
from tests.cli_helpers import REPO
from tests.onnx_helpers import (
    MIN_IOU,
    SCORE_ATOL,
    dog,
    encode_both,
    fixture_prompts,
    torch_output,
)
from tests.parity import IMAGES_DIR, mask_iou

sys.path.insert(0, str(REPO / "benchmarks"))
import ort_loop


def loop_folder(model_id, fixture, model, onnx_files, tmp_path):
    """What `samcli export onnx` writes by default: the session's files, with a
    single-mask decoder for SAM's interface (EfficientSAM's always returns three)."""
    exported, _ = onnx_files(model_id, fixture)
    folder = exported.encoder.parent
    if model.accepts_mask_input:
        info = json.loads((folder / f"{model_id}.json").read_text())
        shutil.copy(exported.encoder, tmp_path / info["encoder"]["file"])
        export_interface_decoder(model, tmp_path / info["decoder"]["file"], multimask=False)
        (tmp_path / f"{model_id}.json").write_text(json.dumps(info))
        folder = tmp_path
    return folder, exported.encoder


@pytest.mark.parametrize("model_id, fixture", [("mobilesam", "mobilesam"), ("efficientsam-ti", "efficientsam_vitt")])
def test_loop_gives_samcli_masks_for_boxes(model_id, fixture, parity_model, onnx_files, tmp_path):
    model = parity_model(model_id, fixture)
    folder, encoder = loop_folder(model_id, fixture, model, onnx_files, tmp_path)
    boxes = [p for p in fixture_prompts(fixture) if p.box is not None and p.points is None]
    assert boxes, "the fixture has box prompts"
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps({"images": [{"file": "dog.jpg", "prompts": [{"box": p.box.tolist()} for p in boxes]}]}))
    out = tmp_path / "loop.json"
    ort_loop.main(str(folder), model_id, str(IMAGES_DIR), str(prompts), str(out))
    results = json.loads(out.read_text())
    assert len(results) == len(boxes)
    enc = encode_both(model, encoder, dog())
    for result, prompt in zip(results, boxes):
        masks, scores, _ = torch_output(model, enc.torch, prompt, enc.geom)
        best = int(np.argmax(scores[model.candidates])) + model.candidates.start
        iou = mask_iou(mask_utils.decode(result["segmentation"]).astype(bool), masks[best])
        assert iou >= MIN_IOU, f"{model_id} box {prompt.box}: IoU {iou:.4f} with samcli's best candidate"
        assert abs(result["score"] - float(scores[best])) <= SCORE_ATOL
