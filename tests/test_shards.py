"""`--shard I/N` + `samcli merge` equal a single run, for every format; shards
missing, given twice or from another job are reported."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from samcli.io.shards import Shard, image_ids, shard_of
from tests.cli_helpers import invoke
from tests.fake_models import write_checkpoint

EXT = {"coco": "json", "coco-results": "json", "jsonl": "jsonl"}


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    images = root / "images"
    (images / "sub").mkdir(parents=True)
    rng = np.random.default_rng(1)
    names = [f"a{i}.png" for i in range(5)] + [f"sub/b{i}.png" for i in range(4)]
    entries = []
    for i, name in enumerate(names):
        Image.fromarray(rng.integers(0, 255, (40 + i, 50, 3), dtype=np.uint8)).save(images / name)
        entries.append({"file": name, "prompts": [{"box": [2, 2, 30, 30], "category_id": 1 + i % 3}]})
    (images / "broken.png").write_bytes(b"not a png")  # a failed image uses up an id in every run
    prompts = root / "p.json"
    prompts.write_text(json.dumps({"images": entries}))
    return images, prompts, write_checkpoint(root / "disc.pt")


def segment(job, out: Path, fmt: str, *extra):
    images, prompts, ckpt = job
    return invoke("segment", images, "-p", prompts, "-o", out, "-f", fmt, "-q", "--model", "disc",
                  "--checkpoint", ckpt, *extra)


def test_shards_partition_by_key_whatever_the_listing_order():
    keys = [f"img{i}.jpg" for i in range(300)]
    parts = [[k for k in keys if Shard(i, 4).holds(k)] for i in range(4)]
    assert sorted(sum(parts, [])) == sorted(keys) and all(40 < len(p) < 110 for p in parts)
    assert [shard_of(k, 4) for k in reversed(keys)] == [shard_of(k, 4) for k in keys][::-1]
    assert image_ids(["b", "a", "c"]) == {"a": 1, "b": 2, "c": 3}


@pytest.mark.parametrize("fmt", ["coco", "coco-results", "jsonl"])
def test_three_shards_merged_equal_the_single_run(job, tmp_path, fmt):
    single = tmp_path / f"single.{EXT[fmt]}"
    assert segment(job, single, fmt).exit_code == 1  # broken.png fails, in every run alike
    parts = []
    for i in range(3):
        part = tmp_path / f"part{i}.{EXT[fmt]}"
        segment(job, part, fmt, "--shard", f"{i}/3")
        assert Path(f"{part}.shard.json").is_file()
        parts.append(part)
    merged = tmp_path / f"merged.{EXT[fmt]}"
    result = invoke("merge", *parts, "-o", merged)
    assert result.exit_code == 0, result.output
    assert merged.read_bytes() == single.read_bytes()


def test_merge_reports_missing_overlapping_and_foreign_shards(job, tmp_path):
    parts = []
    for i in range(3):
        parts.append(tmp_path / f"part{i}.json")
        segment(job, parts[-1], "coco", "--shard", f"{i}/3")
    missing = invoke("merge", parts[0], parts[2], "-o", tmp_path / "m.json")
    assert missing.exit_code == 1 and "missing shard 1/3" in missing.output
    twice = invoke("merge", parts[0], parts[0], parts[1], parts[2], "-o", tmp_path / "m.json")
    assert twice.exit_code == 2 and "given twice" in twice.output
    other = tmp_path / "other.json"
    segment(job, other, "coco", "--shard", "1/2")
    foreign = invoke("merge", parts[0], other, "-o", tmp_path / "m.json")
    assert foreign.exit_code == 2 and "another job" in foreign.output
    mixed = invoke("merge", parts[0], tmp_path / "nothing.json", "-o", tmp_path / "m.json")
    assert mixed.exit_code == 2


def test_bad_shard_spec_is_a_usage_error(job, tmp_path):
    result = segment(job, tmp_path / "o.json", "coco", "--shard", "3/3")
    assert result.exit_code == 2 and "0 <= I < N" in result.output
