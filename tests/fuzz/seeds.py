"""Valid input files, the starting points of the fuzz cases: a case is a set of
files (name → bytes), so readers that take two files (COCO results + their
images, YOLO labels + data.yaml, a shard output + its manifest) are fuzzed
together."""
from __future__ import annotations

import io
import json

import numpy as np

from samcli.engine.records import Annotation, ImageResult
from samcli.ops import rle

Case = dict[str, bytes]


def _json(value) -> bytes:
    return json.dumps(value).encode()


def _lines(values) -> bytes:
    return b"".join(json.dumps(v).encode() + b"\n" for v in values)


NATIVE = {"categories": [{"id": 1, "name": "dog"}, {"id": 2, "name": "cat"}], "images": [
    {"file": "a.jpg", "prompts": [{"box": [1, 2, 30, 40], "category_id": 1},
                                   {"points": [[5, 5], [10, 12]], "labels": [1, 0]},
                                   {"box": [2.5, 2, 20, 20], "points": [[8, 8]], "category": "cat", "score": 0.7}]},
    {"file": "sub/b.png", "prompts": [{"points": [[3, 4]]}]}]}
COCO_IMAGES = [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}, {"id": 7, "file_name": "sub/b.png"}]
COCO = {"images": COCO_IMAGES, "categories": [{"id": 1, "name": "dog"}, {"id": 3, "name": "cat"}],
        "annotations": [{"id": 1, "image_id": 1, "bbox": [1, 2, 20, 10], "category_id": 1},
                        {"id": 2, "image_id": 7, "bbox": [0, 0, 5.5, 5], "category_id": 3, "score": 0.4}]}
RESULTS = [{"image_id": 1, "bbox": [1, 2, 20, 10], "score": 0.9, "category_id": 1},
           {"image_id": 7, "bbox": [3, 3, 10, 10], "score": 0.2, "category_id": 18}]
GDINO = [{"file": "a.jpg", "boxes": [[0.5, 0.5, 0.2, 0.3], [0.1, 0.2, 0.1, 0.1]], "logits": [0.53, 0.4],
          "phrases": ["dog", "cat"]},
         {"image": "sub/b.png", "boxes": [[0.3, 0.3, 0.2, 0.2]], "phrases": ["dog(0.61)"]}]

PROMPTS: dict[str, list[Case]] = {
    "native-json": [{"p.json": _json(NATIVE)}, {"p.json": _json(NATIVE["images"])}],
    "native-jsonl": [{"p.jsonl": _lines(NATIVE["images"])}],
    "coco-dataset": [{"p.json": _json(COCO)}],
    "coco-results": [{"p.json": _json(RESULTS)}, {"p.json": _json(RESULTS), "images.json": _json({"images": COCO_IMAGES})}],
    "coco-results-jsonl": [{"p.jsonl": _lines(RESULTS)}],
    "gdino-json": [{"p.json": _json(GDINO)}, {"p.json": _json({"a.jpg": GDINO[0], "b.png": GDINO[1]})}],
    "gdino-jsonl": [{"p.jsonl": _lines(GDINO)}],
    "yolo": [{"labels/a.txt": b"0 0.5 0.5 0.2 0.3\n1 0.1 0.1 0.05 0.05 0.9\n",
              "labels/sub/b.txt": b"2 0.1 0.1 0.5 0.1 0.6 0.3\n0 0.2 0.2 0.4 0.2 0.4 0.4 0.8\n"}],
}
NAMES: dict[str, list[Case]] = {
    "names-yaml": [{"data.yaml": b"path: ../x\nnames:\n  0: person\n  1: car\n  2: dog\n"},
                   {"data.yaml": b"nc: 3\nnames: [person, car, 'dog']\n"}],
    "names-txt": [{"names.txt": b"person\ncar\ndog\n"}],
}


def _masks(seed: int, n: int, h: int = 12, w: int = 16) -> list[dict]:
    rng = np.random.default_rng(seed)
    masks = np.zeros((n, h, w), bool)
    for m in masks:
        y, x = rng.integers(0, h - 2), rng.integers(0, w - 2)
        m[y:y + rng.integers(2, h - y + 1), x:x + rng.integers(2, w - x + 1)] = True
    return rle.encode(masks)


def _image_result(i: int, n: int) -> dict:
    rles = _masks(i, n)
    anns = [Annotation(r, b, a, 0.9 - k / 10, 1 + k % 2, {"prompt_index": k})
            for k, (r, b, a) in enumerate(zip(rles, rle.bbox(rles), rle.area(rles)))]
    return ImageResult(f"img{i}.jpg", f"/data/img{i}.jpg", 16, 12, anns, warnings=["w"] if i else []).to_json()


