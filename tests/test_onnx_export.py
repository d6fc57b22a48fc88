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
from tests.onnx_helpers import (assert_same_masks, dog, efficientsam_interface_inputs, encode_both,
                                fixture_prompts, model_params, sam_interface_inputs, session, torch_output)



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
    # float rounding only (EdgeSAM's deep residual stack amplifies it most: ~5e-4)
    error = np.linalg.norm(enc.ort - enc.torch.numpy()) / np.linalg.norm(enc.torch.numpy())
    assert error <= 2e-3, f"embedding: relative error {error:.2e}"
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



@pytest.fixture(scope="module")
def single_mask_decoder(parity_model, tmp_path_factory):
    """make(model_id, fixture) → the default export's decoder (one mask per call)."""
    from samcli.onnx.export import export_interface_decoder

    def make(model_id: str, fixture: str):
        return export_interface_decoder(parity_model(model_id, fixture), tmp_path_factory.mktemp(model_id) / "d.onnx",
                                        multimask=False)

    return make


def notebook_embedding(info: dict, encoder, path) -> tuple[np.ndarray, tuple[int, int]]:
    """The image embedded by following the exported JSON alone (as the README shows)."""
    from PIL import Image

    pre = info["preprocessing"]
    img = Image.open(path).convert("RGB")
    s = pre["input_size"]
    scale = s / max(img.height, img.width)
    h, w = int(img.height * scale + 0.5), int(img.width * scale + 0.5)
    x = np.asarray(img.resize((w, h), Image.BILINEAR), np.float32).transpose(2, 0, 1)
    x = (x / pre["divisor"] - np.float32(pre["mean"])[:, None, None]) / np.float32(pre["std"])[:, None, None]
    image = np.zeros((1, 3, s, s), np.float32)
    image[0, :, :h, :w] = x
    return session(encoder).run(None, {"image": image})[0], (img.height, img.width)


def apply_coords(coords: np.ndarray, hw: tuple[int, int], side: int = 1024) -> np.ndarray:
    """SAM's ResizeLongestSide.apply_coords."""
    scale = side / max(hw)
    nh, nw = int(hw[0] * scale + 0.5), int(hw[1] * scale + 0.5)
    out = coords.astype(np.float64).copy()
    out[..., 0] *= nw / hw[1]
    out[..., 1] *= nh / hw[0]
    return out


def test_decoder_driven_as_sams_onnx_notebook(parity_model, onnx_files, single_mask_decoder):
    """SAM's `onnx_model_example.ipynb`, step by step, on the default (single-mask)
    export: a click (+ padding point), two clicks with the first mask fed back, a box +
    a negative click (no padding). Each gives samcli's PyTorch mask for the same prompt."""
    from samcli.io.prompts.types import Prompt
    from tests.parity import IMAGES_DIR, mask_iou

    model = parity_model("mobilesam", "mobilesam")
    exported, _ = onnx_files("mobilesam", "mobilesam")
    info = json.loads(exported.manifest.read_text())
    embedding, hw = notebook_embedding(info, exported.encoder, IMAGES_DIR / "dog.jpg")
    decoder = session(single_mask_decoder("mobilesam", "mobilesam"))
    ref = encode_both(model, exported.encoder, dog())

    def notebook(points, labels, mask=None):
        coords = apply_coords(np.asarray(points, np.float32), hw)[None].astype(np.float32)
        return decoder.run(None, {
            "image_embeddings": embedding, "point_coords": coords, "point_labels": np.asarray([labels], np.float32),
            "mask_input": np.zeros((1, 1, 256, 256), np.float32) if mask is None else mask,
            "has_mask_input": np.asarray([0.0 if mask is None else 1.0], np.float32),
            "orig_im_size": np.asarray(hw, np.float32)})

    def check(masks, scores, prompt, token, mask=None, what=""):
        ref_masks, ref_scores, ref_low = torch_output(model, ref.torch, prompt, ref.geom, mask)
        assert masks.shape == (1, 1, *hw)
        assert mask_iou(masks[0, 0] > 0, ref_masks[token]) >= 0.99, what
        assert abs(float(scores[0, 0]) - float(ref_scores[token])) <= 1e-3, what
        return ref_low[token][None, None]

    click = np.array([[500.0, 300.0]])
    masks, scores, low = notebook(np.concatenate([click, [[0.0, 0.0]]]), [1, -1])
    prompt = Prompt(points=click, labels=np.array([1]))
    best = 1 + int(np.argmax(torch_output(model, ref.torch, prompt, ref.geom)[1][1:]))  # one click: best candidate
    first_low = check(masks, scores, prompt, best, what="one click")

    clicks = np.array([[500.0, 300.0], [300.0, 250.0]])
    masks, scores, _ = notebook(np.concatenate([clicks, [[0.0, 0.0]]]), [1, 1, -1], mask=low)
    check(masks, scores, Prompt(points=clicks, labels=np.array([1, 1])), 0, mask=first_low, what="mask input")

    box, negative = np.array([100.0, 150.0, 600.0, 500.0]), np.array([[350.0, 300.0]])
    masks, scores, _ = notebook(np.concatenate([negative, box.reshape(2, 2)]), [0, 2, 3])
    check(masks, scores, Prompt(points=negative, labels=np.array([0]), box=box), 0, what="box and point")


