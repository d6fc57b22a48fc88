"""Zipped releases (EfficientSAM-S): the download unzips the checkpoint into the cache."""
from __future__ import annotations

import zipfile

import pytest

from samcli.errors import CheckpointError
from samcli.models import get_spec
from samcli.models.checkpoint import download, is_zipped_release, resolve_checkpoint
from samcli.models.spec import ModelSpec


def zipped_spec(tmp_path, members: dict[str, bytes]) -> ModelSpec:
    archive = tmp_path / "release" / "weights.pt.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return ModelSpec(id="zipped", family="test", summary="", build=lambda: None, url=archive.as_uri(),
                     filename="weights.pt", licence="", input_size=0)


def test_download_unzips_the_named_member(tmp_path):
    spec = zipped_spec(tmp_path, {"__MACOSX/._weights.pt": b"resource fork", "weights.pt": b"tensors"})
    dest = download(spec, tmp_path / "cache" / "weights.pt", progress=False)
    assert dest.read_bytes() == b"tensors"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["weights.pt"]  # no temp files left


def test_zip_without_the_member_fails_clearly(tmp_path):
    spec = zipped_spec(tmp_path, {"other.pt": b"x"})
    with pytest.raises(CheckpointError, match="expected one weights.pt"):
        download(spec, tmp_path / "cache" / "weights.pt", progress=False)
    assert not (tmp_path / "cache" / "weights.pt").exists()


def test_offline_hint_says_to_unzip(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMCLI_HOME", str(tmp_path))
    spec = get_spec("efficientsam-s")
    assert is_zipped_release(spec) and not is_zipped_release(get_spec("efficientsam-ti"))
    with pytest.raises(CheckpointError, match="unzip it and put efficient_sam_vits.pt at"):
        resolve_checkpoint(spec, offline=True)
