"""`segment`: images + prompts → one mask per prompt.

Per encoder batch: the images are encoded ONCE, then every prompt of those
images is decoded against its image's embedding in shape-grouped batches. A
window of up to MASKS_IN_FLIGHT prompts is decoded, its chosen low-res logits
kept on the device; then its masks are upscaled and thresholded (on the
device), copied to the host with the scores without waiting, and RLE-encoded
after ONE wait per window (per HOST_MASK_BUDGET_MB of masks on huge images);
no per-prompt or per-image sync. Only RLEs outlive a window, so memory does
not grow with the prompts of an image (a batch of typical images is one window).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from samcli.engine.choices import default_prompt_batch
from samcli.engine.device import autocast, synchronize, to_host
from samcli.engine.masks import binary_masks
from samcli.engine.pipeline import ImagePipeline, Loaded, PipelineOptions
from samcli.engine.prefetch import batched
from samcli.engine.progress import PromptProgress
from samcli.engine.prompt_batch import PromptRef, group_by_shape, to_tensors
from samcli.engine.prompted import (DEFAULT_CATEGORY_ID, MASKS_IN_FLIGHT, SCORE_MODES, PromptSegmenting, SegmentOptions,
                                    ranking_score)
from samcli.engine.timing import StageTimes, add_times
from samcli.models.base import PromptableModel
from samcli.ops import rle
from samcli.ops.memory import release_free_heap

__all__ = ["DEFAULT_CATEGORY_ID", "SCORE_MODES", "SegmentOptions", "Segmenter", "ranking_score"]

#: CUDA: full-size uint8 masks copied to the host before the wait that RLE-encodes
#: them (bounds pinned memory on huge images; typically a whole batch fits)
HOST_MASK_BUDGET_MB = 256.0


@dataclass
class _Decoded:
    """One decoder call's prompts and, per prompt, the chosen low-res logits and score (on the device)."""

    refs: list[PromptRef]
    low: torch.Tensor
    scores: torch.Tensor


class _Masks:
    """An encoder batch's results as they come, window by window: per image, per
    prompt, its RLE and score (only these outlive a window)."""

    def __init__(self, items: list[Loaded]) -> None:
        self.geoms = [it.geom for it in items]
        self.rles: list[list] = [[None] * len(it.work.prompts) for it in items]
        self.scores: list[list] = [[None] * len(it.work.prompts) for it in items]

    def put_rles(self, refs: list[PromptRef], rles: list[dict]) -> None:
        for ref, code in zip(refs, rles):
            self.rles[ref.slot][ref.index] = code


def _rows_of(decoded: list[_Decoded], slot: int) -> tuple[list[PromptRef], torch.Tensor]:
    """One image's prompts in a window and their low-res logits (n, h, w), copied once at most."""
    owners, parts = [], []
    for d in decoded:
        rows = [j for j, ref in enumerate(d.refs) if ref.slot == slot]
        if rows:
            owners += [d.refs[j] for j in rows]
            parts.append(d.low if len(rows) == len(d.refs) else d.low[rows])
    return owners, parts[0] if len(parts) == 1 else torch.cat(parts)


class Segmenter(PromptSegmenting, ImagePipeline):
    """Runs a promptable model over images. `run` streams ImageResults in input order;
    images without prompts are listed (with their size) but never encoded."""

    def __init__(self, model: PromptableModel, options: SegmentOptions | None = None,
                 pipeline: PipelineOptions | None = None) -> None:
        super().__init__(model, pipeline)
        self.segment_options = options or SegmentOptions()
        self.prompt_batch = self.segment_options.prompt_batch or default_prompt_batch(self.device.type)
        #: bytes of masks copied to the host before waiting to RLE-encode them; 0 on the CPU
        #: (each chunk at once: there is nothing to wait for, and memory stays as low as ever)
        self.host_mask_budget = int(HOST_MASK_BUDGET_MB * 2**20) if self.device.type == "cuda" else 0

    def process(self, items: list[Loaded], embeddings: torch.Tensor) -> None:
        refs = [PromptRef(slot, k, p) for slot, it in enumerate(items) for k, p in enumerate(it.work.prompts)]
        chunks = [chunk for group in group_by_shape(refs) for chunk in batched(group, self.prompt_batch)]
        masks = _Masks(items)
        times = StageTimes(self.device)
        progress = PromptProgress(self.on_prompts)
        progress.plan(len(refs))
        for window in batched(chunks, max(1, MASKS_IN_FLIGHT // self.prompt_batch)):
            with times.timed("decode"):
                decoded = [self._decode(embeddings, chunk, masks.geoms) for chunk in window]
            with times.timed("postprocess"):
                self._finish(decoded, masks)
                del decoded
                release_free_heap()  # the window's maps were freed among RLEs that stay: see ops.memory
            progress.decoded(sum(len(chunk) for chunk in window))
        for slot, item in enumerate(items):
            item.result.stats["prompts"] = len(item.work.prompts)
            add_times(item.result.stats, times.as_dict(share=len(items)))
            self._annotate(item, masks.rles[slot], masks.scores[slot])

    def _decode(self, embeddings: torch.Tensor, chunk: list[PromptRef], geoms: list) -> _Decoded:
        """One decoder call → the chosen token's low-res logits (n, h, w) and score (n,), on the device."""
        prompts = to_tensors(chunk, geoms).to(self.device)
        with autocast(self.device, self.dtype):
            low, iou = self.model.decode(embeddings, prompts)
        pick = self.model.select(low, iou, prompts, self.segment_options.multimask)
        rows = torch.arange(len(chunk), device=low.device)
        return _Decoded(chunk, low[rows, pick].float(), iou[rows, pick].float())

    def _finish(self, decoded: list[_Decoded], masks: "_Masks") -> None:
        """A window's masks upscaled and thresholded on the device, per image, copied to the
        host with their scores, RLE-encoded after one wait per `host_mask_budget`."""
        scores = to_host(torch.cat([d.scores for d in decoded]))
        pending: list[tuple[list[PromptRef], torch.Tensor]] = []

        def encode_pending() -> None:
            synchronize(self.device)
            for owners, chunk in pending:
                masks.put_rles(owners, rle.encode(chunk.numpy().transpose(0, 2, 1)))  # (n, H, W) view, no copy
            pending.clear()

        for slot in dict.fromkeys(ref.slot for d in decoded for ref in d.refs):
            owners, low = _rows_of(decoded, slot)
            for chunk in binary_masks(self.model, low, masks.geoms[slot]):
                pending.append((owners[:len(chunk)], to_host(chunk)))
                owners = owners[len(chunk):]
                if sum(m.numel() for _, m in pending) >= self.host_mask_budget:
                    encode_pending()
        encode_pending()
        for ref, score in zip((ref for d in decoded for ref in d.refs), scores.tolist()):
            masks.scores[ref.slot][ref.index] = score
