"""`samcli embed` and `--embeddings DIR` / `--save-embeddings DIR` with the fake
disc model (no fixtures needed): embeddings kept, reused without encoding
(counted), outputs byte-identical to plain runs, folders made otherwise
refused, and the folder's layout and manifest; shards merged."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from samcli.io.embeddings import MANIFEST, read_manifest
from tests.cli_helpers import invoke
from tests.fake_models import DiscModel, write_checkpoint
from tests.segment_job import encodes
import torch

EVERYTHING = ["--points-per-side", "4", "--pred-iou-thresh", "0.5", "--stability-score-thresh", "0.5"]


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """Five photos, two in a subfolder, one without prompts; the disc model's weights."""
    root = tmp_path_factory.mktemp("embed")
    images = root / "images"
    (images / "sub").mkdir(parents=True)
    rng = np.random.default_rng(3)
    names = ["a.png", "b.jpg", "c.png", "sub/d.png", "sub/e.png"]
    entries = []
    for i, name in enumerate(names):
        Image.fromarray(rng.integers(0, 255, (40 + 7 * i, 64 - 3 * i, 3), dtype=np.uint8)).save(images / name)
        if name != "c.png":
            entries.append({"file": name, "prompts": [{"box": [2, 2, 30, 30]}, {"points": [[10, 12]], "labels": [1]}]})
    prompts = root / "prompts.json"
    prompts.write_text(json.dumps({"images": entries}))
    return images, prompts, write_checkpoint(root / "disc.pt")


def run(job, *args, encoded: Path | None = None, model: str = "disc", checkpoint: Path | None = None):
    """A command on the job's images with the disc model; `encoded`: the file counting encoder calls."""
    images, _, ckpt = job
    env = {"SAMCLI_FAKE_ENCODE_LOG": str(encoded)} if encoded else {}
    return invoke(args[0], images, *args[1:], "--model", model, "--checkpoint", checkpoint or ckpt, env=env)


def segment(job, out: Path, *extra, **kw):
    return run(job, "segment", "-p", job[1], "-o", out, *extra, **kw)


@pytest.fixture(scope="module")
def stored(job, tmp_path_factory):
    """`samcli embed` over the job's images, and a plain segment run's output."""
    root = tmp_path_factory.mktemp("stored")
    folder, log = root / "emb", root / "encoded.log"
    result = run(job, "embed", "-o", folder, "-q", encoded=log)
    assert result.exit_code == 0, result.output
    assert encodes(log) == 5  # every image, prompts or not
    plain = root / "plain.json"
    assert segment(job, plain, "-q").exit_code == 0
    return folder, plain


def test_embed_writes_an_npy_per_image_and_the_manifest(job, stored):
    folder, _ = stored
    images, _, ckpt = job
    npys = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.npy"))
    assert npys == ["a.png.npy", "b.jpg.npy", "c.png.npy", "sub/d.png.npy", "sub/e.png.npy"]
    assert sorted(p.name for p in folder.iterdir()) == ["a.png.npy", "b.jpg.npy", "c.png.npy", MANIFEST, "sub"]
    manifest = read_manifest(folder / MANIFEST)
    h = manifest.header
    assert (h["model"], h["precision"], h["runtime"], h["dtype"]) == ("disc", "float32", "torch", "float32")
    assert h["embedding_shape"] == [1, 1, 4, 4] and h["tensor_dtype"] == "float32"
    assert h["input_size"] == 1024 and h["prompt_size"] == 1024
    import hashlib

    assert h["weights_sha256"] == hashlib.sha256(ckpt.read_bytes()).hexdigest()
    d = manifest.images["sub/d.png"]  # 61 × 55: its longest side to the 1024 frame
    assert d["original_hw"] == [61, 55] and d["resized_hw"] == [1024, int(55 * 1024 / 61 + 0.5)]
    assert d["sha256"] == hashlib.sha256((images / "sub/d.png").read_bytes()).hexdigest()
    assert d["npy"] == "sub/d.png.npy"
    array = np.load(folder / "sub/d.png.npy")
    assert array.shape == (1, 1, 4, 4) and array.dtype == np.float32
    assert array[0, 0, 0, :2].tolist() == [61, 55]  # the disc model writes the image's size into its embedding


