"""`segment` on ONNX Runtime without torch (`engine.ort_segment` + `onnx.lean`):
for every promptable model with a parity fixture, the fixture's photo and
prompts (a point, points, a box, a box + a point) give PyTorch's annotations
(mask IoU ≥ 0.99, scores within 1e-3) under every --multimask mode; and a CLI
run on cached files never imports torch."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from samcli.engine.choices import gpu_driver_present
from samcli.engine.jobs import Job, PipelineOptions
from samcli.engine.ort_segment import OrtSegmenter
from samcli.engine.prompted import SegmentOptions
from samcli.engine.segment import Segmenter
from samcli.io.digests import file_digest
from samcli.io.images import ImageRef
from samcli.models.mask_rules import MULTIMASK_MODES
from samcli.onnx.cache import write_description
from samcli.onnx.engine_runtime import describe_for_runtime, weightless
from samcli.onnx.lean import LeanOrtModel
from samcli.onnx.versions import EXPORT_VERSION
from tests.cli_helpers import REPO
from tests.onnx_helpers import MIN_IOU, SCORE_ATOL, fixture_prompts, hardlink_or_copy, model_params
from tests.parity import IMAGES_DIR
from tests.pipeline_goldens import native_prompt_json


def run(segmenter, prompts) -> list:
    (result,) = segmenter.run([Job(ImageRef(IMAGES_DIR / "dog.jpg", "dog.jpg"), prompts)])
    assert result.ok, result.error
    return result.annotations


@pytest.mark.parametrize("model_id, fixture", model_params())
def test_lean_engine_gives_pytorchs_annotations(model_id, fixture, onnx_files, parity_model):
    model = parity_model(model_id, fixture)
    _, files = onnx_files(model_id, fixture)
    description = json.loads(json.dumps(describe_for_runtime(model)))  # as the cache keeps it
    lean = LeanOrtModel(description, files, threads=1)
    prompts = fixture_prompts(fixture)
    for mode in MULTIMASK_MODES:
        options = SegmentOptions(multimask=mode)
        ref = run(Segmenter(model, options, PipelineOptions("cpu")), prompts)
        ours = run(OrtSegmenter(lean, options, PipelineOptions("cpu")), prompts)
        assert len(ours) == len(ref) == len(prompts)
        for k, (a, b) in enumerate(zip(ours, ref)):
            what = f"{model_id} --multimask {mode} {prompts[k].source}"
            iou = mask_utils.iou([a.rle], [b.rle], [0])[0][0]
            assert iou >= MIN_IOU, f"{what}: IoU {iou:.5f}"
            assert abs(a.score - b.score) <= SCORE_ATOL, f"{what}: score {a.score} vs {b.score}"
            assert a.extra.keys() == b.extra.keys() and a.extra["prompt_index"] == b.extra["prompt_index"], what


@pytest.mark.parametrize("model_id, fixture", model_params())
def test_recipe_is_the_models_own_preprocessing(model_id, fixture, parity_model):
    """`Preprocessing.apply` (numpy, what ONNX Runtime encodes) = the family's torch preprocess + normalize."""
    from tests.onnx_helpers import dog

    model, image = parity_model(model_id, fixture), dog()
    ours = model.preprocessing.apply(image)
    np.testing.assert_allclose(ours, model.normalize(model.preprocess(image)).numpy(), rtol=0, atol=1e-5)


def test_prompt_limits_and_geometry_as_pytorchs(onnx_files, parity_model):
    model = parity_model("efficientsam-ti", "efficientsam_vitt")
    _, files = onnx_files("efficientsam-ti", "efficientsam_vitt")
    lean = LeanOrtModel(describe_for_runtime(model), files, sessions=False)
    for shape in ((6, False), (7, False), (4, True), (5, True)):
        assert lean.prompt_problem(*shape) == model.prompt_problem(*shape)
    assert lean.geometry((534, 800)) == model.geometry((534, 800))


def torch_imported_by_cli(*args: str, env: dict) -> tuple[int, str, str]:
    """Runs `samcli ARGS` in a fresh interpreter; → (exit code, stderr, the torch modules it imported)."""
    code = ("import sys\nfrom samcli.cli import main\nsys.argv = ['samcli'] + sys.argv[1:]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
            "sys.__stdout__.write('TORCH=' + repr(sorted(m for m in sys.modules if m.split('.')[0] == 'torch')[:3]))")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO, env=env,
                          timeout=300)
    return done.returncode, done.stderr, done.stdout.rsplit("TORCH=", 1)[-1]


def cached_mobilesam(onnx_files, parity_checkpoint, tmp_path) -> tuple:
    """MobileSAM's runtime files in a fresh SAMCLI_HOME, as a first run leaves them:
    → (weights, the environment that uses them)."""
    _, files = onnx_files("mobilesam", "mobilesam")
    weights = parity_checkpoint("mobilesam")
    folder = tmp_path / "home" / "onnx" / f"mobilesam-{file_digest(weights)[:16]}-v{EXPORT_VERSION}"
    folder.mkdir(parents=True)
    for path in (files.encoder, files.decoder, files.mask_decoder):
        hardlink_or_copy(path, folder / path.name)
    write_description(folder, describe_for_runtime(weightless("mobilesam")))
    return weights, {**os.environ, "SAMCLI_HOME": str(tmp_path / "home"), "SAMCLI_OFFLINE": "1"}


