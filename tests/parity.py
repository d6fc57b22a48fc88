"""Parity fixtures: build deterministic-weights checkpoints by the rule of
`shared/parity/README.md` and read the goldens.

The fixtures live beside the repository (`../shared/parity`, 60 MB, not
copied in). Override with SAMCLI_PARITY_DIR. Where they are absent, parity
tests skip with a reason that says parity was NOT verified.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from samcli.bench.weights import deterministic_tensor  # the rule, shared with `samcli bench`

REPO = Path(__file__).resolve().parents[1]
PARITY_DIR = Path(os.environ.get("SAMCLI_PARITY_DIR", REPO.parent / "shared" / "parity"))
IMAGES_DIR = PARITY_DIR.parent / "images"


def fixture_dir(name: str) -> Path:
    path = PARITY_DIR / name
    if not (path / "keys.json").is_file():
        pytest.skip(f"PARITY FIXTURES ABSENT at {path}: parity of {name!r} is NOT verified by this run")
    return path


def golden(name: str) -> np.lib.npyio.NpzFile:
    return np.load(fixture_dir(name) / "golden.npz", allow_pickle=False)


def deterministic_state_dict(name: str) -> dict[str, torch.Tensor]:
    folder = fixture_dir(name)
    keys = json.loads((folder / "keys.json").read_text())
    ints_file = folder / "int_buffers.npz"
    ints = np.load(ints_file) if ints_file.is_file() else {}
    state = {}
    for key, shape, dtype in keys["tensors"]:
        if dtype.startswith(("int", "uint", "bool")):
            state[key] = torch.from_numpy(np.array(ints[key]))
        else:
            state[key] = deterministic_tensor(key, shape)
    return state


def write_checkpoint(name: str, path: Path) -> Path:
    """Save the deterministic dict wrapped as the released file is (keys.json says how)."""
    folder = fixture_dir(name)
    wrapper = json.loads((folder / "keys.json").read_text()).get("checkpoint_wrapper")
    state = deterministic_state_dict(name)
    torch.save({wrapper: state} if wrapper else state, path)
    return path


def unpack_masks(g, key: str) -> np.ndarray:
    shape = tuple(int(s) for s in g[key + "_shape"])
    return np.unpackbits(g[key], axis=-1, count=shape[-1]).astype(bool).reshape(shape)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


def assert_close_rel(ours, golden_arr, rtol: float, atol: float, what: str) -> None:
    ours = np.asarray(ours, dtype=np.float32)
    gold = np.asarray(golden_arr, dtype=np.float32)
    assert ours.shape == gold.shape, f"{what}: shape {ours.shape} vs golden {gold.shape}"
    excess = np.abs(ours - gold) - (atol + rtol * np.abs(gold))
    worst = float(excess.max())
    assert worst <= 0, f"{what}: exceeds |d| <= {atol} + {rtol}|g| by {worst:.3g} (max |d| {np.abs(ours - gold).max():.3g})"


def assert_close_ulp(ours, golden_f16, atol: float, what: str) -> None:
    """|ours − g| ≤ 0.5·ulp(g) + atol, the ulp taken on the float16 golden: its
    storage rounding plus float32 noise. Catches errors far below a plain
    relative bound where the golden's rounding is coarse."""
    ours = np.asarray(ours, dtype=np.float32)
    g16 = np.asarray(golden_f16, dtype=np.float16)
    assert ours.shape == g16.shape, f"{what}: shape {ours.shape} vs golden {g16.shape}"
    gold = g16.astype(np.float32)
    bound = 0.5 * np.spacing(np.abs(g16)).astype(np.float32) + atol
    ratio = float((np.abs(ours - gold) / bound).max())
    assert ratio <= 1.0, f"{what}: max |d|/(0.5 ulp + {atol}) = {ratio:.3g} > 1 (max |d| {np.abs(ours - gold).max():.3g})"
