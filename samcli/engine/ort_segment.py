"""`segment` on ONNX Runtime without torch: the shared data path (`engine.flow`)
with numpy arrays and a `LeanOrtModel`. The same prompts, records and stats as
the PyTorch engine (`engine.segment`), through the prompt handling both share
(`engine.prompted`).

Per image: its prompts grouped by shape, decoded in batches of `prompt_batch`
against the image's embedding (every call shares the image-side work), the
chosen masks upscaled and RLE-encoded right after each call, so only RLEs
outlive a batch."""
from __future__ import annotations

import numpy as np

from samcli.engine.jobs import Loaded, PipelineOptions
from samcli.engine.ort_flow import OrtFlow
from samcli.engine.prefetch import batched
from samcli.engine.progress import PromptProgress
from samcli.engine.prompt_batch import PromptRef, group_by_shape, shape_of, to_arrays
from samcli.engine.prompted import PromptSegmenting, SegmentOptions
from samcli.engine.timing import StageTimes, add_times
from samcli.onnx.lean import LeanOrtModel
from samcli.ops.memory import release_free_heap

#: prompts per decoder call on ONNX Runtime when none are asked for: unlike PyTorch's
#: CPU kernels its decoder keeps getting cheaper per prompt up to here (MobileSAM, 2
#: threads: 48, 39, 37, 33 ms per prompt for 1, 2, 4, 8 prompts per call)
ORT_PROMPT_BATCH = 8


class OrtSegmenter(PromptSegmenting, OrtFlow):
    def __init__(self, model: LeanOrtModel, options: SegmentOptions | None = None,
                 pipeline: PipelineOptions | None = None) -> None:
        super().__init__(model, pipeline)
        self.segment_options = options or SegmentOptions()
        self.prompt_batch = self.segment_options.prompt_batch or ORT_PROMPT_BATCH

    def process(self, items: list[Loaded], embeddings: np.ndarray) -> None:
        times = StageTimes()
        progress = PromptProgress(self.on_prompts)
        progress.plan(sum(len(item.work.prompts) for item in items))
        results = []
        for slot, item in enumerate(items):
            count = len(item.work.prompts)
            rles, scores = [None] * count, [0.0] * count
            refs = [PromptRef(0, k, p) for k, p in enumerate(item.work.prompts)]  # slot 0 of [item.geom]
            for chunk in (chunk for group in group_by_shape(refs) for chunk in batched(group, self.prompt_batch)):
                with times.timed("decode"):
                    low, iou = self.model.decode(embeddings[slot:slot + 1], *to_arrays(chunk, [item.geom]))
                    pick = self.model.select(low, iou, *shape_of(chunk[0].prompt), self.segment_options.multimask)
                    rows = np.arange(len(chunk))
                with times.timed("postprocess"):
                    codes = self.model.to_rles(low[rows, pick], item.geom)
                for ref, code, score in zip(chunk, codes, iou[rows, pick].astype(np.float64).tolist()):
                    rles[ref.index], scores[ref.index] = code, score
                progress.decoded(len(chunk))
            release_free_heap()  # the image's maps were freed among RLEs that stay: see ops.memory
            results.append((rles, scores))
        for item, (rles, scores) in zip(items, results):
            item.result.stats["prompts"] = len(item.work.prompts)
            add_times(item.result.stats, times.as_dict(share=len(items)))
            self._annotate(item, rles, scores)

