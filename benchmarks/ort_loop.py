"""A plain ONNX Runtime loop, as an annotator backend would write it: the files of
`samcli export onnx` (SAM's decoder interface), 2 threads, file → COCO RLE JSON.
It imports no samcli code: it follows the exported JSON alone.

    python benchmarks/ort_loop.py DIR MODEL_ID IMAGES_DIR PROMPTS.json OUT.json

PROMPTS.json is samcli's native prompt file with boxes only (bench_vs_ort_loop.py writes it).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image
from pycocotools import mask as mask_utils

THREADS = 2


def session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def longest_side(h: int, w: int, side: int) -> tuple[int, int]:
    scale = side / max(h, w)
    return int(h * scale + 0.5), int(w * scale + 0.5)


def preprocess(image: Image.Image, pre: dict) -> np.ndarray:
    """The JSON's recipe for a SAM-head model: longest side with Pillow's bilinear,
    ÷ divisor, (x − mean) / std, zero padding bottom/right."""
    s = pre["input_size"]
    h, w = longest_side(image.height, image.width, s)
    x = np.asarray(image.resize((w, h), Image.BILINEAR), np.float32).transpose(2, 0, 1)
    x = x / np.float32(pre["divisor"]) if pre["divisor"] != 1 else x
    x = (x - np.asarray(pre["mean"], np.float32)[:, None, None]) / np.asarray(pre["std"], np.float32)[:, None, None]
    out = np.zeros((1, 3, s, s), np.float32)
    out[0, :, :h, :w] = x
    return out


def main(folder: str, model_id: str, images: str, prompts: str, out: str) -> None:
    info = json.loads((Path(folder) / f"{model_id}.json").read_text())
    assert info["decoder"]["interface"] == "sam", "this loop speaks SAM's decoder interface"
    encoder = session(Path(folder) / info["encoder"]["file"])
    decoder = session(Path(folder) / info["decoder"]["file"])
    side = info["decoder"]["prompt_side"]
    results = []
    for item in json.loads(Path(prompts).read_text())["images"]:
        image = Image.open(Path(images) / item["file"]).convert("RGB")
        (embedding,) = encoder.run(None, {"image": preprocess(image, info["preprocessing"])})
        h, w = image.height, image.width
        rh, rw = longest_side(h, w, side)
        scale = np.array([rw / w, rh / h], np.float32)
        for k, prompt in enumerate(item["prompts"]):
            corners = np.asarray(prompt["box"], np.float32).reshape(2, 2) * scale
            masks, scores, _ = decoder.run(None, {
                "image_embeddings": embedding, "point_coords": corners[None],
                "point_labels": np.array([[2, 3]], np.float32), "mask_input": np.zeros((1, 1, 256, 256), np.float32),
                "has_mask_input": np.zeros(1, np.float32), "orig_im_size": np.array([h, w], np.float32)})
            rle = mask_utils.encode(np.asfortranarray((masks[0, 0] > info["decoder"]["mask_threshold"]).astype(np.uint8)))
            rle["counts"] = rle["counts"].decode("ascii")
            results.append({"image": item["file"], "prompt_index": k, "score": float(scores[0, 0]),
                            "segmentation": rle})
    Path(out).write_text(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:6])