def test_segment_with_embeddings_writes_the_same_bytes_without_encoding(job, stored, tmp_path):
    folder, plain = stored
    out, log = tmp_path / "out.json", tmp_path / "encoded.log"
    result = segment(job, out, "--embeddings", folder, encoded=log)
    assert result.exit_code == 0, result.output
    assert encodes(log) == 0 and "0 encoded, 4 read from --embeddings" in result.output
    assert out.read_bytes() == plain.read_bytes()
    with_stats = segment(job, tmp_path / "stats.json", "--embeddings", folder, "--stats")
    assert "images encoded: 0, embeddings read from --embeddings: 4" in with_stats.output
    per_image = json.loads((tmp_path / "stats.json").read_text())["images"]
    assert {img["file_name"]: img["stats"].get("embedding") for img in per_image} == {
        "a.png": "read", "b.jpg": "read", "c.png": None, "sub/d.png": "read", "sub/e.png": "read"}


def test_everything_and_eval_read_embeddings_too(job, stored, tmp_path):
    tiny = tmp_path / "tiny"  # the disc model in a small frame: everything's many masks in no time
    assert run(job, "embed", "-o", tiny, "-q", model="disc-tiny").exit_code == 0
    for crops in ([], ["--crop-n-layers", "1"]):  # crops are encoded as usual: only the whole image is stored
        for name, extra in (("plain", []), ("stored", ["--embeddings", tiny])):
            log = tmp_path / f"{name}{len(crops)}.log"
            result = run(job, "everything", "-o", tmp_path / f"{name}.jsonl", "-f", "jsonl", "-q", *EVERYTHING,
                         *crops, *extra, encoded=log, model="disc-tiny")
            assert result.exit_code == 0, result.output
            assert encodes(log) == (5 if name == "plain" else 0) + (4 * 5 if crops else 0)  # 4 crops per image
        assert (tmp_path / "stored.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()
    folder, _ = stored
    gt = tmp_path / "gt.json"
    gt.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 40}],
                              "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 2, 28, 28],
                                               "area": 784, "iscrowd": 0,
                                               "segmentation": [[2, 2, 30, 2, 30, 30, 2, 30]]}],
                              "categories": [{"id": 1, "name": "x"}]}))
    reports = []
    for extra in ([], ["--embeddings", folder]):
        result = run(job, "eval", "-a", gt, "--protocol", "box", "-o", tmp_path / "r.json", *extra)
        assert result.exit_code == 0, result.output
        reports.append(json.loads((tmp_path / "r.json").read_text())["models"][0])
    assert reports[1]["timing"]["encoded"] == 0 and reports[1]["timing"]["embeddings_read"] == 1
    for report in reports:
        del report["timing"]
    assert reports[0] == reports[1]


def test_a_folder_made_otherwise_is_refused_naming_the_difference(job, stored, tmp_path):
    folder, _ = stored
    other = tmp_path / "other.pt"
    torch.save(DiscModel(radii=(90.0, 60.0, 140.0, 160.0)).state_dict(), other)
    for kw, says in (({"checkpoint": other}, "weights (sha256) '"), ({"model": "disc-tiny"}, "model 'disc' there, "
                                                                         "'disc-tiny' in this run")):
        out = tmp_path / "out.json"
        result = segment(job, out, "--embeddings", folder, **kw)
        assert result.exit_code == 2 and says in result.output, result.output
        assert not out.exists()
        result = segment(job, out, "--save-embeddings", folder, **kw)
        assert result.exit_code == 2 and says in result.output
    result = segment(job, tmp_path / "o.json", "--embeddings", folder, "--runtime", "torch", "--precision", "bf16")
    assert result.exit_code == 2 and "precision 'float32' there, 'bfloat16' in this run" in result.output
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["runtime"] = "onnxruntime"
    odd = tmp_path / "ort"
    shutil.copytree(folder, odd)
    (odd / MANIFEST).write_text(json.dumps(manifest))
    result = segment(job, tmp_path / "o.json", "--embeddings", odd)
    assert result.exit_code == 2 and "runtime 'onnxruntime' there, 'torch' in this run" in result.output
    manifest["runtime"] = "torch"
    for field, value, says in (("tensor_dtype", "nn", '"tensor_dtype" must be one of'),  # found by make fuzz
                               ("embedding_shape", [1, 2], '"embedding_shape" is not [1, C, h, w]')):
        (odd / MANIFEST).write_text(json.dumps({**manifest, field: value}))
        result = segment(job, tmp_path / "o.json", "--embeddings", odd)
        assert result.exit_code == 2 and f"{odd / MANIFEST}: {says}" in " ".join(result.output.split()), result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = segment(job, tmp_path / "o.json", "--embeddings", empty)
    assert result.exit_code == 2 and f"no {MANIFEST} there" in result.output


