"""The Python API the CLI is built on: what the README shows works."""
from __future__ import annotations

import contextlib
import inspect
import io
import json

import numpy as np

import samcli
from tests.parity import IMAGES_DIR


def test_readme_api_example(parity_checkpoint):
    model = samcli.load_model("mobilesam", checkpoint=parity_checkpoint("mobilesam"))
    image = samcli.decode_image(IMAGES_DIR / "dog.jpg")
    anns = samcli.Segmenter(model, pipeline=samcli.PipelineOptions("cpu")).segment(image, [samcli.Prompt(box=np.array([60.0, 200, 420, 530]))])
    mask = samcli.decode_rle(anns[0].rle)
    assert mask.shape == image.shape[:2] and mask.dtype == bool
    assert anns[0].area == int(mask.sum()) and anns[0].extra["prompt_index"] == 0


def test_every_export_resolves():
    for name in samcli.__all__:
        assert getattr(samcli, name) is not None


def test_load_model_defaults_to_the_device_the_cli_defaults_to():
    from samcli.cli.segment_cmd import segment

    default = inspect.signature(samcli.load_model).parameters["device"].default
    assert default == inspect.signature(segment).parameters["device"].default == "auto"


def test_readme_api_writes_coco_results_that_score_against_the_dataset(tmp_path):
    """The README's Python API: results written as the CLI writes them, numbered by the dataset's ids."""
    from pycocotools.coco import COCO

    from tests.cli_helpers import SAMPLES
    from tests.fake_models import DiscModel

    gt = SAMPLES / "eval" / "instances_gt.json"
    prompts = samcli.load_prompts(SAMPLES / "eval" / "detections.json", coco_images=gt)
    refs = samcli.list_images(SAMPLES / "images")
    keys = [r.key for r in refs]
    per_image, unknown = samcli.match_image(prompts, keys)
    ids = samcli.image_ids_for(prompts, keys).assign(keys)
    seg = samcli.Segmenter(DiscModel(), pipeline=samcli.PipelineOptions("cpu"))
    with samcli.ResultWriter(tmp_path / "res.json", "coco-results", prompts.categories, image_ids=ids) as out:
        for result in seg.run(samcli.Job(r, per_image.get(r.key, [])) for r in refs):
            out.add(result)
    with contextlib.redirect_stdout(io.StringIO()):
        results = COCO(str(gt)).loadRes(str(tmp_path / "res.json"))
    assert unknown == [] and len(results.getAnnIds()) == 14
    assert {img["id"]: img["file_name"] for img in json.loads(gt.read_text())["images"]} == {
        ids[k]: k for k in keys}
