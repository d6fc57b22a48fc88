"""`samcli bench` (issue #9, item 1): the real engine and writer over generated
JPEGs with K box prompts each, one JSON object or a table; never downloads."""
from __future__ import annotations

import datetime
import json

import pytest
import torch

from samcli.bench import STAGES, STAND_IN, BenchOptions, bench_model, run_bench
from samcli.bench.inputs import box_prompts, photo_like, write_images
from samcli.bench.weights import stand_in_state_dict
from samcli.errors import SamcliError
from samcli.models import get_spec
from tests import parity
from tests.cli_helpers import FAKE_ENV, SAMPLES, samcli, samcli_fake
from tests.fake_models import DiscModel, write_checkpoint

#: every report carries these (README: `samcli bench --json`)
FIELDS = {"samcli", "date", "model", "weights", "device", "gpu", "torch", "cuda", "python", "cpu_count", "threads",
          "precision", "batch_size", "prompt_batch", "workers", "compile", "channels_last", "images_source",
          "prompts_per_image", "warmup_images", "images", "wall_s", "images_per_s", "prompts_per_s",
          "stage_ms_per_image", "peak_rss_mb", "peak_cuda_mb", "vs_fp32", "runtime", "vs_torch"}


@pytest.fixture(scope="module")
def disc(tmp_path_factory):
    return write_checkpoint(tmp_path_factory.mktemp("disc") / "disc.pt")


def one_json_object(stdout: str) -> dict:
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, f"expected one JSON line on stdout, got {len(lines)}: {stdout[:500]}"
    return json.loads(lines[0])


def assert_sound(report: dict, k: int, stages_positive: bool = True) -> None:
    """`stages_positive`: every stage took measurable time (not so for the fake model's
    preprocessing, which is free and rounds to 0 in the engine's 0.1 ms stats)."""
    assert set(report) == FIELDS
    assert report["prompts_per_image"] == k
    assert report["prompts_per_s"] == report["images_per_s"] * k  # the same wall time, exactly
    for name in ("images_per_s", "prompts_per_s", "wall_s", "peak_rss_mb", "threads", "cpu_count"):
        assert report[name] > 0, name
    assert set(report["stage_ms_per_image"]) == set(STAGES)
    for stage, ms in report["stage_ms_per_image"].items():
        assert (ms["median"] > 0 and ms["mean"] > 0) if stages_positive else ms["mean"] >= 0, stage
    datetime.datetime.fromisoformat(report["date"])


def test_bench_mobilesam_det_checkpoint_json(parity_checkpoint):
    """The must-show: a deterministic-weights file, CPU, one JSON object on stdout."""
    run = samcli("bench", "--model", "mobilesam", "--checkpoint", parity_checkpoint("mobilesam"), "--device", "cpu",
                 "--json", "--images", "2", "--prompts-per-image", "3", "--warmup", "0")
    assert run.returncode == 0, run.stderr
    report = one_json_object(run.stdout)
    assert_sound(report, 3)
    assert report["model"] == "mobilesam" and report["device"] == "cpu" and report["precision"] == "fp32"
    assert report["gpu"] is None and report["peak_cuda_mb"] is None and report["cuda"] is None
    assert report["torch"] == torch.__version__
    assert (report["images"], report["warmup_images"], report["batch_size"]) == (2, 0, 1)
    assert report["weights"].startswith("checkpoint ") and report["weights"].endswith("mobilesam.pt")
    assert report["images_source"].startswith("generated 640x480 JPEG")
    assert report["vs_fp32"] is None  # only int8 is compared with float32


def test_bench_int8_reports_speed_and_agreement_with_fp32(parity_checkpoint):
    run = samcli("bench", "--model", "mobilesam", "--checkpoint", parity_checkpoint("mobilesam"), "--device", "cpu",
                 "--precision", "int8", "--json", "--images", "2", "--prompts-per-image", "3", "--warmup", "0")
    assert run.returncode == 0, run.stderr
    report = one_json_object(run.stdout)
    assert_sound(report, 3)
    vs = report["vs_fp32"]
    assert report["precision"] == "int8" and vs["prompts"] == 2 * 3 and vs["speedup"] > 0
    assert 0 <= vs["worst_iou"] <= vs["mean_iou"] <= 1