def test_save_embeddings_keeps_what_a_run_encodes_and_a_changed_image_is_encoded_again(job, stored, tmp_path):
    _, plain = stored
    images, prompts, ckpt = job
    mine = tmp_path / "images"
    shutil.copytree(images, mine)
    cache, log = tmp_path / "cache", tmp_path / "encoded.log"
    local = (mine, prompts, ckpt)
    first = segment(local, tmp_path / "1.json", "--embeddings", cache, "--save-embeddings", cache, encoded=log)
    assert first.exit_code == 0, first.output
    assert encodes(log) == 4 and sorted(read_manifest(cache / MANIFEST).images) == ["a.png", "b.jpg", "sub/d.png",
                                                                                  "sub/e.png"]
    assert (tmp_path / "1.json").read_bytes().replace(str(mine).encode(), b"") \
        == plain.read_bytes().replace(str(images).encode(), b"")
    Image.open(mine / "a.png").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(mine / "a.png")  # edited
    (cache / "b.jpg.npy").write_bytes((cache / "b.jpg.npy").read_bytes()[:100])  # cut short
    log.unlink()
    again = segment(local, tmp_path / "2.json", "--embeddings", cache, "--save-embeddings", cache, encoded=log)
    assert again.exit_code == 0, again.output
    assert encodes(log) == 2 and "b.jpg: its stored embedding is unusable" in again.output
    assert (tmp_path / "2.json").read_bytes() == (tmp_path / "1.json").read_bytes()
    log.unlink()
    third = segment(local, tmp_path / "3.json", "--embeddings", cache, encoded=log)
    assert encodes(log) == 0 and third.exit_code == 0


def test_float16_embeddings_are_half_the_size_and_part_of_the_fingerprint(job, tmp_path):
    folder = tmp_path / "f16"
    assert run(job, "embed", "-o", folder, "--dtype", "float16", "-q").exit_code == 0
    assert np.load(folder / "a.png.npy").dtype == np.float16
    assert read_manifest(folder / MANIFEST).dtype == "float16"
    out = tmp_path / "out.json"
    assert segment(job, out, "--embeddings", folder, "-q", "--keep-journal").exit_code == 0
    journal = json.loads(Path(f"{out}.journal.jsonl").read_text().splitlines()[0])
    assert journal["fingerprint"]["settings"]["embeddings_dtype"] == "float16"
    resumed = segment(job, out, "--resume")  # without the float16 embeddings: another run's output
    assert resumed.exit_code == 2 and "embeddings_dtype: 'float16' in the journal, None now" in resumed.output


def test_shards_write_into_one_folder_and_merge_into_the_single_runs_manifest(job, stored, tmp_path):
    folder, _ = stored
    shared = tmp_path / "shared"
    for i in range(3):
        result = run(job, "embed", "-o", shared, "--shard", f"{i}/3", "-q")
        assert result.exit_code == 0, result.output
    parts = [shared / f"embeddings.{i}-of-3.json" for i in range(3)]
    refused = segment(job, tmp_path / "o.json", "--embeddings", shared)
    assert refused.exit_code == 2 and "merge them first" in refused.output
    assert invoke("merge", parts[0], parts[1], "-o", shared / MANIFEST).exit_code == 1  # a shard missing
    twice = invoke("merge", parts[0], parts[0], "-o", shared / MANIFEST)
    assert twice.exit_code == 2 and "given twice" in twice.output
    bad = json.loads(parts[2].read_text())
    del bad["shard"]["count"]  # found by make fuzz: a KeyError, exit 4
    (shared / "embeddings.9-of-3.json").write_text(json.dumps(bad))
    refused = invoke("merge", *parts[:2], shared / "embeddings.9-of-3.json", "-o", shared / MANIFEST)
    assert refused.exit_code == 2 and '"shard" is not' in refused.output, refused.output
    (shared / "embeddings.9-of-3.json").unlink()
    merged = invoke("merge", *parts, "-o", shared / MANIFEST)
    assert merged.exit_code == 0 and "5 embeddings" in merged.output
    assert (shared / MANIFEST).read_bytes() == (folder / MANIFEST).read_bytes()
    for npy in folder.rglob("*.npy"):
        assert (shared / npy.relative_to(folder)).read_bytes() == npy.read_bytes()


def test_a_stored_file_of_objects_is_refused_without_advice_to_unpickle_it(tmp_path):
    """numpy's own message says to load it with allow_pickle, which would run code from the file."""
    from samcli.io.embeddings import load_embedding

    path = tmp_path / "a.jpg.npy"
    np.save(path, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError) as refused:
        load_embedding(path, [1, 1, 4, 4], "float32")
    assert str(refused.value) == f"{path} is not a whole .npy file of numbers"
    path.write_bytes(path.read_bytes()[:20])  # cut short
    with pytest.raises(ValueError, match="not a whole .npy file"):
        load_embedding(path, [1, 1, 4, 4], "float32")
