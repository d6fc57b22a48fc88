"""`--ray`: the same pipeline as Ray Data stages (CPU load tasks → a model actor
pool) on a local cluster this test starts, writing the same bytes as a run in
one process, resuming through the same journal."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import ray  # never skipped: `make setup` installs samcli[ray]
from tests.cli_helpers import FAKE_ENV, REPO, SAMPLES, invoke
from tests.fake_models import write_checkpoint


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(REPO), **FAKE_ENV}})
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def disc(tmp_path_factory):
    return write_checkpoint(tmp_path_factory.mktemp("disc") / "disc.pt")


def segment(disc, out: Path, *extra):
    return invoke("segment", SAMPLES / "images", "-p", SAMPLES / "prompts" / "prompts.json", "-o", out,
                  "--model", "disc", "--checkpoint", disc, *extra)


def test_ray_output_equals_the_single_process_output(cluster, disc, tmp_path):
    local, on_ray = tmp_path / "local.json", tmp_path / "ray.json"
    assert segment(disc, local, "-q").exit_code == 0
    result = segment(disc, on_ray, "-q", "--ray", "auto")
    assert result.exit_code == 0, result.output
    assert on_ray.read_bytes() == local.read_bytes()


def test_ray_resumes_from_the_same_journal(cluster, disc, tmp_path):
    reference = tmp_path / "ref.json"
    assert segment(disc, reference, "-q").exit_code == 0
    out = tmp_path / "out.json"
    segment(disc, out, "-q", "--keep-journal")
    journal = Path(f"{out}.journal.jsonl")
    lines = journal.read_text().splitlines(keepends=True)
    journal.write_text("".join(lines[:3]))  # the header and 2 of the 4 images: as if killed
    out.unlink()
    result = segment(disc, out, "--resume", "--ray", "auto")
    assert result.exit_code == 0, result.output
    assert "resuming: 2 of 4 images done in the journal" in result.output and "this run: 2/2 images done" in result.output
    assert "whole output: 4/4 images done" in result.output
    assert out.read_bytes() == reference.read_bytes()


def test_everything_and_salient_run_on_ray_too(cluster, disc, tmp_path):
    flags = ["--points-per-side", "4", "--pred-iou-thresh", "0.5", "--stability-score-thresh", "0.5", "-q"]
    for name, extra in (("local", []), ("ray", ["--ray", "auto"])):
        assert invoke("everything", SAMPLES / "images", "-o", tmp_path / f"{name}.jsonl", "-f", "jsonl", *flags,
                      "--model", "disc", "--checkpoint", disc, *extra).exit_code == 0
        sal = tmp_path / f"sal-{name}"
        assert invoke("salient", SAMPLES / "images", "-o", sal / "annotations.json", "--save-cutouts", sal / "cutouts",
                      "--sod", "spectral", "--save-saliency", sal / "saliency", "-q", "--model", "disc",
                      "--checkpoint", disc, *extra).exit_code == 0
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    local, on_ray = tmp_path / "sal-local", tmp_path / "sal-ray"
    assert (on_ray / "annotations.json").read_bytes() == (local / "annotations.json").read_bytes()
    for sub in ("cutouts", "saliency"):  # pictures drawn by the driver from re-decoded photos and shipped maps
        assert sorted(p.name for p in (on_ray / sub).iterdir()) == sorted(p.name for p in (local / sub).iterdir())
        for p in (local / sub).iterdir():
            assert (on_ray / sub / p.name).read_bytes() == p.read_bytes(), p
    assert json.loads((on_ray / "annotations.json").read_text())["annotations"]