def test_bench_fake_model_batches_json(disc):
    run = samcli_fake("bench", "--device", "cpu", "--json", "--images", "3", "-k", "4", "--batch-size", "2",
                      "--image-size", "96x64", "--warmup", "1", checkpoint=disc)
    assert run.returncode == 0, run.stderr
    report = one_json_object(run.stdout)
    assert_sound(report, 4, stages_positive=False)
    # warm-up and timed images are whole encoder batches
    assert (report["images"], report["warmup_images"], report["batch_size"]) == (4, 2, 2)
    assert report["model"] == "disc" and report["images_source"].startswith("generated 96x64 JPEG")


def test_bench_table_on_given_images(disc):
    run = samcli_fake("bench", SAMPLES / "images", "--device", "cpu", "--images", "2", "-k", "2", checkpoint=disc)
    assert run.returncode == 0, run.stderr
    for text in ("images/s", "prompts/s (2 boxes per image)", "upscale + RLE", "write (journal + COCO JSON)", "peak RSS MB",
                 str(SAMPLES / "images")):
        assert text in run.stdout


def test_bench_without_weights_uses_stand_ins_and_says_so(tmp_path):
    run = samcli("bench", "--model", "disc", "--device", "cpu", "--json", "--images", "1", "--image-size", "64x48",
                 env={**FAKE_ENV, "SAMCLI_HOME": str(tmp_path)})  # an empty cache, offline
    assert run.returncode == 0, run.stderr
    assert one_json_object(run.stdout)["weights"] == STAND_IN
    assert STAND_IN.startswith("deterministic stand-in")


def test_bench_model_api_never_downloads(monkeypatch, tmp_path):
    monkeypatch.setenv("SAMCLI_PLUGINS", "tests.fake_models")
    monkeypatch.setenv("SAMCLI_HOME", str(tmp_path))  # nothing cached
    model, weights = bench_model("disc")
    assert weights == STAND_IN and not model.training
    assert not any(tmp_path.rglob("*"))  # no download attempted (the fake's URL is unreachable anyway)


def test_bench_bad_arguments_are_usage_errors(disc, tmp_path):
    assert samcli_fake("bench", "--image-size", "big", checkpoint=disc).returncode == 2
    assert samcli_fake("bench", tmp_path, "--device", "cpu", checkpoint=disc).returncode == 2  # no images there
    assert samcli("bench", "--model", "mobilesam", "--checkpoint", disc).returncode == 3  # not this model's file
    assert samcli("bench", "--model", "u2netp").returncode == 2  # a saliency model: nothing to prompt


def test_stand_in_weights_follow_the_parity_rule():
    """The same rule as shared/parity/README.md: equal to the fixture's deterministic dict."""
    ours = stand_in_state_dict(get_spec("mobilesam").build())
    golden = parity.deterministic_state_dict("mobilesam")
    shared = [k for k in golden if k in ours]
    assert len(shared) > 400
    for key in shared:
        assert torch.equal(ours[key], golden[key]), key


def test_run_bench_api_rounds_to_whole_batches(tmp_path):
    options = BenchOptions("disc", device="cpu", batch_size=3, num_images=4, warmup=1, prompts_per_image=5,
                           image_size=(64, 48))
    report = run_bench(options, DiscModel(), "test weights")
    assert (report["images"], report["warmup_images"]) == (6, 3)
    assert report["prompts_per_s"] == report["images_per_s"] * 5
    assert report["weights"] == "test weights" and report["prompt_batch"] == 2 and report["workers"] == 2
    with pytest.raises(SamcliError):
        BenchOptions("disc", prompts_per_image=0)


def test_generated_inputs_are_seeded_and_photo_like(tmp_path):
    a, b = photo_like(80, 60, seed=3), photo_like(80, 60, seed=3)
    assert a.tobytes() == b.tobytes() and a.size == (80, 60)
    assert a.tobytes() != photo_like(80, 60, seed=4).tobytes()
    refs = write_images(tmp_path, 70, (32, 24))
    assert len(refs) == 70 and len({r.path for r in refs}) == 64 and len({r.key for r in refs}) == 70
    boxes = box_prompts(8, seed=1)
    assert len(boxes) == 8 and all(p.normalized for p in boxes)
    for p in boxes:
        x0, y0, x1, y1 = p.box
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    assert [p.box.tolist() for p in boxes] == [p.box.tolist() for p in box_prompts(8, seed=1)]
