"""The Python API the CLI is built on: what the README shows works."""
from __future__ import annotations

import numpy as np

import samcli
from tests.parity import IMAGES_DIR


def test_readme_api_example(parity_checkpoint):
    model = samcli.load_model("mobilesam", checkpoint=parity_checkpoint("mobilesam"))
    image = samcli.decode_image(IMAGES_DIR / "dog.jpg")
    anns = samcli.Segmenter(model, pipeline=samcli.PipelineOptions("cpu")).segment(image, [samcli.Prompt(box=np.array([60.0, 200, 420, 530]))])
    mask = samcli.decode_rle(anns[0].rle)
    assert mask.shape == image.shape[:2] and mask.dtype == bool
    assert anns[0].area == int(mask.sum()) and anns[0].extra["prompt_index"] == 0


def test_every_export_resolves():
    for name in samcli.__all__:
        assert getattr(samcli, name) is not None
