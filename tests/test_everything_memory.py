"""Grid mode on an ~8-megapixel image keeps memory bounded.

The reference upscales a whole decoder batch to full resolution at once
(here 16 points × 3 masks × 30.5 MB = 1.46 GB of float logits). We measure the
process's peak RSS (Linux VmHWM, reset just before the call) and require that
generating adds at most a few full-resolution maps on top of what the decoder
alone needs for the same batch: with glibc's defaults, and with the heap kept
as a PyTorch pipeline on the CPU keeps it (samcli.ops.memory), each in a fresh
interpreter (the setting is for the whole process).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from samcli.engine.everything import EverythingParams, generate
from samcli.engine.pipeline import embed_image
from samcli.models import get_spec
from samcli.models.base import PromptTensors
from samcli.ops import memory

CLEAR_REFS = Path("/proc/self/clear_refs")
H, W = 2448, 3264  # 7.99 MP, a 4:3 phone photo
MAP_BYTES = 4 * H * W  # one float32 full-resolution logit map
ALLOWED_MAPS = 6


def _proc_status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def _peak_rss_increase(run) -> int:
    """Bytes the process's peak RSS rises above its current RSS while `run()` runs.
    Where the heap is kept, the pages the encoder freed stay resident and serve
    `run()` without raising RSS, as they do in a run: that is what is measured."""
    baseline = _proc_status("VmRSS")
    CLEAR_REFS.write_text("5")  # resets VmHWM to the current RSS
    run()
    return _proc_status("VmHWM") - baseline


def _synthetic_photo() -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W]
    checker = ((xx // 64 + yy // 64) % 2) * 255
    return np.stack([xx * 255 // W, yy * 255 // H, checker], axis=-1).astype(np.uint8)


@pytest.mark.skipif(not CLEAR_REFS.exists(), reason="needs Linux /proc to measure peak RSS")
@pytest.mark.parametrize("kept", [False, True], ids=["glibc-defaults", "kept-heap"])
def test_grid_mode_memory_is_bounded_on_8_megapixel_image(kept):
    code = f"from tests.test_everything_memory import measure; measure(kept={kept})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).parents[1], env={**os.environ, "SAMCLI_KEEP_HEAP": "1"})
    print(done.stdout)
    assert done.returncode == 0, done.stderr[-3000:]


def measure(kept: bool) -> None:
    if kept:
        memory.keep_freed_heap()
    torch.manual_seed(0)
    model = get_spec("mobilesam").build().eval()  # seeded random (deterministic) weights
    image = _synthetic_photo()
    # no filters: every candidate is upscaled, the worst case for memory
    params = EverythingParams(points_per_side=4, points_per_batch=16, pred_iou_thresh=0,
                              stability_score_thresh=0, box_nms_thresh=1.0)
    with torch.inference_mode():
        embedding = embed_image(model, image)
        memory.note_encoder_memory()  # as the pipeline does after its encoder
        prompts = PromptTensors(torch.zeros(16, dtype=torch.long), torch.rand(16, 1, 2) * 1000,
                                torch.ones(16, 1, dtype=torch.long))
        decoder_only = _peak_rss_increase(lambda: model.decode(embedding, prompts))

    out = {}
    generating = _peak_rss_increase(lambda: out.update(result=generate(model, image, params, embedding=embedding)))
    result = out["result"]

    assert result.stats["masks"]["stability"] == 48  # all 48 candidates went through upscaling
    assert len(result.annotations) == 48
    mb = 2**20
    print(f"{'kept heap' if kept else 'glibc defaults'}: peak RSS increase: decoder alone "
          f"{decoder_only / mb:.0f} MB, generate {generating / mb:.0f} MB; "
          f"one full-resolution map {MAP_BYTES / mb:.1f} MB; RLE total "
          f"{sum(len(a.rle['counts']) for a in result.annotations) / mb:.1f} MB")
    # a kept heap lets mask windows add MASK_SLACK above the encoder's memory before it trims
    slack = memory.MASK_SLACK if kept else 0
    assert generating <= decoder_only + ALLOWED_MAPS * MAP_BYTES + slack, (
        f"generate raised peak RSS by {generating / mb:.0f} MB, more than the decoder's "
        f"{decoder_only / mb:.0f} MB + {ALLOWED_MAPS} full-resolution maps + {slack / mb:.0f} MB")
