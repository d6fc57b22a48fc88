"""A promptable model on ONNX Runtime with numpy in and out: what `segment`
runs on `--runtime onnxruntime` without importing torch (whose import alone is
~2 s, most of a small job's start-up).

Its graphs are the runtime cache's (`samcli.onnx.cache`), and everything
around them comes from the cache's description of the PyTorch model
(`engine_runtime.describe_for_runtime`): the preprocessing recipe, the prompt
frame, the token layout and the family's mask rules (`models.mask_rules`),
applied here with numpy and OpenCV. Tests hold its masks to PyTorch's.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from samcli.engine.choices import cpu_count
from samcli.engine.mask_budget import chunk_size
from samcli.models.geometry import Geometry, frame_geometry
from samcli.models.mask_rules import MaskRules, token_problem
from samcli.models.preprocessing import Preprocessing
from samcli.onnx.cache import RuntimeFiles
from samcli.onnx.tokens import tokens_for
from samcli.ops import rle

#: OpenCV resizes at most this many channels (masks) in one call (CV_CN_MAX)
CV_MAX_CHANNELS = 512


class LeanOrtModel:
    runtime = "onnxruntime"

    def __init__(self, description: dict, files: RuntimeFiles, threads: int | None = None,
                 sessions: bool = True) -> None:
        pre = description["preprocessing"]
        self.preprocessing = Preprocessing(**{k: tuple(v) if isinstance(v, list) else v for k, v in pre.items()})
        self.name = description["model_class"]
        self.encoder_size = self.preprocessing.input_size  # every model's (tests/test_onnx_lean.py)
        self.prompt_size = description["prompt_size"]
        self.max_points = description["max_points"]
        self.candidate_tokens = tuple(description["candidate_tokens"])
        self.accepts_mask_input = description["accepts_mask_input"]
        self.layout = description["token_layout"]
        self.rules = MaskRules(**description["rules"])
        self.files = files
        self.threads = threads or cpu_count()
        self._encoder = self._decoder = None
        if sessions:  # a copy that only loads images (Ray's CPU tasks) needs none
            from samcli.onnx.sessions import session

            self._encoder = session(files.encoder, self.threads)
            self._decoder = session(files.decoder, self.threads, fixed_shapes=False)

    # ---- images and prompts ----------------------------------------------
    def geometry(self, original_hw: tuple[int, int]) -> Geometry:
        return frame_geometry(original_hw, self.prompt_size, stretch=self.preprocessing.resize == "stretch")

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        return self.preprocessing.apply(image)

    def prompt_problem(self, num_points: int, has_box: bool) -> str | None:
        return token_problem(self.name, self.max_points, num_points, has_box)

    # ---- networks ------------------------------------------------------------
    def encode(self, x: np.ndarray) -> np.ndarray:
        """(B, 3, S, S) preprocessed → (B, C, h, w) float32."""
        (embeddings,) = self._encoder.run(None, {"image": np.ascontiguousarray(x, np.float32)})
        return embeddings

    def decode(self, embedding: np.ndarray, coords, labels, boxes) -> tuple[np.ndarray, np.ndarray]:
        """Prompts of ONE image (`engine.prompt_batch.to_arrays`) against its (1, C, h, w)
        embedding → low-res logits (B, T, 256, 256) and predicted IoU (B, T) of all T tokens."""
        rows, kinds = tokens_for(self.layout, coords, labels, boxes, self.max_points)
        feed = {"embedding": np.ascontiguousarray(embedding, np.float32), "coords": rows, "labels": kinds}
        low, iou = self._decoder.run(None, feed)
        return low, iou

    # ---- one mask per prompt ---------------------------------------------------
    def select(self, low: np.ndarray, iou: np.ndarray, num_points: int, has_box: bool, mode: str) -> np.ndarray:
        """Which token to keep per prompt, as `PromptableModel.select` (and EdgeSAM's) choose."""
        if mode == "never" or (mode == "auto" and not self.rules.multimask(num_points, has_box)):
            return np.zeros(len(iou), np.int64)
        if mode == "auto" and self.rules.auto_pick == "stability":
            # an all-empty mask scores 0/0 = NaN, which argmax would prefer; rank it last
            return np.nan_to_num(self._stability(low), nan=-1.0).argmax(axis=1)
        first, last = self.candidate_tokens[0], self.candidate_tokens[-1]
        return iou[:, first:last + 1].argmax(axis=1) + first

    def _stability(self, logits: np.ndarray, offset: float = 1.0) -> np.ndarray:
        """`ops.masks.stability_score`: #binarize(+offset) / #binarize(−offset), integer counts."""
        inter = self._binarize(logits, offset).sum((-1, -2), dtype=np.int32)
        union = self._binarize(logits, -offset).sum((-1, -2), dtype=np.int32)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (inter / union).astype(np.float32)

    def _binarize(self, logits: np.ndarray, margin: float = 0.0) -> np.ndarray:
        return logits >= margin if self.rules.inclusive_threshold else logits > margin

    def to_rles(self, low: np.ndarray, geom: Geometry) -> list[dict]:
        """(n, h, w) chosen low-res logits of one image → n RLEs at its original size,
        upscaled as the family does (`MaskRules.upscale`), a memory-bounded chunk at a time."""
        step = min(CV_MAX_CHANNELS, chunk_size(geom.original_hw, self.prompt_size))
        out: list[dict] = []
        for i in range(0, len(low), step):
            logits = self._upscale(np.ascontiguousarray(low[i:i + step].transpose(1, 2, 0)), geom)
            out += rle.encode(self._binarize(logits).transpose(2, 0, 1))
        return out

    def _upscale(self, hwn: np.ndarray, geom: Geometry) -> np.ndarray:
        """(h, w, n) float32 → (H, W, n): OpenCV's bilinear and bicubic are torch's
        interpolate (half-pixel centres, no antialiasing, A = −0.75)."""
        import cv2

        n = hwn.shape[2]
        (h, w), s = geom.original_hw, self.prompt_size
        if self.rules.upscale == "bicubic":
            out = cv2.resize(hwn, (w, h), interpolation=cv2.INTER_CUBIC)
        else:
            framed = cv2.resize(hwn, (s, s), interpolation=cv2.INTER_LINEAR).reshape(s, s, n)
            ph, pw = geom.prompt_hw
            out = cv2.resize(framed[:ph, :pw], (w, h), interpolation=cv2.INTER_LINEAR)
        return out.reshape(h, w, n)  # OpenCV drops a single channel's axis


def load_lean(model_id: str, checkpoint: str | os.PathLike, precision: str = "auto",
              sessions: bool = True) -> LeanOrtModel:
    """The model on its cached ONNX Runtime files (built first, with torch, if missing)."""
    from samcli.onnx.engine_runtime import prepare_runtime

    description, files = prepare_runtime(model_id, Path(checkpoint), precision)
    return LeanOrtModel(description, files, sessions=sessions)
