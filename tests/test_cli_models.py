"""`samcli models list|download`."""
from __future__ import annotations

import json

from tests.cli_helpers import samcli


def test_models_list_reports_sizes_macs_and_cache_state(tmp_path):
    home = tmp_path / "home"
    (home / "checkpoints").mkdir(parents=True)
    (home / "checkpoints" / "mobile_sam.pt").write_bytes(b"x")
    run = samcli("models", "list", "--json", env={"SAMCLI_HOME": str(home)})
    assert run.returncode == 0, run.stderr
    rows = {r["id"]: r for r in map(json.loads, run.stdout.splitlines())}
    assert {"sam-vit-b", "mobilesam", "tinysam", "efficientvit-sam-l0", "efficientsam-ti", "edgesam", "u2netp"} <= set(rows)
    assert rows["mobilesam"]["cached"] and not rows["tinysam"]["cached"]
    # parameters as released (SAM ViT-B's 93.7 M; EfficientViT-SAM-L0's 34.8 M per its README)
    assert rows["sam-vit-b"]["params_m"] == 93.74 and rows["efficientvit-sam-l0"]["params_m"] == 34.79
    assert 480 < rows["sam-vit-b"]["encoder_gmacs"] < 490  # computed from the graph, ~486 G published
    assert rows["edgesam"]["encoder_gmacs"] < rows["mobilesam"]["encoder_gmacs"] < rows["sam-vit-b"]["encoder_gmacs"]
    assert rows["efficientvit-sam-l0"]["input_size"] == 512 and rows["u2netp"]["kind"] == "saliency"


def test_models_download_offline_fails_with_the_path(tmp_path):
    run = samcli("models", "download", "tinysam", env={"SAMCLI_HOME": str(tmp_path)})
    assert run.returncode == 3 and "tinysam_42.3.pth" in run.stderr and "Traceback" not in run.stderr
    run = samcli("models", "download", "no-such-model")
    assert run.returncode == 2 and "unknown model" in run.stderr
