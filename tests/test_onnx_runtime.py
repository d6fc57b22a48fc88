"""`--runtime onnxruntime`: the engine on ONNX Runtime gives PyTorch's output
(mask IoU ≥ 0.99, scores within 1e-3), its files are cached by the weights'
digest and built once with a message, and `auto` / usage errors behave."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from pycocotools import mask as mask_utils

from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.segment import Segmenter
from samcli.errors import InputError
from samcli.io.digests import file_digest
from samcli.io.images import ImageRef
from samcli.models.base import PromptTensors
from samcli.onnx import cache, deps
from samcli.onnx.engine_runtime import resolve_runtime, weightless
from samcli.onnx.export import EXPORT_VERSION
from samcli.onnx.runtime import OrtModel
from tests.cli_helpers import invoke, samcli
from tests.onnx_helpers import MIN_IOU, SCORE_ATOL, fixture_prompts, hardlink_or_copy
from tests.parity import IMAGES_DIR, mask_iou
from tests.pipeline_goldens import native_prompt_json



def ort_model(onnx_files, model_id: str, fixture: str) -> OrtModel:
    _, files = onnx_files(model_id, fixture)
    return OrtModel(weightless(model_id), files, threads=1)


def segment(model, prompts, images=("dog.jpg",), batch_size=1):
    segmenter = Segmenter(model, pipeline=PipelineOptions("cpu", batch_size=batch_size))
    jobs = [Job(ImageRef(IMAGES_DIR / name, name), prompts) for name in images]
    return [a for result in segmenter.run(jobs) for a in result.annotations]


def assert_same_annotations(ours, ref, what: str) -> None:
    assert len(ours) == len(ref) > 0
    for k, (a, b) in enumerate(zip(ours, ref)):
        iou = mask_utils.iou([a.rle], [b.rle], [0])[0][0]
        assert iou >= MIN_IOU, f"{what} prompt {k}: IoU {iou:.5f}"
        assert abs(a.score - b.score) <= SCORE_ATOL, f"{what} prompt {k}: score {a.score} vs {b.score}"


@pytest.fixture(scope="module")
def mobilesam_reference(parity_model):
    """PyTorch's annotations for the fixture prompts on two photos in one encoder batch."""
    prompts = fixture_prompts("mobilesam")
    return prompts, segment(parity_model("mobilesam", "mobilesam"), prompts, ("dog.jpg", "truck.jpg"), 2)


def test_segmenter_on_onnxruntime_gives_pytorchs_output(onnx_files, mobilesam_reference):
    """Two images per encoder batch: prompts of both decoded by image, in order."""
    prompts, ref = mobilesam_reference
    ours = segment(ort_model(onnx_files, "mobilesam", "mobilesam"), prompts, ("dog.jpg", "truck.jpg"), 2)
    assert_same_annotations(ours, ref, "mobilesam")


@pytest.mark.parametrize("model_id, fixture", [("efficientsam-ti", "efficientsam_vitt"), ("edgesam", "edgesam")])
def test_other_decoders_on_onnxruntime(model_id, fixture, onnx_files, parity_model):
    """EfficientSAM's prompt tokens, EdgeSAM's stability choice (the model's own `select`),
    on the fixture's prompts against one embedding (the encoder is checked in test_onnx_export)."""
    from tests.onnx_helpers import tensors

    torch.manual_seed(0)
    emb = torch.randn(1, 256, 64, 64)
    model, ours = parity_model(model_id, fixture), ort_model(onnx_files, model_id, fixture)
    geom = model.geometry((534, 800))
    for prompt in fixture_prompts(fixture):
        prompts = tensors(prompt, geom)
        with torch.inference_mode():
            ref_low, ref_iou = model.decode(emb, prompts)
        low, iou = ours.decode(emb, prompts)
        assert np.abs(low.numpy() - ref_low.numpy()).max() <= 1e-3 * float(ref_low.abs().max()), prompt.source
        assert np.abs(iou.numpy() - ref_iou.numpy()).max() <= SCORE_ATOL, prompt.source
        assert torch.equal(ours.select(low, iou, prompts, "auto"), model.select(ref_low, ref_iou, prompts, "auto"))


def test_decode_with_mask_prompts_and_mixed_images(onnx_files, parity_model):
    """The decoder alone, on two embeddings: mask prompts (the mask graph), prompts of
    both images interleaved come back in their order."""
    torch.manual_seed(0)
    emb = torch.randn(2, 256, 64, 64)
    prompts = PromptTensors(torch.tensor([1, 0, 1]), torch.rand(3, 2, 2) * 1000, torch.tensor([[1, 0], [1, 1], [0, 1]]),
                            masks=torch.randn(3, 1, 256, 256))
    with torch.inference_mode():
        ref_low, ref_iou = parity_model("mobilesam", "mobilesam").decode(emb, prompts)
    low, iou = ort_model(onnx_files, "mobilesam", "mobilesam").decode(emb, prompts)
    assert np.abs(low.numpy() - ref_low.numpy()).max() <= 1e-3 * float(ref_low.abs().max())
    assert np.abs(iou.numpy() - ref_iou.numpy()).max() <= SCORE_ATOL


