"""A real model's embeddings kept and reused (EfficientViT-SAM L0 with the
parity fixture's deterministic weights, a sample photo and its prompts): `segment
--embeddings` writes the bytes of a plain `segment` run with no image encoded,
and the manifest places each embedding in the model's frames (its 512-pixel
encoder input, the 1024 prompt frame)."""
from __future__ import annotations

import json

import numpy as np

from samcli.io.embeddings import MANIFEST, read_manifest
from tests.cli_helpers import SAMPLES, invoke
from tests.parity import fixture_dir

MODEL, FIXTURE = "efficientvit-sam-l0", "efficientvit_sam_l0"


def test_a_real_model_reuses_its_embeddings_to_the_same_bytes(parity_checkpoint, tmp_path):
    fixture_dir(FIXTURE)  # skips, saying so, without the fixtures
    weights = parity_checkpoint(FIXTURE)
    image = SAMPLES / "images" / "dog.jpg"  # one photo: three prompts (a box, two points, one point)
    prompts = tmp_path / "prompts.json"
    sample = json.loads((SAMPLES / "prompts" / "prompts.json").read_text())
    prompts.write_text(json.dumps({**sample, "images": [i for i in sample["images"] if i["file"] == "dog.jpg"]}))
    model = ["--model", MODEL, "--checkpoint", weights]
    folder = tmp_path / "emb"
    made = invoke("embed", image, "-o", folder, "-q", *model)
    assert made.exit_code == 0, made.output
    manifest = read_manifest(folder / MANIFEST)
    assert manifest.header["embedding_shape"] == [1, 256, 64, 64] and manifest.header["input_size"] == 512
    dog = manifest.images["dog.jpg"]  # 800 × 534: the longest side to 512 (encoder) and 1024 (prompts)
    assert dog["original_hw"] == [534, 800] and dog["input_hw"] == [342, 512] and dog["resized_hw"] == [684, 1024]
    assert np.load(folder / "dog.jpg.npy").shape == (1, 256, 64, 64)

    plain, reused = tmp_path / "plain.json", tmp_path / "reused.json"
    first = invoke("segment", image, "-p", prompts, "-o", plain, *model)
    assert first.exit_code == 0 and "1 encoded" in first.output, first.output
    again = invoke("segment", image, "-p", prompts, "-o", reused, "--embeddings", folder, *model)
    assert again.exit_code == 0, again.output
    assert "0 encoded, 1 read from --embeddings" in again.output  # counted by the engine
    assert reused.read_bytes() == plain.read_bytes()
