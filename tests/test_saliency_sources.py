"""Choosing and loading saliency sources; checkpoint errors a user can act on."""
from __future__ import annotations

import io
from email.message import Message

import numpy as np
import pytest

from samcli.errors import CheckpointError, SamcliError
from samcli.models import get_spec
from samcli.models.checkpoint import download
from samcli.salient import load_saliency_source, saliency_source_names
from samcli.salient.spectral import SpectralSaliency
from tests.parity import IMAGES_DIR, fixture_dir
from tests.sam_head_parity import load_rgb


def test_names_and_registry():
    assert saliency_source_names() == ["u2netp", "u2net", "spectral"]
    for model_id in ("u2netp", "u2net"):
        spec = get_spec(model_id)
        assert spec.kind == "saliency" and spec.input_size == 320 and spec.filename == f"{model_id}.pth"
        assert spec.url.startswith("https://drive.google.com/")


def test_spectral_needs_no_weights():
    assert isinstance(load_saliency_source("spectral"), SpectralSaliency)
    with pytest.raises(SamcliError, match="no weights"):
        load_saliency_source("spectral", checkpoint="x.pth")
    with pytest.raises(SamcliError, match="choose from u2netp, u2net, spectral"):
        load_saliency_source("bogus")


def test_offline_message_says_where_to_put_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMCLI_HOME", str(tmp_path))
    with pytest.raises(CheckpointError) as err:
        load_saliency_source("u2net", offline=True)
    message = str(err.value)
    assert "1ao1ovG1Qtx4b7EoskHXmi2E9rp5CHLcZ" in message
    assert str(tmp_path / "checkpoints" / "u2net.pth") in message and "--sod-checkpoint PATH" in message


def test_a_web_page_is_refused_and_not_cached(tmp_path, monkeypatch):
    page = io.BytesIO(b"<html>Google Drive - Virus scan warning</html>")
    page.headers = Message()
    page.headers["Content-Type"] = "text/html; charset=utf-8"
    monkeypatch.setattr("urllib.request.urlopen", lambda url, timeout: page)
    dest = tmp_path / "u2net.pth"
    with pytest.raises(CheckpointError, match="web page") as err:
        download(get_spec("u2net"), dest, progress=False)
    assert str(dest) in str(err.value) and "--sod-checkpoint" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_batched_maps_equal_one_by_one(parity_checkpoint):
    fixture_dir("u2netp")
    source = load_saliency_source("u2netp", checkpoint=parity_checkpoint("u2netp"), offline=True, batch_size=2)
    dog = load_rgb(IMAGES_DIR / "dog.jpg")
    images = [dog[::2, ::2].copy(), dog[100:300, 50:250, 0].copy()]  # sizes differ; one grey
    batched = source.saliency_maps(images)
    for image, sal in zip(images, batched):
        assert sal.shape == image.shape[:2] and sal.dtype == np.uint8
        single = source.saliency_map(image)
        assert np.abs(single.astype(int) - sal).max() <= 1, "batching may move float32 sums by an ulp, no more"
