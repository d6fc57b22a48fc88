"""The engine's GPU-throughput options (issue #9, item 3), checked where the CPU
can: loader threads by device, fp32 kept IEEE on CUDA, one host wait per batch
for the masks, channels-last and torch.compile wiring, results unchanged."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import samcli.engine.segment as segment_module
from samcli.engine import choices as device_module
from samcli.engine.choices import default_workers
from samcli.engine.device import exact_fp32, to_host
from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.segment import SegmentOptions, Segmenter
from samcli.errors import SamcliError
from samcli.io.images import ImageRef
from samcli.io.prompts.types import Prompt
from samcli.models import load_model
from samcli.ops import rle
from tests.fake_models import DiscModel
from tests.parity import IMAGES_DIR, golden, mask_iou
from tests.pipeline_goldens import expected_prompts
from tests.test_cli_parity_all_models import CASES


def disc_jobs(n: int = 5, prompts: int = 3) -> list[Job]:
    rng = np.random.default_rng(0)
    jobs = []
    for i in range(n):
        image = rng.integers(0, 255, (50 + 7 * i, 80, 3), dtype=np.uint8)
        boxes = [Prompt(box=np.array([5.0 + k, 5.0, 40.0 + 3 * k, 30.0 + i])) for k in range(prompts)]
        jobs.append(Job(ImageRef(None, f"{i}.png"), boxes, image=image))  # type: ignore[arg-type]
    return jobs


def annotations(results) -> list[list[tuple]]:
    return [[(a.rle["counts"], a.score, a.bbox, a.extra["prompt_index"]) for a in r.annotations] for r in results]


def test_default_workers_by_device(monkeypatch):
    assert default_workers("cpu") == 2
    monkeypatch.setattr(device_module.os, "sched_getaffinity", lambda _: set(range(16)), raising=False)
    assert default_workers("cuda") == 15  # all cores but the main thread's
    monkeypatch.setattr(device_module.os, "sched_getaffinity", lambda _: set(range(64)), raising=False)
    assert default_workers("cuda") == 16
    monkeypatch.setattr(device_module.os, "sched_getaffinity", lambda _: {0}, raising=False)
    assert default_workers("cuda") == 2
    assert Segmenter(DiscModel(), pipeline=PipelineOptions("cpu")).workers == 2
    assert Segmenter(DiscModel(), pipeline=PipelineOptions("cpu", workers=5)).workers == 5
    with pytest.raises(SamcliError):
        PipelineOptions("cpu", workers=0)


def test_fp32_on_cuda_turns_off_tf32_convolutions(monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", True)
    exact_fp32(torch.device("cuda"), torch.bfloat16)
    assert torch.backends.cudnn.allow_tf32
    exact_fp32(torch.device("cpu"), torch.float32)
    assert torch.backends.cudnn.allow_tf32
    exact_fp32(torch.device("cuda"), torch.float32)
    assert not torch.backends.cudnn.allow_tf32


def test_to_host_leaves_cpu_tensors_alone():
    t = torch.arange(6)
    assert to_host(t) is t


@pytest.mark.parametrize("budget, waits_per_batch", [(10**9, 1), (1, None)])
def test_masks_reach_the_host_with_one_wait_per_batch(monkeypatch, budget, waits_per_batch):
    """What CUDA does (a mask budget, a wait when it is spent), run on the CPU:
    a budget that holds the batch waits once per batch; any budget gives the same results."""
    jobs = disc_jobs()
    options = (SegmentOptions(prompt_batch=2), PipelineOptions("cpu", batch_size=2))
    reference = list(Segmenter(DiscModel(), *options).run(jobs))
    waits = []
    monkeypatch.setattr(segment_module, "synchronize", lambda device: waits.append(device))
    seg = Segmenter(DiscModel(), *options)
    seg.host_mask_budget = budget
    results = list(seg.run(jobs))
    assert annotations(results) == annotations(reference)
    batches = 3  # 5 images, 2 per batch
    if waits_per_batch is not None:
        assert len(waits) == waits_per_batch * batches
    else:  # a tiny budget: a wait per chunk (here each image's masks fit one chunk) plus the final one
        assert len(waits) == len(jobs) + batches


def test_cpu_mask_budget_is_zero():
    assert Segmenter(DiscModel(), pipeline=PipelineOptions("cpu")).host_mask_budget == 0
    assert segment_module.HOST_MASK_BUDGET_MB > 0


def test_compile_option_compiles_the_encoder(monkeypatch):
    compiled = []

    def fake_compile(fn):
        compiled.append(fn)
        return fn

    monkeypatch.setattr(torch, "compile", fake_compile)
    model = DiscModel()
    seg = Segmenter(model, pipeline=PipelineOptions("cpu", compile=True))
    assert compiled == [model.encode]
    plain = Segmenter(DiscModel(), pipeline=PipelineOptions("cpu"))
    assert annotations(seg.run(disc_jobs(2))) == annotations(plain.run(disc_jobs(2)))
    assert len(compiled) == 1  # only when asked


def test_channels_last_reproduces_the_pipeline_goldens(parity_checkpoint):
    """Channels-last converts only the image encoder and moves no mask (EfficientViT-SAM-L0,
    the fastest parity model, on its goldens' prompts; a model of its own, since it is converted)."""
    fixture, pick, sets = CASES["efficientvit-sam-l0"]
    cases = expected_prompts(golden(fixture), pick, sets)
    model = load_model("efficientvit-sam-l0", checkpoint=parity_checkpoint(fixture), offline=True)
    job = Job(ImageRef(IMAGES_DIR / "dog.jpg", "dog.jpg"), [p for p, _, _ in cases])
    (result,) = Segmenter(model, pipeline=PipelineOptions("cpu", channels_last=True)).run([job])
    assert result.ok
    anns = sorted(result.annotations, key=lambda a: a.extra["prompt_index"])
    for ann, (_, mask, score) in zip(anns, cases):
        assert mask_iou(rle.decode(ann.rle), mask) >= 0.98
        assert abs(ann.score - score) <= 1e-3
    conv = next(m for m in model.image_encoder.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size != (1, 1))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    upscaling = next(m for m in model.mask_decoder.modules() if isinstance(m, torch.nn.ConvTranspose2d))
    assert upscaling.weight.is_contiguous()
