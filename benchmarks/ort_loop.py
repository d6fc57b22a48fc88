"""A plain ONNX Runtime loop, as an annotator backend would write it: the files of
`samcli export onnx`, 2 threads, one decoder call per prompt, file → COCO RLE JSON.
It imports no samcli code: it follows the exported JSON alone — SAM's decoder
interface, or EfficientSAM's own (its reference exporter's) for EfficientSAM.

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
    """The JSON's recipe: longest side with Pillow's bilinear (SAM head) or, after
    ÷ divisor, a plain bilinear stretch to the square (EfficientSAM); (x − mean) / std,
    zero padding bottom/right."""
    s = pre["input_size"]
    if pre["resize"] == "longest_side":
        h, w = longest_side(image.height, image.width, s)
        image = image.resize((w, h), Image.BILINEAR)
    x = np.asarray(image, np.float32)
    x = x / np.float32(pre["divisor"]) if pre["divisor"] != 1 else x
    if pre["resize"] == "stretch":
        import cv2  # EfficientSAM only: torch's plain bilinear (half-pixel centres, no antialiasing)

        x = cv2.resize(x, (s, s), interpolation=cv2.INTER_LINEAR)
    x = ((x - np.asarray(pre["mean"], np.float32)) / np.asarray(pre["std"], np.float32)).transpose(2, 0, 1)
    out = np.zeros((1, 3, s, s), np.float32)
    out[0, :, :x.shape[1], :x.shape[2]] = x
    return out


def sam_box(decoder, info: dict, embedding: np.ndarray, box: np.ndarray, h: int, w: int) -> tuple[np.ndarray, float]:
    """SAM's interface: corners in the 1024 prompt frame, labels 2 / 3, one mask (`> 0`)."""
    rh, rw = longest_side(h, w, info["decoder"]["prompt_side"])
    corners = box.reshape(2, 2) * np.array([rw / w, rh / h], np.float32)
    masks, scores, _ = decoder.run(None, {
        "image_embeddings": embedding, "point_coords": corners[None],
        "point_labels": np.array([[2, 3]], np.float32), "mask_input": np.zeros((1, 1, 256, 256), np.float32),
        "has_mask_input": np.zeros(1, np.float32), "orig_im_size": np.array([h, w], np.float32)})
    return masks[0, 0] > info["decoder"]["mask_threshold"], float(scores[0, 0])


def efficientsam_box(decoder, info: dict, embedding: np.ndarray, box: np.ndarray, h: int,
                     w: int) -> tuple[np.ndarray, float]:
    """EfficientSAM's interface: corners in original pixels, the best of 3 candidates (`>= 0`)."""
    masks, scores, _ = decoder.run(None, {
        "image_embeddings": embedding, "batched_point_coords": box.reshape(1, 1, 2, 2),
        "batched_point_labels": np.array([[[2, 3]]], np.float32), "orig_im_size": np.array([h, w], np.int64)})
    best = int(np.argmax(scores[0, 0]))
    return masks[0, 0, best] >= info["decoder"]["mask_threshold"], float(scores[0, 0, best])


def main(folder: str, model_id: str, images: str, prompts: str, out: str) -> None:
    info = json.loads((Path(folder) / f"{model_id}.json").read_text())
    decode = {"sam": sam_box, "efficientsam": efficientsam_box}[info["decoder"]["interface"]]
    encoder = session(Path(folder) / info["encoder"]["file"])
    decoder = session(Path(folder) / info["decoder"]["file"])
    results = []
    for item in json.loads(Path(prompts).read_text())["images"]:
        image = Image.open(Path(images) / item["file"]).convert("RGB")
        (embedding,) = encoder.run(None, {"image": preprocess(image, info["preprocessing"])})
        for k, prompt in enumerate(item["prompts"]):
            mask, score = decode(decoder, info, embedding, np.asarray(prompt["box"], np.float32), image.height,
                                 image.width)
            rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
            rle["counts"] = rle["counts"].decode("ascii")
            results.append({"image": item["file"], "prompt_index": k, "score": score, "segmentation": rle})
    Path(out).write_text(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:6])
