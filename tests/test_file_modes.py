"""Every file and folder samcli leaves behind has the mode a plain `open()` /
`mkdir()` gives under the user's umask (no private 0600 JSON), so the next
tool on a shared disk can read it: outputs of every format, journals, shard
manifests, pictures, reports, lock files and cached weights."""
from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from tests.cli_helpers import invoke
from tests.eval_cli_data import make_job as make_eval_job
from tests.segment_job import make_segment_job


@pytest.fixture(params=[0o022, 0o002], ids=["umask022", "umask002"])
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def modes_under(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in sorted(root.rglob("*"))}


def assert_modes_follow_the_umask(root: Path, umask: int) -> None:
    files, folders = 0o666 & ~umask, 0o777 & ~umask
    found = modes_under(root)
    wrong = {name: oct(mode) for name, mode in found.items()
             if mode != (folders if (root / name).is_dir() else files)}
    assert not wrong, f"expected {oct(files)} for files, {oct(folders)} for folders: {wrong}"


def test_every_output_of_a_run_follows_the_umask(tmp_path, umask):
    (tmp_path / "job").mkdir()
    job = make_segment_job(tmp_path / "job", 3)
    out = tmp_path / "out"
    model = ["--model", "disc", "-c", job.checkpoint, "-q"]
    runs = [
        ["segment", job.images, "-p", job.prompts, "-o", out / "seg.json", "--save-masks", out / "masks",
         "--save-overlays", out / "overlays", "--keep-journal", "--shard", "0/1"],
        ["segment", job.images, "-p", job.prompts, "-f", "labelstudio", "-o", out / "ls" / "tasks.json"],
        ["everything", job.images, "--points-per-side", "4", "-f", "yolo-seg", "-o", out / "labels"],
        ["salient", job.images, "--sod", "spectral", "--threshold", "0.2", "--min-blob-area", "1",
         "-o", out / "sal.json", "--save-cutouts", out / "cutouts", "--save-saliency", out / "saliency"],
    ]
    for args in runs:
        run = invoke(*args, *model)
        assert run.exit_code == 0, run.output
    assert invoke("merge", out / "seg.json", "-o", out / "merged.json").exit_code == 0
    assert invoke("convert", out / "seg.json", "--to", "coco", "--polygons", "-o", out / "poly.json").exit_code == 0
    (tmp_path / "ev").mkdir()
    evaluation = make_eval_job(tmp_path / "ev")
    report = evaluation.invoke("box", "-o", out / "report.json", "--keep-journal", "-q", models="disc")
    assert report.exit_code == 0, report.output

    assert {"seg.json", "seg.json.journal.jsonl", "seg.json.shard.json", "ls/labeling_config.xml", "labels/data.yaml",
            "sal.json", "merged.json", "poly.json", "report.json", "report.json.disc.journal.jsonl",
            "masks/img00.png/0.png", "overlays/img00.png.jpg", "cutouts/img00.png.png",
            "saliency/img00.png.png"} <= set(modes_under(out))
    assert_modes_follow_the_umask(out, umask)


def test_lock_files_follow_the_umask(tmp_path, umask):
    from samcli.writers.journal import lock_journal

    lock = lock_journal(tmp_path / "out.json.journal.jsonl")
    try:
        assert_modes_follow_the_umask(tmp_path, umask)
        assert (tmp_path / "out.json.journal.jsonl.lock").is_file()
    finally:
        lock.release()


def test_downloaded_weights_follow_the_umask(tmp_path, umask):
    """A download and a release unzipped into the cache (file:// URLs: no network)."""
    from samcli.models.checkpoint import download
    from tests.fake_models import SPECS

    source = tmp_path / "release"
    source.mkdir()
    (source / "disc.pt").write_bytes(b"weights")
    with zipfile.ZipFile(source / "disc.zip", "w") as zf:
        zf.write(source / "disc.pt", "inside/disc.pt")
    cache = tmp_path / "cache"
    spec = SPECS[0]
    download(replace(spec, url=(source / "disc.pt").as_uri()), cache / "disc.pt", progress=False)
    download(replace(spec, url=(source / "disc.zip").as_uri(), filename="disc.pt"), cache / "unzipped" / "disc.pt",
             progress=False)
    assert (cache / "unzipped" / "disc.pt").read_bytes() == b"weights"
    assert_modes_follow_the_umask(cache, umask)