def test_segment_cli_runs_on_onnxruntime_from_the_cache(onnx_files, parity_checkpoint, mobilesam_reference, tmp_path):
    """Files already cached for these weights: no build, no message; PyTorch's masks."""
    _, files = onnx_files("mobilesam", "mobilesam")
    weights = parity_checkpoint("mobilesam")
    folder = tmp_path / "onnx" / f"mobilesam-{file_digest(weights)[:16]}-v{EXPORT_VERSION}"
    folder.mkdir(parents=True)
    for path in (files.encoder, files.decoder, files.mask_decoder):
        hardlink_or_copy(path, folder / path.name)
    prompts, ref = mobilesam_reference
    prompt_file = tmp_path / "p.json"
    prompt_file.write_text(json.dumps(native_prompt_json("dog.jpg", prompts)))
    out = tmp_path / "out.json"
    run = samcli("segment", IMAGES_DIR / "dog.jpg", "--prompts", prompt_file, "--model", "mobilesam", "--checkpoint",
                 weights, "--runtime", "onnxruntime", "--out", out, env={"SAMCLI_HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    assert "building" not in run.stderr
    anns = json.loads(out.read_text())["annotations"]
    assert len(anns) == len(prompts)
    for k, a in enumerate(anns):  # dog.jpg's prompts come first in the reference
        assert mask_iou(mask_utils.decode(a["segmentation"]).astype(bool),
                        mask_utils.decode(ref[k].rle).astype(bool)) >= MIN_IOU


def test_missing_files_are_built_once_with_a_message(onnx_files, parity_model, parity_checkpoint, tmp_path):
    _, files = onnx_files("mobilesam", "mobilesam")
    hardlink_or_copy(files.encoder, tmp_path / cache.ENCODER)
    hardlink_or_copy(files.decoder, tmp_path / cache.DECODER)
    wanted = cache.RuntimeFiles(tmp_path, tmp_path / cache.ENCODER, tmp_path / cache.DECODER,
                                tmp_path / cache.MASK_DECODER, "fp32")
    said: list[str] = []
    model = parity_model("mobilesam", "mobilesam")
    cache.ensure_built(wanted, "mobilesam", parity_checkpoint("mobilesam"), said.append, model=model)
    assert wanted.missing() == [] and len(said) == 1 and "building" in said[0] and str(tmp_path) in said[0]
    cache.ensure_built(wanted, "mobilesam", parity_checkpoint("mobilesam"), said.append, model=model)
    assert len(said) == 1  # nothing missing: nothing built, nothing said


def test_weights_digest_is_remembered_per_path_size_and_mtime(tmp_path, monkeypatch):
    from samcli.models import checkpoint

    monkeypatch.setenv("SAMCLI_HOME", str(tmp_path / "home"))
    weights = tmp_path / "w.pt"
    weights.write_bytes(b"weights")
    assert cache.weights_digest(weights) == file_digest(weights)
    monkeypatch.setattr(checkpoint, "file_digest", lambda p: pytest.fail("hashed again"))
    assert cache.weights_digest(weights) == file_digest(weights)
    weights.write_bytes(b"other weights")
    os.utime(weights, ns=(1, 1))
    monkeypatch.setattr(checkpoint, "file_digest", file_digest)
    assert cache.weights_digest(weights) == file_digest(weights)
    memo = tmp_path / "home" / "digests.json"
    for damaged in ("[1, 2]", '{"%s": [1]}' % weights.resolve(), "{"):  # hashed again, never a crash
        memo.write_text(damaged)
        assert cache.weights_digest(weights) == file_digest(weights)


def test_runtime_choice(monkeypatch):
    assert resolve_runtime("torch", "mobilesam", "cpu", "auto") == "torch"
    assert resolve_runtime("auto", "mobilesam", "cpu", "auto") == "onnxruntime"
    assert resolve_runtime("auto", "mobilesam", "cpu", "bf16") == "torch"  # ORT here runs float32 and int8
    assert resolve_runtime("auto", "mobilesam", "cuda", "auto") == "torch"
    assert resolve_runtime("auto", "mobilesam", "cpu", "auto", compile=True) == "torch"
    for bad in (dict(device_type="cuda", precision="auto"), dict(device_type="cpu", precision="fp16")):
        with pytest.raises(InputError, match="onnxruntime"):
            resolve_runtime("onnxruntime", "mobilesam", **bad)
    with pytest.raises(InputError, match="--runtime must be one of"):
        resolve_runtime("tensorrt", "mobilesam", "cpu", "auto")
    monkeypatch.setattr(deps, "available", lambda: False)
    assert resolve_runtime("auto", "mobilesam", "cpu", "auto") == "torch"
    with pytest.raises(InputError, match=r"samcli\[onnx\]"):
        resolve_runtime("onnxruntime", "mobilesam", "cpu", "auto")


def test_runtime_usage_errors_exit_2(tmp_path):
    from tests.fake_models import write_checkpoint

    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"images": [{"file": "dog.jpg", "prompts": [{"box": [0, 0, 9, 9]}]}]}))
    checkpoint = tmp_path / "disc.pt"
    write_checkpoint(checkpoint)
    result = invoke("segment", IMAGES_DIR / "dog.jpg", "--prompts", prompts, "--model", "disc", "--checkpoint",
                    checkpoint, "--runtime", "onnxruntime", "--out", tmp_path / "o.json")
    assert result.exit_code == 2 and "has no ONNX export" in result.output
    result = invoke("segment", IMAGES_DIR / "dog.jpg", "--prompts", prompts, "--model", "disc", "--checkpoint",
                    checkpoint, "--runtime", "fast", "--out", tmp_path / "o.json")
    assert result.exit_code == 2 and "'fast' is not one of 'auto', 'torch', 'onnxruntime'" in result.output