FINGERPRINT = {"command": "segment", "settings": {"multimask": "auto"}}
EVAL_FINGERPRINT = {"command": "eval", "settings": {"protocol": "box"}}
_EVAL = [{"file": "img0.jpg", "path": "/d/img0.jpg", "width": 16, "height": 12, "image_id": 1,
          "instances": [{"id": 5, "category_id": 1, "area": 30.0, "iou": [0.8], "clicks": [[3.5, 4.0, 1]]}]},
         {"file": "img1.jpg", "path": "/d/img1.jpg", "width": 16, "height": 12, "image_id": "b",
          "detections": [{"image_id": "b", "category_id": 2, "score": 0.5, "segmentation": _masks(9, 1)[0]}]},
         {"file": "img2.jpg", "path": "/d/img2.jpg", "width": 16, "height": 12, "image_id": 3, "error": "bad"}]
JOURNALS: dict[str, list[Case]] = {
    "journal": [{"j.journal.jsonl": _lines([{"samcli_journal": 1, "fingerprint": FINGERPRINT}]
                                           + [_image_result(i, i) for i in range(3)])}],
    "journal-eval": [{"j.journal.jsonl": _lines([{"samcli_journal": 1, "fingerprint": EVAL_FINGERPRINT}] + _EVAL)}],
}


def _manifest(index: int, fmt: str) -> bytes:
    return _json({"samcli_shard": 1, "shard": [index, 2], "images_total": 3, "images_in_shard": 2 - index,
                  "listing_sha256": "ab12", "format": fmt, "samcli": "0.1.0"})


def _shard_outputs(fmt: str, ext: str) -> Case:
    case: Case = {}
    for index, ids in ((0, (1, 3)), (1, (2,))):
        recs = [(i, _image_result(i, 2)) for i in ids]
        anns = [{"image_id": i, **a} for i, r in recs for a in r["annotations"]]
        if fmt == "jsonl":
            body = _lines({"image_id": i, "file": r["file"], "annotations": r["annotations"]} for i, r in recs)
        elif fmt == "coco":
            body = _json({"info": {}, "images": [{"id": i, "file_name": r["file"]} for i, r in recs],
                          "annotations": [{"id": n, **a} for n, a in enumerate(anns, 1)],
                          "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]})
        else:
            body = _json(anns)
        case[f"part{index}.{ext}"] = body
        case[f"part{index}.{ext}.shard.json"] = _manifest(index, fmt)
    return case


MERGE: dict[str, list[Case]] = {
    "merge-coco": [_shard_outputs("coco", "json")],
    "merge-coco-results": [_shard_outputs("coco-results", "json")],
    "merge-jsonl": [_shard_outputs("jsonl", "jsonl")],
}


def _npy(seed: int) -> bytes:
    f = io.BytesIO()
    np.save(f, np.random.default_rng(seed).standard_normal((1, 2, 2, 2)).astype(np.float32))
    return f.getvalue()


def _embeddings_manifest(keys: list[str], shard: dict | None = None) -> bytes:
    header = {"samcli_embeddings": 1, "samcli": "0.1.0", "model": "mobilesam", "weights_sha256": "ab" * 32,
              "precision": "float32", "runtime": "torch", "dtype": "float32", "embedding_shape": [1, 2, 2, 2],
              "tensor_dtype": "float32", "input_size": 1024, "prompt_size": 1024, "preprocessing": None}
    if shard is not None:
        header["shard"] = shard
    return _json({**header, "images": {k: {"npy": f"{k}.npy", "original_hw": [12, 16], "resized_hw": [768, 1024],
                                           "input_hw": [768, 1024], "sha256": f"{n:064d}"} for n, k in enumerate(keys)}})


def _embeddings_shard(index: int, keys: list[str]) -> bytes:
    return _embeddings_manifest(keys, {"index": index, "count": 2, "listing_sha256": "cd" * 32, "images_total": 3})


EMBEDDINGS: dict[str, list[Case]] = {
    "embeddings": [{"emb/embeddings.json": _embeddings_manifest(["a.jpg", "sub/b.png"]), "emb/a.jpg.npy": _npy(0),
                    "emb/sub/b.png.npy": _npy(1)}],
    "embeddings-merge": [{"emb/embeddings.0-of-2.json": _embeddings_shard(0, ["a.jpg", "sub/b.png"]),
                          "emb/embeddings.1-of-2.json": _embeddings_shard(1, ["c.jpg"])}],
}
