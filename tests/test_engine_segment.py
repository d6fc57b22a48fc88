"""The segment engine end to end: goldens on a parity model (deterministic
weights), batching and error handling on the fake disc model (no fixtures)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.segment import SegmentOptions, Segmenter
from samcli.io.images import ImageRef
from samcli.io.prompts.types import Prompt
from samcli.ops import rle
from tests.fake_models import DiscModel
from tests.parity import IMAGES_DIR, golden, mask_iou
from tests.pipeline_goldens import expected_prompts

CPU = PipelineOptions("cpu")


@pytest.fixture(scope="module")
def mobilesam(parity_model):
    return parity_model("mobilesam", "mobilesam")


def test_segmenter_reproduces_pipeline_goldens(mobilesam):
    cases = expected_prompts(golden("mobilesam"))
    job = Job(ImageRef(IMAGES_DIR / "dog.jpg", "dog.jpg"), [p for p, _, _ in cases])
    (result,) = Segmenter(mobilesam, SegmentOptions(prompt_batch=3), CPU).run([job])
    assert result.ok and (result.width, result.height) == (800, 534)
    assert [a.extra["prompt_index"] for a in result.annotations] == list(range(len(cases)))
    for ann, (_, mask, score) in zip(result.annotations, cases):
        ours = rle.decode(ann.rle)
        assert ours.shape == (534, 800)
        assert mask_iou(ours, mask) >= 0.999
        assert abs(ann.score - score) <= 1e-4
        assert ann.area == int(ours.sum())


def test_multimask_modes(mobilesam):
    g = golden("mobilesam")
    point = Prompt(points=g["pipe/p1_point/points"].astype(np.float64), labels=np.array([1]))
    ref = ImageRef(IMAGES_DIR / "dog.jpg", "dog.jpg")
    scores = g["pipe/p1_point/scores"]
    (never,) = Segmenter(mobilesam, SegmentOptions(multimask="never"), CPU).run([Job(ref, [point])])
    (always,) = Segmenter(mobilesam, SegmentOptions(multimask="always"), CPU).run([Job(ref, [point])])
    # golden p1 holds candidates 1..3; "always" keeps the best of them
    assert abs(always.annotations[0].score - scores.max()) <= 1e-4
    assert abs(never.annotations[0].score - always.annotations[0].score) > 1e-3  # token 0 is another mask


def test_encoder_runs_once_per_image_whatever_the_prompt_count(tmp_path, monkeypatch):
    model = DiscModel()
    rng = np.random.default_rng(0)
    refs = []
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (40 + i, 50, 3), dtype=np.uint8)).save(tmp_path / f"{i}.png")
        refs.append(ImageRef(tmp_path / f"{i}.png", f"{i}.png"))
    Image.fromarray(rng.integers(0, 255, (30, 30, 3), dtype=np.uint8)).save(tmp_path / "none.png")
    box = Prompt(box=np.array([5.0, 5.0, 30.0, 25.0]))
    pts = Prompt(points=np.array([[10.0, 10.0], [20.0, 12.0]]), labels=np.array([1, 0]))
    jobs = [Job(refs[0], [box] * 7 + [pts] * 5), Job(refs[1], [pts]), Job(ImageRef(tmp_path / "none.png", "none.png"), []),
            Job(refs[2], [box, pts, box])]
    calls = []
    encode = model.encode
    monkeypatch.setattr(model, "encode", lambda x: calls.append(x.shape[0]) or encode(x))
    segmenter = Segmenter(model, SegmentOptions(prompt_batch=4), PipelineOptions("cpu", batch_size=2))
    results = list(segmenter.run(jobs))
    assert [len(r.annotations) for r in results] == [12, 1, 0, 3]
    assert sum(calls) == 3  # the prompt-less image is never encoded
    assert len(calls) == 2  # batches of 2 images: [0, 1], then [2]
    assert segmenter.encoded_images == 3
    assert results[2].ok and (results[2].width, results[2].height) == (30, 30)


def test_bad_image_and_bad_prompt_do_not_stop_the_run(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(tmp_path / "ok.png")
    outside = Prompt(box=np.array([100.0, 100.0, 200.0, 200.0]), source="p.json: images[1].prompts[0]")
    inside = Prompt(box=np.array([-5.0, 2.0, 10.0, 12.0]), source="p.json: images[1].prompts[1]")
    jobs = [Job(ImageRef(tmp_path / "empty.jpg", "empty.jpg"), [inside]),
            Job(ImageRef(tmp_path / "ok.png", "ok.png"), [outside, inside])]
    bad, good = Segmenter(DiscModel(), pipeline=CPU).run(jobs)
    assert not bad.ok and "empty.jpg" in bad.error
    assert good.ok and len(good.annotations) == 1
    assert good.annotations[0].extra["prompt_index"] == 1  # indices refer to the file's list
    assert good.prompt_errors and "images[1].prompts[0]" in good.prompt_errors[0]
    assert any("clipped" in w for w in good.warnings)


def test_a_prompt_the_model_cannot_take_fails_alone(tmp_path):
    """A model taking at most 6 point tokens (as EfficientSAM): a 7-token prompt is
    reported, its neighbours in the same decoder batch still get masks."""
    model = DiscModel()
    model.max_points = 6
    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(tmp_path / "a.png")
    ok = Prompt(box=np.array([5.0, 5.0, 30.0, 30.0]))
    too_many = Prompt(points=np.full((5, 2), 10.0), labels=np.ones(5, np.int64), box=np.array([5.0, 5, 30, 30]),
                      source="p.json: images[0].prompts[1]")
    (result,) = Segmenter(model, pipeline=CPU).run([Job(ImageRef(tmp_path / "a.png", "a.png"), [ok, too_many, ok])])
    assert result.ok and [a.extra["prompt_index"] for a in result.annotations] == [0, 2]
    assert "images[0].prompts[1]" in result.prompt_errors[0] and "at most 6" in result.prompt_errors[0]


def test_odd_but_valid_images_are_segmented_in_display_orientation(tmp_path):
    """Grayscale, RGBA, 16-bit and EXIF-rotated files all yield a mask of the
    displayed image's size; prompt coordinates refer to the displayed image."""
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (48, 64), dtype=np.uint8)).save(tmp_path / "gray.png")
    Image.fromarray(rng.integers(0, 255, (48, 64, 4), dtype=np.uint8)).save(tmp_path / "rgba.png")
    Image.fromarray(rng.integers(0, 65535, (48, 64), dtype=np.uint16)).save(tmp_path / "deep.png")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 64 wide × 48 high, displayed 48 wide × 64 high
    Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(tmp_path / "rot.jpg", exif=exif.tobytes())
    box = Prompt(box=np.array([4.0, 40.0, 40.0, 60.0]))  # y up to 60 exists only in the displayed frame
    names = ["gray.png", "rgba.png", "deep.png", "rot.jpg"]
    results = list(Segmenter(DiscModel(), pipeline=CPU).run(Job(ImageRef(tmp_path / n, n), [box]) for n in names))
    for name, result in zip(names, results):
        assert result.clean, (name, result.error, result.prompt_errors)
        h, w = (64, 48) if name == "rot.jpg" else (48, 64)
        assert (result.height, result.width) == (h, w)
        assert rle.decode(result.annotations[0].rle).shape == (h, w)
    assert not any("clipped" in w for w in results[3].warnings)  # the box fits the displayed image
