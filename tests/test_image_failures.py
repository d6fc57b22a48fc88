"""A failure in one image never ends the run as "complete" (issue 14, item 2).

A fault injected at each stage for ONE image in the middle of a run (read: a
truncated file; preprocess, encode, decode, postprocess: the disc model's
$SAMCLI_FAKE_FAIL; write: a file where its mask folder goes): the other images
complete, the failed one is listed (summary and output), exit 1, the journal
stays, and `--resume` after the fault is removed does only that image, ending
byte-identical to a clean run. Encoder batches of 2, so the failing image's
batch-mate must come through. Then a fault that stops the run: the journal
hits the file-size limit (RLIMIT_FSIZE → EFBIG, as a full disk gives ENOSPC).
"""
from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.records import Annotation, ImageResult
from samcli.engine.salient import SalientRunner
from samcli.io.images import ImageRef
from samcli.salient import SaliencySource
from samcli.writers.outputs import Outputs, Writer
from tests.cli_helpers import FAKE_ENV, REPO, invoke
from tests.fake_models import DiscModel, write_checkpoint

N_IMAGES = 6
BAD = 3  # the image that fails: the second of the encoder batch [2, 3]
STAGES = ["read", "preprocess", "encode", "decode", "postprocess", "write"]


def name(i: int) -> str:
    return f"img{i:02d}.png"


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """6 small photos (heights 40+i: the size marks the image for $SAMCLI_FAKE_FAIL), two boxes each."""
    root = tmp_path_factory.mktemp("job")
    (root / "images").mkdir()
    rng = np.random.default_rng(0)
    entries = []
    for i in range(N_IMAGES):
        Image.fromarray(rng.integers(0, 255, (40 + i, 56, 3), dtype=np.uint8)).save(root / "images" / name(i))
        entries.append({"file": name(i), "prompts": [{"box": [4, 4, 30, 30]}, {"box": [20, 10, 50, 35 + i]}]})
    (root / "prompts.json").write_text(json.dumps({"images": entries}))
    return root, write_checkpoint(root / "disc.pt")


def segment(job, out: Path, masks: Path, *extra, env: dict | None = None):
    root, disc = job
    return invoke("segment", root / "images", "-p", root / "prompts.json", "-o", out, "-f", "jsonl",
                  "--save-masks", masks, "--batch-size", "2", "-q", *extra, "--model", "disc", "--checkpoint", disc,
                  env=env)


@pytest.fixture(scope="module")
def clean(job, tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean")
    run = segment(job, folder / "out.jsonl", folder / "masks")
    assert run.exit_code == 0, run.output
    return folder


def mask_folder(clean: Path, image: str) -> Path:
    """The folder a clean run wrote the image's mask PNGs to (whatever the picture layout)."""
    (folder,) = [p for p in (clean / "masks").iterdir() if p.name in (image, Path(image).stem)]
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("stage", STAGES)
def test_one_image_fails_at_a_stage_the_others_complete_and_resume_does_only_it(job, clean, tmp_path, stage):
    root = job[0]
    out, masks, log = tmp_path / "out.jsonl", tmp_path / "masks", tmp_path / "encoded.log"
    bad = root / "images" / name(BAD)
    photo = bad.read_bytes()
    env = {}
    if stage == "read":
        bad.write_bytes(photo[: len(photo) // 2])
    elif stage == "write":
        masks.mkdir()
        obstacle = masks / mask_folder(clean, name(BAD)).name
        obstacle.write_text("in the way")  # where its mask folder goes
    else:
        env["SAMCLI_FAKE_FAIL"] = f"{stage}:{40 + BAD}x56"
    try:
        first = segment(job, out, masks, env=env)
    finally:
        bad.write_bytes(photo)
    assert first.exit_code == 1, first.output
    assert f"failed {name(BAD)}" in first.output and "--resume" in first.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["file"] for r in records] == [name(i) for i in range(N_IMAGES)]
    assert [("error" in r) for r in records] == [i == BAD for i in range(N_IMAGES)]
    assert all(len(r["annotations"]) == 2 for r in records if "error" not in r)
    assert Path(f"{out}.journal.jsonl").exists()  # kept: the failed image is to be done again

    if stage == "write":
        obstacle.unlink()  # the fault removed
    again = segment(job, out, masks, "--resume", env={"SAMCLI_FAKE_ENCODE_LOG": str(log)})
    assert again.exit_code == 0, again.output
    assert len(log.read_text().splitlines()) == 1  # only the failed image went through the model again
    assert out.read_bytes() == (clean / "out.jsonl").read_bytes()
    assert tree(masks) == tree(clean / "masks")
    assert not Path(f"{out}.journal.jsonl").exists()


def test_a_strip_too_thin_to_resize_is_segmented(tmp_path, job):
    """20000×8 through a 1024 frame once rounded its short side to 0 and crashed the loader."""
    Image.fromarray(np.full((20000, 8, 3), 200, np.uint8)).save(tmp_path / "strip.png")
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"images": [{"file": "strip.png", "prompts": [{"box": [0, 9000, 7, 11000]}]}]}))
    out = tmp_path / "out.jsonl"
    run = invoke("segment", tmp_path / "strip.png", "-p", prompts, "-o", out, "-f", "jsonl", "-q",
                 "--model", "disc", "--checkpoint", job[1])
    assert run.exit_code == 0, run.output
    (ann,) = json.loads(out.read_text())["annotations"]
    x, y, w, h = ann["bbox"]
    assert ann["area"] > 0 and w == 8 and abs(y + h / 2 - 10000) < 20  # a disc around the box's centre


