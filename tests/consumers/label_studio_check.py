"""Run by the consumers' venv: Label Studio's own code on a samcli labelstudio output.

    label_studio_check.py TASKS.json LABELING_CONFIG.xml MASKS.npz

Validates the labeling config and every prediction with Label Studio's LabelInterface,
decodes every brush region with label_studio_sdk.converter.brush.decode_rle into
MASKS.npz (key: the region id, 0/1 uint8), and re-encodes it with the reference
mask2rle to compare bytes. Prints a JSON summary.
"""
import json
import sys

import numpy as np
from label_studio_sdk.converter.brush import decode_rle, mask2rle
from label_studio_sdk.label_interface import LabelInterface

tasks_path, config_path, masks_path = sys.argv[1:4]
interface = LabelInterface(open(config_path, encoding="utf-8").read())
interface.validate()
errors, masks, same_bytes, regions = [], {}, 0, 0
for task in json.load(open(tasks_path, encoding="utf-8")):
    prediction = task["predictions"][0]
    errors += interface.validate_prediction(prediction, return_errors=True)
    for region in prediction["result"]:
        regions += 1
        if region["type"] != "brushlabels":
            continue
        h, w = region["original_height"], region["original_width"]
        alpha = decode_rle(region["value"]["rle"]).reshape(h, w, 4)[:, :, 3]
        masks[region["id"]] = (alpha > 0).astype(np.uint8)
        same_bytes += mask2rle(alpha) == region["value"]["rle"]
np.savez_compressed(masks_path, **masks)
print(json.dumps({"errors": errors, "regions": regions, "decoded": len(masks), "reference_bytes_equal": same_bytes}))
