"""Helpers to compare `samcli.engine.everything` output with the reference
generators' goldens (mobilesam `amg*`, tinysam `hier`)."""
from __future__ import annotations

import json

import numpy as np
import torch

from samcli.engine.everything import EverythingParams
from samcli.ops import rle
from tests.parity import mask_iou


def reference_params(g, run: str, **overrides) -> EverythingParams:
    return EverythingParams.from_mapping(json.loads(str(g[run + "/args"])), **overrides)


class DecodeCache:
    """Wraps a model and memoises `decode` per (embedding, prompts), so runs
    that differ only after decoding (amg vs amg_nonms) decode once."""

    def __init__(self, model) -> None:
        self._model = model
        self._cache: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}

    def __getattr__(self, name):
        return getattr(self._model, name)

    def decode(self, embeddings, prompts):
        key = (embeddings.data_ptr(), prompts.coords.cpu().numpy().tobytes())
        if key not in self._cache:
            self._cache[key] = self._model.decode(embeddings, prompts)
        return self._cache[key]


def reference_bbox(ann) -> list[float]:
    """Our COCO bbox (w, h = extents) in the references' convention (w, h one less)."""
    x, y, w, h = ann.bbox
    return [x, y, w - 1, h - 1] if w and h else [x, y, w, h]


def gold_rle(g, run: str, i: int, counts_key: str) -> dict:
    h, w = (int(v) for v in g[run + "/size"][i])
    counts = g[run + "/" + counts_key][i]  # numpy bytes_/str_: pycocotools wants the builtins
    return {"size": [h, w], "counts": bytes(counts) if isinstance(counts, bytes) else str(counts)}


def check_record(ann, g, run: str, i: int, counts_key: str, stab_atol: float, area_rtol: float,
                 min_iou: float, bbox_atol: float, worst: dict) -> None:
    """One matched record against golden record i; `worst` collects the largest deviations."""
    what = f"{run} mask {i} (point {g[run + '/point_coords'][i].tolist()})"
    d_point = np.abs(np.asarray(ann.extra["point_coords"][0]) - g[run + "/point_coords"][i]).max()
    assert d_point <= 1e-6, f"{what}: point_coords differ by {d_point}"
    d_iou = abs(ann.extra["predicted_iou"] - float(g[run + "/predicted_iou"][i]))
    assert d_iou <= 1e-4, f"{what}: predicted_iou differs by {d_iou:.3g}"
    d_stab = abs(ann.extra["stability_score"] - float(g[run + "/stability_score"][i]))
    assert d_stab <= stab_atol, f"{what}: stability differs by {d_stab:.3g}"
    d_box = np.abs(np.asarray(reference_bbox(ann)) - g[run + "/bbox"][i]).max()
    assert d_box <= bbox_atol, f"{what}: bbox {reference_bbox(ann)} vs golden {g[run + '/bbox'][i].tolist()}"
    gold_area = int(g[run + "/area"][i])
    d_area = abs(ann.area - gold_area) / gold_area
    assert d_area <= area_rtol, f"{what}: area {ann.area} vs golden {gold_area}"
    iou = mask_iou(rle.decode(ann.rle), rle.decode(gold_rle(g, run, i, counts_key)))
    assert iou >= min_iou, f"{what}: mask IoU {iou:.5f} < {min_iou}"
    for key, value in (("predicted_iou", d_iou), ("stability", d_stab), ("bbox", d_box), ("area_rel", d_area),
                       ("mask_iou_deficit", 1 - iou)):
        worst[key] = max(worst.get(key, 0.0), float(value))
    worst["identical_counts"] = worst.get("identical_counts", 0) + int(
        ann.rle["counts"] == _as_str(gold_rle(g, run, i, counts_key)["counts"]))


def _as_str(counts) -> str:
    return counts.decode("ascii") if isinstance(counts, bytes) else str(counts)


def check_candidates(candidates: np.ndarray, golden: np.ndarray, worst: dict) -> None:
    assert candidates.shape == golden.shape, f"candidates {candidates.shape} vs golden {golden.shape}"
    d = np.abs(candidates - golden)
    assert d[:, 0].max() <= 1e-4, f"candidate predicted_iou differs by {d[:, 0].max():.3g}"
    assert d[:, 1].max() <= 1e-3, f"candidate stability differs by {d[:, 1].max():.3g}"
    worst["candidate_iou"], worst["candidate_stability"] = float(d[:, 0].max()), float(d[:, 1].max())