def journal_lines(journal: Path) -> list[bytes]:
    return journal.read_bytes().splitlines(keepends=True)


def test_a_full_disk_stops_the_run_keeps_the_journal_and_resume_finishes_it(job, tmp_path):
    """The journal cannot grow past the file-size limit (EFBIG, what ENOSPC is on a full
    disk): exit 5, the journal keeps the finished images, no results file; --resume
    without the limit does only the rest and writes what a clean run writes."""
    root, disc = job
    args = ["segment", root / "images", "-p", root / "prompts.json", "-q", "--model", "disc", "--checkpoint", disc]
    clean = tmp_path / "clean.json"
    assert invoke(*args, "-o", clean, "--keep-journal").exit_code == 0
    lines = journal_lines(Path(f"{clean}.journal.jsonl"))
    limit = sum(map(len, lines[:4])) + len(lines[4]) // 2  # room for the header and 3 images, then half a line

    out, log = tmp_path / "out.json", tmp_path / "encoded.log"
    journal = Path(f"{out}.journal.jsonl")
    env = {**os.environ, "PYTHONPATH": str(REPO), "SAMCLI_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1", **FAKE_ENV}
    stopped = subprocess.run([sys.executable, "-m", "samcli", *map(str, args), "-o", str(out)], env=env,
                             capture_output=True, text=True,
                             preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert stopped.returncode == 5, stopped.stderr
    assert "File too large" in stopped.stderr and "--resume" in stopped.stderr
    assert not out.exists()  # nothing that looks complete
    kept = sum(line.endswith(b"\n") for line in journal_lines(journal)) - 1
    assert kept == 3

    again = invoke(*args, "-o", out, "--resume", env={"SAMCLI_FAKE_ENCODE_LOG": str(log)})
    assert again.exit_code == 0, again.output
    assert len(log.read_text().splitlines()) == N_IMAGES - kept
    assert out.read_bytes() == clean.read_bytes()


# ---- the contracts underneath, in process ------------------------------------------------

class Raising(Writer):
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def add(self, result: ImageResult) -> None:
        raise self.exc


class Keeper(Writer):
    keeps_records = True

    def __init__(self) -> None:
        self.errors: list[str | None] = []

    def add(self, result: ImageResult) -> None:
        self.errors.append(result.error)


def with_a_mask() -> ImageResult:
    return ImageResult("a.jpg", "/x/a.jpg", 4, 4, [Annotation({"size": [4, 4], "counts": "04"}, [0, 0, 1, 1], 1, 0.9)])


def test_a_picture_that_cannot_be_written_fails_its_image_and_a_full_disk_stops_the_run():
    keeper = Keeper()
    result = with_a_mask()
    Outputs([Raising(PermissionError(errno.EACCES, "Permission denied")), keeper]).add(result)
    assert keeper.errors == [result.error] and "Permission denied" in result.error and result.annotations == []
    with pytest.raises(OSError):  # every later image would fail the same way
        Outputs([Raising(OSError(errno.ENOSPC, "No space left on device")), Keeper()]).add(with_a_mask())
    with pytest.raises(ValueError):  # after the record keeper, nothing can fail the image any more
        Outputs([Keeper(), Raising(ValueError("a bug"))]).add(with_a_mask())


class OneBadMap(SaliencySource):
    """A centred blob for every image, except a batch holding a 33-row image fails."""

    def saliency_maps(self, images):
        if any(image.shape[0] == 33 for image in images):
            raise RuntimeError("injected saliency fault")
        maps = [np.zeros(image.shape[:2], np.uint8) for image in images]
        for m in maps:
            m[8:24, 8:24] = 255
        return maps


def test_an_image_that_breaks_a_saliency_batch_fails_alone():
    jobs = [Job(ImageRef(None, f"{h}.png"), image=np.zeros((h, 32, 3), np.uint8)) for h in (32, 33, 34, 35)]
    runner = SalientRunner(DiscModel(), OneBadMap(), pipeline=PipelineOptions("cpu", batch_size=2))
    results = list(runner.run(jobs))
    assert [r.ok for r in results] == [True, False, True, True]
    assert "injected saliency fault" in results[1].error
    assert all(len(r.annotations) == 1 for r in results if r.ok)
