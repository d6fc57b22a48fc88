"""Progress while a run goes: plain lines in a log (stderr not a terminal) from
the start and every --log-every seconds, and prompts decoded inside an image,
heard from the engine through a light listener."""
from __future__ import annotations

import numpy as np
import pytest

from samcli.cli.progress import RunProgress, duration, plural
from tests.segment_job import make_segment_job


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return make_segment_job(tmp_path_factory.mktemp("job"), 3)


def test_progress_lines_reach_a_log_before_the_run_ends(job, tmp_path):
    """The second image is held at the encoder until the test opens the gate: the lines
    read before that were written while the run was still going."""
    gate = tmp_path / "gate"
    proc = job.start(job.args(tmp_path / "out.json", "--log-every", "0.2", quiet=False),
                     {"SAMCLI_FAKE_ENCODE_GATE": str(gate), "SAMCLI_FAKE_GATE_AFTER": "1"})
    try:
        first = proc.stderr.readline().decode()
        assert first.startswith("segment: starting, 3 images to do; a progress line every 0.2 s"), first
        while "segment: 1/3 images (33%)" not in (line := proc.stderr.readline().decode()):
            assert line and proc.poll() is None, line
        assert " img/s, ETA " in line and ", 0 failed" in line
        assert proc.poll() is None  # still held: these lines came while it ran
    finally:
        gate.touch()
    assert proc.wait(timeout=120) == 0
    assert "3/3 images done" in proc.stderr.read().decode()


def test_a_log_line_says_images_rate_eta_failures_and_the_current_image():
    from rich.console import Console

    shown = RunProgress(Console(file=open("/dev/null", "w")), "everything", 4, log_every=0)
    assert shown.logging
    with shown:
        shown.image_done(failed=True)
        shown.prompts(512, 1024)
        line = shown.line()
    assert line.startswith("everything: 1/4 images (25%), ") and ", 1 failed; image 2: 512/1024 prompts decoded" in line


def test_durations_and_plurals_read_naturally():
    assert [duration(s) for s in (4.4, 200, 7500)] == ["4 s", "3 min 20 s", "2 h 05 min"]
    assert [plural(n, "warning") for n in (0, 1, 2)] == ["0 warnings", "1 warning", "2 warnings"]


@pytest.mark.parametrize("hierarchical", [False, True])
def test_everything_tells_its_listener_the_prompts_planned_and_decoded(hierarchical):
    from samcli.engine.everything import EverythingParams, EverythingRunner
    from samcli.engine.pipeline import Job
    from samcli.io.images import ImageRef
    from tests.fake_models import tiny_disc_model

    heard: list[tuple[int, int]] = []
    runner = EverythingRunner(tiny_disc_model(), EverythingParams(points_per_side=8, points_per_batch=16,
                                                                  hierarchical=hierarchical))
    runner.on_prompts = lambda done, planned: heard.append((done, planned))
    image = np.zeros((48, 64, 3), np.uint8)
    (result,) = runner.run([Job(ImageRef(path=None, key="a"), image=image)])
    assert heard and all(done <= planned for done, planned in heard)
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)  # only ever forward
    assert heard[-1] == (result.stats["prompts"], result.stats["prompts"])  # all planned prompts were decoded


def test_the_cli_hands_the_engine_its_listener(job, tmp_path, monkeypatch):
    from tests.cli_helpers import invoke

    heard = []
    monkeypatch.setattr(RunProgress, "prompts", lambda self, done, planned: heard.append((done, planned)))
    run = invoke(*job.args(tmp_path / "out.json"), "--model", "disc", "-c", job.checkpoint)
    assert run.exit_code == 0, run.output
    assert heard[-1] == (2, 2)  # segment: the image's two prompts
