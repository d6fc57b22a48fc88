"""`samcli export onnx`: the exported encoder and decoder, run in ONNX Runtime on
the parity fixture's photo and prompts (points, boxes, box + points, a mask
prompt), give samcli's PyTorch masks (IoU ≥ 0.99) and scores (within 1e-3), for
every token the decoder returns. The files are exported once per session from
the parity weights (conftest `onnx_files`)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from samcli.models.encoders.vit_sam import ImageEncoderViT
from samcli.onnx.export import SAM_INTERFACE, export_encoder, interface_of
from samcli.onnx.runtime_graphs import EncoderGraph
from tests.onnx_helpers import (assert_same_masks, efficientsam_interface_inputs, encode_both, fixture_prompts,
                                model_params, sam_interface_inputs, session, torch_output, dog)


def decoded_by_file(exported, model, enc, prompt, mask=None):
    """The exported decoder, fed as an annotator feeds it → masks (T, H, W), scores (T,), low-res (T, h, w)."""
    run = session(exported.decoder).run
    if interface_of(model) == SAM_INTERFACE:
        masks, iou, low = run(None, sam_interface_inputs(prompt, enc.geom, enc.ort, mask))
        return masks[0] > 0, iou[0], low[0]
    masks, iou, low = run(None, efficientsam_interface_inputs(prompt, enc.geom, enc.ort))
    return masks[0, 0] >= 0, iou[0, 0], low


@pytest.mark.parametrize("model_id, fixture", model_params())
def test_exported_encoder_and_decoder_give_pytorchs_masks(model_id, fixture, parity_model, onnx_files):
    model = parity_model(model_id, fixture)
    exported, _ = onnx_files(model_id, fixture)
    enc = encode_both(model, exported.encoder, dog())
    scale = float(enc.torch.abs().max())
    assert np.abs(enc.ort - enc.torch.numpy()).max() <= 1e-3 * scale, "embedding"
    tokens = slice(None) if model.accepts_mask_input else model.candidates  # EfficientSAM's file: the 3 candidates
    for k, prompt in enumerate(fixture_prompts(fixture)):
        ours = decoded_by_file(exported, model, enc, prompt)
        ref_masks, ref_scores, ref_low = torch_output(model, enc.torch, prompt, enc.geom)
        assert_same_masks(ours[0], ours[1], ref_masks[tokens], ref_scores[tokens], f"{model_id} prompt {k}")
    if model.accepts_mask_input:  # a later click with the earlier mask fed back (SAM's mask_input)
        first, later = fixture_prompts(fixture)[0], fixture_prompts(fixture)[1]
        _, _, ref_low = torch_output(model, enc.torch, first, enc.geom)
        _, _, ort_low = decoded_by_file(exported, model, enc, first)
        ref_masks, ref_scores, _ = torch_output(model, enc.torch, later, enc.geom, mask=ref_low[:1][None])
        ours = decoded_by_file(exported, model, enc, later, mask=ort_low[None, :1])
        assert_same_masks(ours[0], ours[1], ref_masks, ref_scores, f"{model_id} mask prompt")


@pytest.mark.parametrize("model_id, fixture", model_params())
def test_exported_json_says_how_to_feed_the_files(model_id, fixture, parity_model, onnx_files):
    model = parity_model(model_id, fixture)
    exported, _ = onnx_files(model_id, fixture)
    info = json.loads(exported.manifest.read_text())
    assert info["model"] == model_id and info["opset"] == 17
    assert info["encoder"]["file"] == exported.encoder.name and info["decoder"]["file"] == exported.decoder.name
    inputs = [i.name for i in session(exported.decoder).get_inputs()]
    assert inputs == list(info["decoder"]["inputs"])  # the names, in the order the file takes them
    assert info["decoder"]["interface"] == ("sam" if model.accepts_mask_input else "efficientsam")
    assert info["preprocessing"]["input_size"] == model.encoder_size


def test_vit_encoder_exports_in_a_small_configuration(tmp_path):
    """SAM's ViT (windowed + global attention, relative positions, window padding):
    the same code as ViT-B/L/H at a size the default run affords (ViT-B itself is slow)."""
    torch.manual_seed(0)
    vit = ImageEncoderViT(dim=64, depth=2, num_heads=2, global_blocks=(1,), img_size=256).eval()

    class Model(torch.nn.Module):  # what EncoderGraph needs of a model
        encoder_size = 256

        def __init__(self):
            super().__init__()
            self.vit = vit

        def encode(self, x):
            return self.vit(x)

    x = torch.randn(1, 3, 256, 256)
    path = export_encoder(Model(), tmp_path / "vit.onnx")
    (ours,) = session(path).run(None, {"image": x.numpy()})
    with torch.inference_mode():
        ref = EncoderGraph(Model())(x).numpy()
    assert ours.shape == ref.shape and np.abs(ours - ref).max() <= 1e-4 * np.abs(ref).max()