def test_export_without_onnx_says_what_to_install(tmp_path):
    stub = tmp_path / "stub" / "onnx"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('onnx is hidden by this test')\n")
    from tests.cli_helpers import REPO

    run = samcli("export", "onnx", "--model", "mobilesam", "--out", tmp_path / "out",
                 env={"PYTHONPATH": f"{stub.parent}{os.pathsep}{REPO}"})
    assert run.returncode == 2 and "samcli[onnx]" in run.stderr
    assert not (tmp_path / "out").exists()


def test_cli_help_imports_no_torch():
    """Start-up: `samcli --help` and the command list cost no torch import."""
    code = ("import sys; from samcli.cli import app; from typer.testing import CliRunner; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.'))[:3])")
    import subprocess
    import sys

    from tests.cli_helpers import REPO

    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", f"torch imported by --help: {run.stdout}"


def test_optimised_graph_is_saved_once_and_reused(onnx_files, tmp_path):
    from samcli.onnx.sessions import machine_key, session

    _, files = onnx_files("mobilesam", "mobilesam")
    decoder = tmp_path / "decoder.onnx"
    hardlink_or_copy(files.decoder, decoder)
    feed = {"embedding": np.ones((1, 256, 64, 64), np.float32), "coords": np.full((2, 2, 2), 300, np.float32),
            "labels": np.array([[1, -1], [0, -1]])}
    first = session(decoder, 1).run(None, feed)
    saved = tmp_path / f"decoder.optimised-{machine_key()}.onnx"
    assert saved.is_file() and not list(tmp_path.glob(".*.part"))
    stamp = saved.stat().st_mtime_ns
    again = session(decoder, 1).run(None, feed)  # loads the saved graph as is
    assert saved.stat().st_mtime_ns == stamp
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    saved.write_bytes(b"not a graph")  # a broken file is replaced, not fatal
    np.testing.assert_array_equal(session(decoder, 1).run(None, feed)[0], first[0])


def test_bench_on_onnxruntime_also_times_pytorch(onnx_files, parity_checkpoint):
    from samcli.bench import BenchOptions, run_bench

    options = BenchOptions("mobilesam", str(parity_checkpoint("mobilesam")), device="cpu", num_images=1, warmup=0,
                           prompts_per_image=2, image_size=(96, 64), runtime="onnxruntime")
    report = run_bench(options, ort_model(onnx_files, "mobilesam", "mobilesam"), "parity weights")
    assert report["runtime"] == "onnxruntime" and report["images"] == 1
    vs = report["vs_torch"]
    assert vs["prompts"] == 2 and vs["speedup"] > 0 and vs["worst_iou"] >= MIN_IOU


def test_export_cli_writes_the_files_and_refuses_bad_arguments(parity_checkpoint, tmp_path):
    out = tmp_path / "onnx"
    result = invoke("export", "onnx", "--model", "edgesam", "--checkpoint", parity_checkpoint("edgesam"), "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["edgesam.decoder.onnx", "edgesam.encoder.onnx", "edgesam.json"]
    info = json.loads((out / "edgesam.json").read_text())
    assert info["weights_sha256"] == file_digest(parity_checkpoint("edgesam"))
    assert "EdgeSAM's demo rule" in info["decoder"]["mask_choice"]
    assert invoke("export", "onnx", "--model", "u2netp", "--out", out).exit_code == 2  # nothing to prompt
    (tmp_path / "file").write_text("")
    assert invoke("export", "onnx", "--model", "edgesam", "--out", tmp_path / "file").exit_code == 2
    assert invoke("export", "onnx", "--model", "edgesam", "--checkpoint", parity_checkpoint("mobilesam"),
                  "--out", out).exit_code == 3  # not this model's weights
