"""samcli `segment` vs MobileSAM's own predictor loop on the CPU, same weights.

Both sides load the deterministic MobileSAM checkpoint of the parity fixtures
(`tests/parity.py:write_checkpoint`), then for every image of the shared
images (8 box prompts each, fixed seed) go from the file on disk to COCO RLEs
written as JSON:

- reference: decode with PIL, `SamPredictor.set_image`, one
  `predict_torch(boxes=all, multimask_output=False)`, pycocotools RLE of each
  mask, `json.dumps`;
- samcli: `Segmenter.run` with its defaults, results through `ResultWriter`.

Timed runs alternate between the two after a warm-up; medians and the ratio
are printed (also per pair of neighbouring runs, which is steadier when other
work shares the CPU), and the per-prompt mask IoU between the two outputs.

    python benchmarks/bench_vs_reference.py --reference /work/ref/MobileSAM [--repeat 5]

`--reference` is a local checkout of github.com/ChaoningZhang/MobileSAM (not
part of this repository). Its `timm` and `torchvision` imports are satisfied
by the minimal stand-ins below, which cover exactly what inference touches.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from pycocotools import mask as mask_utils

from common import box_prompts, header  # noqa: E402
from samcli.engine.pipeline import Job
from samcli.engine.pipeline import PipelineOptions
from samcli.engine.segment import SegmentOptions, Segmenter
from samcli.io.images import list_images
from samcli.io.prompts.types import Prompt
from samcli.models import load_model
from samcli.ops import rle
from samcli.writers.results import ResultWriter
from tests.parity import IMAGES_DIR, mask_iou, write_checkpoint


def install_stand_ins() -> None:
    """Minimal `timm` / `torchvision` modules: what MobileSAM imports for
    inference (layers it builds with drop rate 0, an init it never needs once
    weights are loaded, and torchvision's PIL resize)."""

    def module(name: str, **attrs) -> types.ModuleType:
        mod = types.ModuleType(name)
        mod.__dict__.update(attrs)
        sys.modules[name] = mod
        return mod

    class DropPath(torch.nn.Identity):
        def __init__(self, drop_prob=None) -> None:
            super().__init__()
            self.drop_prob = drop_prob

    module("timm")
    module("timm.models")
    module("timm.models.layers", DropPath=DropPath, to_2tuple=lambda x: x if isinstance(x, tuple) else (x, x),
           trunc_normal_=lambda t, std=1.0: torch.nn.init.trunc_normal_(t, std=std))
    module("timm.models.registry", register_model=lambda fn: fn)

    def pil_resize(img: Image.Image, size) -> Image.Image:  # torchvision's PIL path: size is (h, w)
        return img.resize((size[1], size[0]), Image.BILINEAR)

    def unavailable(*_a, **_k):
        raise NotImplementedError("not needed by the predictor loop")

    module("torchvision")
    module("torchvision.transforms")
    module("torchvision.transforms.functional", resize=pil_resize, to_pil_image=Image.fromarray)
    module("torchvision.ops")
    module("torchvision.ops.boxes", batched_nms=unavailable, box_area=unavailable)


def load_rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def image_boxes(refs, n: int) -> list[np.ndarray]:
    out = []
    for i, ref in enumerate(refs):
        with Image.open(ref.path) as im:
            w, h = im.size
        out.append(box_prompts(w, h, n, seed=i))
    return out


def run_reference(predictor, refs, boxes, out_path: Path) -> list[list[np.ndarray]]:
    masks_per_image, results = [], []
    for ref, b in zip(refs, boxes):
        image = load_rgb(ref.path)
        predictor.set_image(image)
        tb = predictor.transform.apply_boxes_torch(torch.as_tensor(b, dtype=torch.float), image.shape[:2])
        masks, scores, _ = predictor.predict_torch(None, None, boxes=tb, multimask_output=False)
        masks = masks[:, 0].numpy()
        anns = []
        for m, s in zip(masks, scores[:, 0].tolist()):
            r = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
            r["counts"] = r["counts"].decode("ascii")
            anns.append({"segmentation": r, "score": s})
        results.append({"file": str(ref.path), "annotations": anns})
        masks_per_image.append(list(masks))
    out_path.write_text(json.dumps(results))
    return masks_per_image


def run_samcli(segmenter, refs, boxes, out_path: Path) -> list:
    jobs = [Job(ref, [Prompt(box=bb) for bb in b]) for ref, b in zip(refs, boxes)]
    results = []
    with ResultWriter(str(out_path), "coco-results") as writer:
        for result in segmenter.run(jobs):
            assert result.ok and not result.prompt_errors, result
            writer.add(result)
            results.append(result)
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", type=Path, required=True, help="checkout of ChaoningZhang/MobileSAM")
    ap.add_argument("--images", type=Path, default=IMAGES_DIR)
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--prompt-batch", type=int, default=None)
    args = ap.parse_args()
    torch.set_grad_enabled(False)

    install_stand_ins()
    sys.path.insert(0, str(args.reference))
    from mobile_sam import SamPredictor, sam_model_registry

    tmp = Path(tempfile.mkdtemp(prefix="bench_vs_ref_"))
    ckpt = write_checkpoint("mobilesam", tmp / "mobilesam_deterministic.pt")
    reference = sam_model_registry["vit_t"](checkpoint=str(ckpt))
    reference.eval()  # refreshes TinyViT's attention-bias cache (see the parity README)
    predictor = SamPredictor(reference)
    model = load_model("mobilesam", checkpoint=ckpt, offline=True, progress=False)
    segmenter = Segmenter(model, SegmentOptions(prompt_batch=args.prompt_batch), PipelineOptions("cpu"))

    refs = list_images(args.images)
    boxes = image_boxes(refs, args.prompts)
    header(f"samcli segment vs MobileSAM predictor loop: {len(refs)} images x {args.prompts} boxes", torch.device("cpu"))

    ref_masks = run_reference(predictor, refs, boxes, tmp / "ref.json")  # warm-up
    ours = run_samcli(segmenter, refs, boxes, tmp / "ours.json")
    times: dict[str, list[float]] = {"reference": [], "samcli": []}
    for _ in range(args.repeat):
        for name, fn in (("reference", lambda: run_reference(predictor, refs, boxes, tmp / "ref.json")),
                         ("samcli", lambda: run_samcli(segmenter, refs, boxes, tmp / "ours.json"))):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)

    ious = [mask_iou(rle.decode(a.rle), m) for r, ms in zip(ours, ref_masks) for a, m in zip(r.annotations, ms)]
    t_ref, t_ours = statistics.median(times["reference"]), statistics.median(times["samcli"])
    print(f"reference  median {t_ref:7.3f} s   runs {' '.join(f'{t:.3f}' for t in times['reference'])}")
    print(f"samcli     median {t_ours:7.3f} s   runs {' '.join(f'{t:.3f}' for t in times['samcli'])}")
    pairs = [r / o for r, o in zip(times["reference"], times["samcli"])]
    print(f"samcli is {t_ref / t_ours:.2f}x faster (ratio of medians; median of per-run ratios "
          f"{statistics.median(pairs):.2f}x, range {min(pairs):.2f}-{max(pairs):.2f}x)")
    print(f"mask IoU samcli vs reference over {len(ious)} prompts: min {min(ious):.5f}  mean {np.mean(ious):.5f}")
    stages = {k: sum(r.stats.get("time_s", {}).get(k, 0.0) for r in ours) for k in ("read", "encode", "decode", "postprocess")}
    print("samcli stages (warm-up run, summed over images): " + ", ".join(f"{k} {v:.3f}" for k, v in stages.items()))


if __name__ == "__main__":
    main()