NO_GPU = pytest.mark.skipif(gpu_driver_present(), reason="a GPU driver is here: --runtime auto asks torch whether "
                                                           "CUDA works")


@NO_GPU
def test_segment_on_cached_files_imports_no_torch(onnx_files, parity_checkpoint, tmp_path):
    """`samcli segment` with its defaults (--runtime auto: ONNX Runtime for MobileSAM on a CPU),
    its runtime files cached: the whole run, from arguments to the COCO file, without torch."""
    weights, env = cached_mobilesam(onnx_files, parity_checkpoint, tmp_path)
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps(native_prompt_json("dog.jpg", fixture_prompts("mobilesam"))))
    out = tmp_path / "out.json"
    code, stderr, torch_modules = torch_imported_by_cli(
        "segment", str(IMAGES_DIR / "dog.jpg"), "--prompts", str(prompts), "--model", "mobilesam", "--checkpoint",
        str(weights), "--out", str(out), "--stats", env=env)
    assert code == 0, stderr
    assert "building" not in stderr  # from the cache
    assert torch_modules == "[]", f"torch imported: {torch_modules}"
    assert len(json.loads(out.read_text())["annotations"]) == len(fixture_prompts("mobilesam"))


@NO_GPU
def test_embed_then_segment_without_torch(onnx_files, parity_checkpoint, tmp_path):
    """`samcli embed` on ONNX Runtime imports no torch either, and `segment --embeddings` of
    its folder writes plain segment's bytes with no image encoded; `--save-embeddings`
    (the manifest's frames, without torch too) keeps the same embeddings."""
    weights, env = cached_mobilesam(onnx_files, parity_checkpoint, tmp_path)
    model = ["--model", "mobilesam", "--checkpoint", str(weights)]
    code, stderr, torch_modules = torch_imported_by_cli("embed", str(IMAGES_DIR), *model, "--out",
                                                        str(tmp_path / "emb"), env=env)
    assert code == 0 and torch_modules == "[]", (stderr, torch_modules)
    manifest = json.loads((tmp_path / "emb" / "embeddings.json").read_text())
    assert manifest["runtime"] == "onnxruntime" and manifest["input_size"] == 1024
    images = sorted(manifest["images"])
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"images": [{"file": name, "prompts": [{"box": [10, 20, 200, 240]}]}
                                              for name in images]}))
    segment = ["segment", str(IMAGES_DIR), "--prompts", str(prompts), *model]
    code, stderr, torch_modules = torch_imported_by_cli(*segment, "--out", str(tmp_path / "plain.json"),
                                                        "--save-embeddings", str(tmp_path / "saved"), env=env)
    assert code == 0 and torch_modules == "[]", (stderr, torch_modules)
    code, stderr, _ = torch_imported_by_cli(*segment, "--out", str(tmp_path / "reused.json"), "--embeddings",
                                            str(tmp_path / "emb"), env=env)
    assert code == 0, stderr
    assert (tmp_path / "reused.json").read_bytes() == (tmp_path / "plain.json").read_bytes()
    assert f"0 encoded, {len(images)} read from --embeddings" in stderr, stderr
    for name in images:
        npy = name + ".npy"
        assert (tmp_path / "saved" / npy).read_bytes() == (tmp_path / "emb" / npy).read_bytes()


def test_manifest_frames_without_torch_are_pytorchs():
    """An embeddings manifest on ONNX Runtime describes the model from the runtime cache's
    description (no torch), as the PyTorch model itself would, for every promptable model."""
    from samcli.cli.embeddings import model_frames
    from samcli.models import all_specs

    for spec in (s for s in all_specs() if s.kind == "promptable"):
        model = weightless(spec.id)
        lean = LeanOrtModel(describe_for_runtime(model), files=None, sessions=False)
        assert model_frames(lean) == model_frames(model), spec.id


def test_a_damaged_description_is_written_again(onnx_files, parity_checkpoint, tmp_path, monkeypatch):
    """A runtime.json from another samcli version (a field missing) or damaged is replaced, not trusted."""
    from samcli.onnx import cache
    from samcli.onnx.engine_runtime import prepare_runtime

    _, files = onnx_files("mobilesam", "mobilesam")
    weights = parity_checkpoint("mobilesam")
    monkeypatch.setenv("SAMCLI_HOME", str(tmp_path))
    folder = cache.runtime_folder("mobilesam", weights)
    folder.mkdir(parents=True)
    for path in (files.encoder, files.decoder, files.mask_decoder):
        hardlink_or_copy(path, folder / path.name)
    whole = describe_for_runtime(weightless("mobilesam"))
    for damaged in ({"accepts_mask_input": True}, {**whole, "rules": "x"}, {**whole, "preprocessing": [1]}):
        write_description(folder, damaged)
        description, _ = prepare_runtime("mobilesam", weights)
        assert description == whole
        assert cache.read_description(folder) == json.loads(json.dumps(description))  # rewritten
