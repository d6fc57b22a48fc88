"""int8 dynamic quantization: real int8 layers in every encoder family, outputs
close to float32, and a quantized model still driven by the engine. Small
encoders with random weights; no fixtures."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.ao.nn.quantized import dynamic as nnqd

from samcli.engine.pipeline import PipelineOptions
from samcli.engine.segment import SegmentOptions, Segmenter
from samcli.io.prompts.types import Prompt
from samcli.models.efficientsam.encoder import EfficientSamViT
from samcli.models.encoders.efficientvit import CONFIGS, EfficientViTSamEncoder
from samcli.models.encoders.repvit import RepViTEncoder
from samcli.models.encoders.tiny_vit import TinyViT
from samcli.models.encoders.vit_sam import ImageEncoderViT
from samcli.models.layers import fuse_modules
from samcli.models.quantize import PointwiseLinear, quantize_int8
from samcli.models.sam_head.model import SamHeadModel

# (family, encoder factory, input side)
ENCODERS = [
    ("sam-vit", lambda: ImageEncoderViT(dim=96, depth=2, num_heads=3, global_blocks=(1,), img_size=128, window=4), 128),
    ("tinyvit", lambda: TinyViT(img_size=256), 256),
    ("efficientvit", lambda: EfficientViTSamEncoder(CONFIGS["l0"]), 128),
    ("repvit", RepViTEncoder, 128),
    ("efficientsam", lambda: EfficientSamViT(dim=96, num_heads=3, depth=2, img_size=128), 128),
]


class Holder(nn.Module):
    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.image_encoder = encoder


def randomize_norms(model: nn.Module) -> None:
    """BatchNorm statistics away from identity, so folding them is not a no-op."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(0.1 * torch.randn(m.num_features, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.num_features, generator=g))


@pytest.mark.parametrize("family,make,side", ENCODERS, ids=[e[0] for e in ENCODERS])
@torch.no_grad()
def test_encoder_layers_become_int8_and_outputs_stay_close(family, make, side):
    torch.manual_seed(0)
    encoder = make().eval()
    randomize_norms(encoder)
    fuse_modules(encoder)  # as after loading
    x = torch.randn(1, 3, side, side)
    expected = encoder(x)
    pointwise = sum(PointwiseLinear.applies_to(m) for m in encoder.modules())

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch's deprecation warnings are silenced inside
        model = quantize_int8(Holder(encoder))
    modules = list(model.image_encoder.modules())
    assert not any(type(m) is nn.Linear for m in modules), "a float Linear is left"
    assert not any(PointwiseLinear.applies_to(m) for m in modules), "a float 1×1 conv is left"
    int8 = sum(isinstance(m, nnqd.Linear) for m in modules)
    assert int8 > 0 and int8 >= pointwise

    out = model.image_encoder(x)
    assert out.shape == expected.shape and out.dtype == torch.float32
    rel = ((out - expected).norm() / expected.norm()).item()
    assert rel < 0.1, f"{family}: relative error {rel:.3f}"


def tiny_sam_head() -> SamHeadModel:
    """A SAM-head model whose encoder is a 16×16 patch conv (stays float) then a
    1×1 conv and a Linear (become int8), so that the engine can run it quickly."""

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.patch = nn.Conv2d(3, 64, 16, 16)
            self.mix = nn.Conv2d(64, 256, 1)
            self.out = nn.Linear(256, 256)

        def forward(self, x):
            y = self.mix(torch.relu(self.patch(x)))
            return self.out(y.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

    torch.manual_seed(0)
    return SamHeadModel(Encoder()).eval()


@torch.no_grad()
def test_quantized_model_runs_in_the_engine():
    fp32, int8 = tiny_sam_head(), quantize_int8(tiny_sam_head())
    assert isinstance(int8.image_encoder.mix, PointwiseLinear)
    assert isinstance(int8.image_encoder.out, nnqd.Linear)
    assert type(int8.mask_decoder.transformer.layers[0].cross_attn_token_to_image.k_proj) is nn.Linear  # decoder stays float
    image = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    prompts = [Prompt(box=np.array([20.0, 30.0, 200.0, 250.0])), Prompt(points=np.array([[100.0, 100.0]]), labels=np.array([1]))]
    results = [Segmenter(m, SegmentOptions(), PipelineOptions("cpu")).segment(image, prompts) for m in (fp32, int8)]
    for a, b in zip(*results):
        assert a.rle["size"] == b.rle["size"] == [300, 400]
        assert abs(a.score - b.score) < 0.05


def test_refuses_what_it_cannot_quantize():
    with pytest.raises(ValueError, match="CPU"):
        quantize_int8(tiny_sam_head().to("meta"))
    with pytest.raises(TypeError, match="promptable"):
        quantize_int8(nn.Sequential(nn.Linear(2, 2)))


def test_precision_int8_quantizes_the_encoder_in_the_pipeline():
    """`--precision int8`: the pipeline swaps the int8 layers in, activations stay float32."""
    model = tiny_sam_head()
    segmenter = Segmenter(model, pipeline=PipelineOptions("cpu", precision="int8"))
    assert isinstance(segmenter.model.image_encoder.out, nnqd.Linear) and segmenter.dtype == torch.float32
