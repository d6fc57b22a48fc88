"""benchmarks/gpu_check.sh (issue #9, item 2): `--pack` here, then the device run's
code path on the CPU with tiny sizes (`--dry-run`), so the one GPU call a later
session makes has already run end to end."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from tests import parity
from tests.cli_helpers import REPO
from tests.test_cli_parity_all_models import CASES

SCRIPT = REPO / "benchmarks" / "gpu_check.sh"
FIXTURES = sorted({fixture for fixture, _, _ in CASES.values()})


def gpu_check(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHON": sys.executable, **(env or {})}
    return subprocess.run(["bash", str(SCRIPT), *map(str, args)], capture_output=True, text=True, env=full_env,
                          cwd=REPO, timeout=600)


@pytest.fixture(scope="module")
def carry(tmp_path_factory):
    for fixture in FIXTURES:
        parity.fixture_dir(fixture)  # skips loudly when the parity fixtures are absent
    dest = tmp_path_factory.mktemp("carry") / ".gpu_carry"
    run = gpu_check("--pack", dest, "--no-wheel", "--parity-dir", parity.PARITY_DIR)
    assert run.returncode == 0, run.stderr
    return dest


def test_pack_holds_only_what_the_device_run_needs(carry):
    for fixture in FIXTURES:
        folder = carry / "parity" / fixture
        assert (folder / "keys.json").read_bytes() == (parity.PARITY_DIR / fixture / "keys.json").read_bytes()
        with np.load(folder / "golden.npz") as trimmed, np.load(parity.PARITY_DIR / fixture / "golden.npz") as full:
            kept = sorted(trimmed.files)
            assert kept == sorted(k for k in full.files if k.startswith("pipe/")), fixture
            for key in kept:
                assert np.array_equal(trimmed[key], full[key]), key
        assert (folder / "int_buffers.npz").is_file() == (parity.PARITY_DIR / fixture / "int_buffers.npz").is_file()
    assert (carry / "images" / "dog.jpg").is_file()
    size = sum(p.stat().st_size for p in carry.rglob("*") if p.is_file())
    assert size < 32 * 2**20  # with the repo and the wheel, well under the 64 MiB that may travel


def test_dry_run_is_the_device_run_on_the_cpu(carry, tmp_path):
    run = gpu_check("--dry-run", env={"GPU_CARRY": str(carry), "OUT": str(tmp_path)})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    doc = json.loads((tmp_path / "gpu_check.json").read_text())
    assert doc["dry_run"] and doc["ok"] and doc["host"]["gpu"] is None
    parity_rows = {(r["model"], r["precision"]): r for r in doc["parity"]}
    assert set(parity_rows) == {("efficientvit-sam-l0", "fp32"), ("efficientvit-sam-l0", "bf16")}
    fp32 = parity_rows[("efficientvit-sam-l0", "fp32")]
    assert fp32["pass"] is True and fp32["min_iou"] >= 0.98 and fp32["prompts"] == len(fp32["ious"]) > 0
    assert parity_rows[("efficientvit-sam-l0", "bf16")]["pass"] is None  # reported, not judged
    bench = [(r["model"], r["variant"], r["batch_size"]) for r in doc["bench"]]
    assert bench == [("edgesam", "default", 1), ("edgesam", "default", 2), ("edgesam", "channels-last", 2)]
    for r in doc["bench"]:
        assert r["prompts_per_s"] == r["images_per_s"] * doc["plan"]["prompts_per_image"] and r["images_per_s"] > 0
        assert r["weights"].startswith("deterministic stand-in") and r["device"] == "cpu"
    assert doc["bench"][2]["channels_last"] is True
    assert [(r["model"], r["watched"], r["total"]) for r in doc["syncs"]] == [("edgesam", False, 0)]  # CUDA only
    for title in ("parity on cpu", "samcli bench, 2 boxes per image", "ok: True"):
        assert title in run.stdout


def test_run_without_a_pack_says_what_to_do(tmp_path):
    run = gpu_check("--dry-run", env={"GPU_CARRY": str(tmp_path / "none"), "OUT": str(tmp_path)})
    assert run.returncode == 2 and "--pack" in run.stderr


def load_gpu_check():
    """benchmarks/gpu_check.py as a module (benchmarks/ is no package)."""
    spec = importlib.util.spec_from_file_location("gpu_check", REPO / "benchmarks" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["gpu_check"]
    return module


def test_a_pack_inside_a_checkout_is_ignored_by_git(tmp_path):
    module = load_gpu_check()
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    pack = tmp_path / ".gpu_carry"
    pack.mkdir()
    (pack / "file").write_text("x")
    for _ in range(2):  # once only
        module.ensure_ignored(pack)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert status == ""
    assert (tmp_path / ".git" / "info" / "exclude").read_text().count("/.gpu_carry/") == 1


def test_host_syncs_are_named_by_their_samcli_call_sites(monkeypatch):
    """What the device run records from torch's sync debug mode, fed a fake warning
    raised where torch would raise it: inside `torch.cuda.synchronize`."""
    import torch

    from samcli.engine import device

    module = load_gpu_check()
    monkeypatch.setattr(torch.cuda, "synchronize", lambda d=None: warnings.warn("called a synchronizing CUDA operation"))
    with pytest.warns(UserWarning, match="something else"), module.host_syncs(watch=False) as sites:
        device.synchronize(torch.device("cuda"))
        device.synchronize(torch.device("cuda"))
        warnings.warn("something else")  # not a sync: passed on, not counted
    ((site, count),) = sites.items()
    assert count == 2 and site.startswith("device.py:") and site.endswith(" synchronize")