def test_edgesam_single_mask_follows_its_demo(parity_model, onnx_files, single_mask_decoder):
    """Point prompts: the most stable of the four tokens; a box: token 0 (EdgeSam.select)."""
    from samcli.ops.masks import stability_score

    model = parity_model("edgesam", "edgesam")
    exported, _ = onnx_files("edgesam", "edgesam")
    enc = encode_both(model, exported.encoder, dog())
    decoder = session(single_mask_decoder("edgesam", "edgesam"))
    for prompt in fixture_prompts("edgesam")[:4]:
        masks, scores, _ = decoder.run(None, sam_interface_inputs(prompt, enc.geom, enc.ort))
        ref_masks, ref_scores, ref_low = torch_output(model, enc.torch, prompt, enc.geom)
        token = 0 if prompt.box is not None else int(stability_score(ref_low[None]).nan_to_num(nan=-1.0).argmax())
        assert_same_masks(masks[0] > 0, scores[0], ref_masks[token][None], ref_scores[token][None],
                          f"edgesam {prompt.source}")


def apply_recipe(pre: dict, image: np.ndarray) -> np.ndarray:
    """The JSON's `preprocessing`, applied as written (Pillow, numpy; torch's
    interpolate only for the float "stretch", which the JSON names)."""
    from PIL import Image

    s = pre["input_size"]
    if pre["resize"] == "longest_side":
        scale = s / max(image.shape[:2])
        h, w = int(image.shape[0] * scale + 0.5), int(image.shape[1] * scale + 0.5)
        image = np.asarray(Image.fromarray(image).resize((w, h), Image.BILINEAR))
    x = image.astype(np.float32).transpose(2, 0, 1) / np.float32(pre["divisor"])
    if pre["resize"] == "stretch":
        x = torch.nn.functional.interpolate(torch.from_numpy(x)[None], (s, s), mode="bilinear",
                                            align_corners=False)[0].numpy()
    x = (x - np.float32(pre["mean"])[:, None, None]) / np.float32(pre["std"])[:, None, None]
    out = np.zeros((3, s, s), np.float32)
    out[:, : x.shape[1], : x.shape[2]] = x
    return out


@pytest.mark.parametrize("model_id", ["mobilesam", "efficientvit-sam-l0", "efficientsam-ti", "edgesam", "sam-vit-b"])
def test_json_preprocessing_is_the_models_own(model_id):
    """What the JSON tells a caller to do equals the model's own preprocess + normalize."""
    from samcli.onnx.engine_runtime import weightless

    model = weightless(model_id)
    pre = json.loads(json.dumps(model.preprocessing.describe()))
    image = dog()
    ours = apply_recipe(pre, image)
    np.testing.assert_allclose(ours, model.normalize(model.preprocess(image)).numpy(), rtol=0, atol=1e-5)
