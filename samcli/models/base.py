"""The contract every promptable model fulfils, so one engine drives them all.

A model owns its reference's pre- and post-processing: the engine never needs to
know whether an encoder wants 512 or 1024 pixels, letterboxing or stretching.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from samcli.models.geometry import Geometry
from samcli.models.mask_rules import MULTIMASK_MODES, MaskRules, token_problem

if TYPE_CHECKING:
    from samcli.models.preprocessing import Preprocessing

__all__ = ["Geometry", "MaskRules", "PromptTensors", "PromptableModel", "MULTIMASK_MODES"]


@dataclass
class PromptTensors:
    """A batch of prompts with the same shape, already in the prompt frame.

    coords (B, N, 2) float32 and labels (B, N) int (1 fg, 0 bg), or None;
    boxes (B, 4) float32 x0,y0,x1,y1, or None; masks (B, 1, 256, 256) low-res
    logits of an earlier prediction fed back as a dense prompt (interactive
    clicks), or None. `image_index` (B,) says which embedding each prompt is
    decoded against.
    """

    image_index: torch.Tensor
    coords: torch.Tensor | None = None
    labels: torch.Tensor | None = None
    boxes: torch.Tensor | None = None
    masks: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.image_index.shape[0])

    @property
    def num_points(self) -> int:
        return 0 if self.coords is None else int(self.coords.shape[1])

    @property
    def has_box(self) -> bool:
        return self.boxes is not None

    def to(self, device: torch.device) -> "PromptTensors":
        def move(t):
            return None if t is None else t.to(device, non_blocking=True)

        return PromptTensors(move(self.image_index), move(self.coords), move(self.labels), move(self.boxes),
                             move(self.masks))


class PromptableModel(nn.Module):
    """Image encoder + promptable mask decoder with the reference's processing.

    Subclasses set `encoder_size` (encoder input side) and implement the
    abstract steps. The decoder returns ALL mask tokens (token 0 = single-mask
    output, tokens 1..3 = the multimask candidates) so that mask choice is a
    separate, cheap step (`select`).
    """

    encoder_size: int = 1024
    prompt_size: int = 1024
    #: most point tokens one prompt may carry (a box counts as 2); None: no limit
    max_points: int | None = None
    #: indices of the multimask candidates among the decoder's tokens
    candidate_tokens: tuple[int, ...] = (1, 2, 3)
    #: decode() accepts float64 point coords and keeps that precision until it
    #: normalises them (SAM's automatic generator feeds float64 grid points)
    float64_points: bool = False
    #: decode() takes `PromptTensors.masks` (SAM's low-res mask prompt)
    accepts_mask_input: bool = False
    #: mask choice, upscaling and threshold as data (the ONNX Runtime engine applies them too)
    rules: MaskRules = MaskRules()

    # ---- preprocessing -------------------------------------------------
    def geometry(self, original_hw: tuple[int, int]) -> Geometry:
        raise NotImplementedError

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        """uint8 H×W×3 RGB → CPU tensor for `normalize`. Runs in loader threads."""
        raise NotImplementedError

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """One `preprocess` output, on the model's device → (3, S, S) encoder input."""
        raise NotImplementedError

    def prepare_batch(self, items: list[torch.Tensor]) -> torch.Tensor:
        return torch.stack([self.normalize(x) for x in items])

    @property
    def preprocessing(self) -> "Preprocessing":
        """`preprocess` + `normalize` as data (samcli.models.preprocessing): what an
        exported encoder's caller must do, and what the ONNX Runtime path does."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its preprocessing")

    # ---- networks ------------------------------------------------------
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def decode(self, embeddings: torch.Tensor, prompts: PromptTensors) -> tuple[torch.Tensor, torch.Tensor]:
        """→ low-res logits (B, T, 256, 256) and predicted IoU (B, T) for all T tokens."""
        raise NotImplementedError

    # ---- postprocessing ------------------------------------------------
    def upscale(self, low_res: torch.Tensor, geom: Geometry) -> torch.Tensor:
        """(B, K, h, w) low-res logits → (B, K, H, W) logits at the original size."""
        raise NotImplementedError

    def binarize(self, logits: torch.Tensor, margin: float = 0.0) -> torch.Tensor:
        """Logits → mask. `margin` shifts the threshold (stability scores compare
        the masks at ±offset), without a shifted copy of the logits."""
        return logits >= margin if self.rules.inclusive_threshold else logits > margin

    def select(self, low_res: torch.Tensor, iou: torch.Tensor, prompts: PromptTensors, mode: str) -> torch.Tensor:
        """Which token to keep per prompt, (B,) long. `always`: best candidate by
        predicted IoU; `never`: token 0; `auto`: the reference's default."""
        if mode == "never":
            return torch.zeros(iou.shape[0], dtype=torch.long, device=iou.device)
        if mode == "always" or self.auto_multimask(prompts):
            return self.best_candidate(iou)
        return torch.zeros(iou.shape[0], dtype=torch.long, device=iou.device)

    def prompt_problem(self, num_points: int, has_box: bool) -> str | None:
        """Why this model cannot take a prompt of this shape, or None. Checked per
        prompt before batching, so one bad prompt never fails a whole batch."""
        return token_problem(type(self).__name__, self.max_points, num_points, has_box)

    def auto_multimask(self, prompts: PromptTensors) -> bool:
        """Whether `auto` takes a candidate: the family's `rules` say for which prompt shapes."""
        return self.rules.multimask(prompts.num_points, prompts.has_box)

    @property
    def candidates(self) -> slice:
        """The candidate tokens as a slice: indexing with a list would copy it to the
        device (a GPU sync) in every decoder call."""
        first, last = self.candidate_tokens[0], self.candidate_tokens[-1]
        if list(self.candidate_tokens) != list(range(first, last + 1)):
            raise ValueError("candidate_tokens must be consecutive")
        return slice(first, last + 1)

    def best_candidate(self, iou: torch.Tensor) -> torch.Tensor:
        return iou[:, self.candidates].argmax(dim=1) + self.candidates.start

    # ---- loading -------------------------------------------------------
    #: checkpoint keys the forward pass never uses (e.g. a classifier head)
    ignored_checkpoint_prefixes: tuple[str, ...] = ()

    def after_load(self) -> None:
        """Hook run once weights are in: rebuild caches, fold BatchNorm, …"""
