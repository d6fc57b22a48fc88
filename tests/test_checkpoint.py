"""Weights: download into the cache over HTTP (a loopback server stands in for
the release host), digest checks, and loader errors a user can act on."""
from __future__ import annotations

import functools
import hashlib
import http.server
import threading

import pytest
import torch

from samcli.errors import CheckpointError
from samcli.models import load_model
from samcli.models.checkpoint import apply_state_dict, read_state_dict, resolve_checkpoint
from samcli.models.spec import ModelSpec
from samcli.models.sam_family import TinyViTSam


@pytest.fixture
def http_root(tmp_path):
    """Serve tmp_path/'www' on 127.0.0.1 for the duration of a test."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def spec_for(url: str, digest: str | None) -> ModelSpec:
    return ModelSpec(id="toy", family="test", summary="", build=lambda: None, url=url, filename="toy.pt",
                     licence="", input_size=0, digest=digest)


def test_download_verifies_digest_and_lands_atomically_in_the_cache(http_root, tmp_path, monkeypatch):
    root, base = http_root
    payload = b"weights" * 1000
    (root / "toy.pt").write_bytes(payload)
    monkeypatch.setenv("SAMCLI_HOME", str(tmp_path / "home"))
    spec = spec_for(f"{base}/toy.pt", "md5:" + hashlib.md5(payload).hexdigest())
    path = resolve_checkpoint(spec, progress=False)
    assert path == tmp_path / "home" / "checkpoints" / "toy.pt" and path.read_bytes() == payload
    assert [p.name for p in path.parent.iterdir()] == ["toy.pt"]  # no .part left behind
    (root / "toy.pt").unlink()  # second call: served from the cache, no network needed
    assert resolve_checkpoint(spec, progress=False, offline=True) == path


def test_wrong_digest_leaves_nothing_in_the_cache(http_root, tmp_path, monkeypatch):
    root, base = http_root
    (root / "toy.pt").write_bytes(b"truncated or tampered")
    monkeypatch.setenv("SAMCLI_HOME", str(tmp_path / "home"))
    with pytest.raises(CheckpointError, match="md5 is .* expected 0123"):
        resolve_checkpoint(spec_for(f"{base}/toy.pt", "md5:0123"), progress=False)
    assert list((tmp_path / "home" / "checkpoints").iterdir()) == []


def test_unreachable_host_names_the_file_to_provide(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMCLI_HOME", str(tmp_path / "home"))
    with pytest.raises(CheckpointError, match=r"put it at .*toy\.pt.*--checkpoint"):
        resolve_checkpoint(spec_for("http://127.0.0.1:9/toy.pt", None), progress=False)


def test_loader_refuses_pickled_code_and_wrong_files(tmp_path):
    evil = tmp_path / "evil.pt"
    torch.save({"model": {"w": torch.zeros(1)}, "hook": functools.partial(print, "pwned")}, evil)
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        read_state_dict(evil)  # weights_only=True: no arbitrary objects
    other = tmp_path / "other.pt"
    torch.save({"backbone.conv.weight": torch.zeros(3)}, other)
    fits_none = r"not mobilesam weights\. Its tensors fit no registered model .*none of its 1 tensors belong to mobilesam"
    with pytest.raises(CheckpointError, match=fits_none):
        load_model("mobilesam", checkpoint=other)


def test_loader_names_missing_unexpected_and_misshapen_keys(tmp_path):
    model = TinyViTSam()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state.pop("mask_decoder.iou_token.weight")
    state["mask_decoder.extra.weight"] = torch.zeros(1)
    with pytest.raises(CheckpointError, match=r"1 missing key\(s\) \['mask_decoder.iou_token.weight'\].*extra"):
        apply_state_dict(TinyViTSam(), state)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["mask_decoder.iou_token.weight"] = torch.zeros(2, 256)
    with pytest.raises(CheckpointError, match=r"iou_token.weight \(2, 256\) vs \(1, 256\)"):
        apply_state_dict(TinyViTSam(), state)
    # wrapped files and files without BatchNorm counters load
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save({"state_dict": state}, tmp_path / "wrapped.pt")
    apply_state_dict(TinyViTSam(), read_state_dict(tmp_path / "wrapped.pt"))
