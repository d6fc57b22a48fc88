"""A stand-in promptable model whose masks are discs around the prompt, and
the plugin that registers it as model "disc" for the command line
(`SAMCLI_PLUGINS=tests.fake_models`).

It follows the model contract (letterboxed 1024 prompt frame, 256×256 low-res
logits, all 4 tokens) but costs microseconds, so the engine, the generators'
logic (NMS, crops, coverage) and every CLI command can be tested on
object-like masks without the parity fixtures' weights.

For tests that kill a run (resume), across processes:
- $SAMCLI_FAKE_ENCODE_LOG: each encoded image appends a line to that file;
- $SAMCLI_FAKE_ENCODE_DELAY: seconds each encoder call sleeps (a run long enough to kill);
- $SAMCLI_FAKE_ENCODE_GATE: once $SAMCLI_FAKE_GATE_AFTER images (default 0) are encoded, each
  encoder call waits until that file exists (a run held mid-way, whatever the machine's load);
- $SAMCLI_FAKE_KILL_IN_FINALISE: the process SIGKILLs itself while writing the output file.

For tests of failures in one image, $SAMCLI_FAKE_FAIL="<stage>:<height>x<width>" makes
the model raise at that stage (preprocess, encode, decode or postprocess) for images
of that size (the size travels with the image: `preprocess` returns it, `encode`
writes it into the embedding).
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from samcli.models.base import Geometry, PromptableModel, PromptTensors
from samcli.models.spec import ModelSpec
from samcli.ops.resize import longest_side_shape

ENCODE_LOG_ENV = "SAMCLI_FAKE_ENCODE_LOG"
FAIL_ENV = "SAMCLI_FAKE_FAIL"


def _fail_if(stage: str, hw) -> None:
    """The injected fault, where $SAMCLI_FAKE_FAIL names this stage and this image size."""
    if os.environ.get(FAIL_ENV) == f"{stage}:{int(hw[0])}x{int(hw[1])}":
        raise RuntimeError(f"injected {stage} fault")


class DiscModel(PromptableModel):
    """Token k of a prompt is a disc of radius `radii[k]` (prompt-frame px)
    around its first point (or its box's centre): logit = (radius − distance) / 4,
    so stability = ((r−4)/(r+4))²."""

    def __init__(self, radii=(100.0, 60.0, 140.0, 160.0), ious=(0.5, 0.93, 0.91, 0.95), prompt_size: int = 1024,
                 low_res: int = 256) -> None:
        super().__init__()
        self.register_buffer("radii", torch.tensor(radii))
        self.register_buffer("ious", torch.tensor(ious))
        self.encoded_images = 0
        # a smaller frame draws the same discs (radii in 1024-frame units) at a fraction of the cost
        self.prompt_size, self.low_res = prompt_size, low_res
        self.scale = prompt_size / 1024

    def geometry(self, original_hw) -> Geometry:
        return Geometry(tuple(original_hw), longest_side_shape(original_hw, self.prompt_size))

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        _fail_if("preprocess", image.shape[:2])
        return torch.tensor(image.shape[:2], dtype=torch.float32)  # the encoder needs nothing but the size

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        _wait_at_the_gate(self.encoded_images)
        embeddings = torch.zeros(x.shape[0], 1, 4, 4, device=x.device)
        if x.dim() == 2 and x.shape[1] == 2:  # a batch of `preprocess` outputs: image sizes
            for hw in x.tolist():
                _fail_if("encode", hw)
            embeddings[:, 0, 0, :2] = x
        self.encoded_images += x.shape[0]
        time.sleep(float(os.environ.get("SAMCLI_FAKE_ENCODE_DELAY", 0)))
        log = os.environ.get(ENCODE_LOG_ENV)
        if log:
            with open(log, "a") as f:
                f.write("encoded\n" * x.shape[0])
        return embeddings

    def decode(self, embeddings: torch.Tensor, prompts: PromptTensors):
        for hw in embeddings[prompts.image_index, 0, 0, :2].unique(dim=0).tolist():
            _fail_if("decode", hw)
        if prompts.coords is not None:
            xy = prompts.coords[:, 0].float()  # (B, 2) prompt frame
        else:
            xy = prompts.boxes.float().reshape(-1, 2, 2).mean(dim=1)
        n = self.low_res
        centres = (torch.arange(n, dtype=torch.float32, device=xy.device) + 0.5) * (self.prompt_size / n)
        dx = centres[None, None, :] - xy[:, 0, None, None]
        dy = centres[None, :, None] - xy[:, 1, None, None]
        dist = torch.sqrt(dx * dx + dy * dy)  # (B, n, n)
        logits = (self.radii[None, :, None, None] * self.scale - dist[:, None]) / (4 * self.scale)
        # a tiny position-dependent term makes score ties impossible
        iou = self.ious[None, :] - 1e-6 * (xy[:, :1] + 1e-3 * xy[:, 1:])
        return logits, iou

    def upscale(self, low_res: torch.Tensor, geom: Geometry) -> torch.Tensor:
        _fail_if("postprocess", geom.original_hw)
        s = self.prompt_size
        x = F.interpolate(low_res, (s, s), mode="bilinear", align_corners=False)
        ph, pw = geom.prompt_hw
        return F.interpolate(x[..., :ph, :pw], geom.original_hw, mode="bilinear", align_corners=False)


def _wait_at_the_gate(encoded: int, timeout: float = 300) -> None:
    gate = os.environ.get("SAMCLI_FAKE_ENCODE_GATE")
    if not gate or encoded < int(os.environ.get("SAMCLI_FAKE_GATE_AFTER", 0)):
        return
    deadline = time.monotonic() + timeout
    while not os.path.exists(gate):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the test never opened the gate {gate}")
        time.sleep(0.02)


def tiny_disc_model() -> DiscModel:
    """The disc model in a 64-pixel prompt frame with 16×16 low-res logits: thousands
    of masks per image in well under a second."""
    return DiscModel(prompt_size=64, low_res=16)


SPECS = (
    ModelSpec(id="disc", family="test", summary="test stand-in: discs around each prompt", build=DiscModel,
              url="http://127.0.0.1:9/disc.pt", filename="disc.pt", licence="test only", input_size=1024),
    ModelSpec(id="disc-tiny", family="test", summary="test stand-in: discs, in a 64-pixel frame",
              build=tiny_disc_model, url="http://127.0.0.1:9/disc.pt", filename="disc.pt", licence="test only",
              input_size=64),
)


def write_checkpoint(path: Path) -> Path:
    """A weights file for `--model disc --checkpoint PATH`, loaded like any release."""
    torch.save(DiscModel().state_dict(), path)
    return path


def _kill_while_writing_the_output() -> None:
    """Wrap the output writer's list step: one item written, then SIGKILL."""
    from samcli.writers import results

    write_list = results._json_list

    def dying(f, items):
        write_list(f, (item for n, item in enumerate(items) if n < 1 or os.kill(os.getpid(), signal.SIGKILL)))

    results._json_list = dying


if os.environ.get("SAMCLI_FAKE_KILL_IN_FINALISE"):
    _kill_while_writing_the_output()
