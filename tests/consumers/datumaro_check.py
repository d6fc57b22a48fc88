"""Run by the consumers' venv: Datumaro (CVAT's dataset library) imports a samcli coco output.

    datumaro_check.py COCO.json MASKS.npz

Imports it as CVAT's COCO 1.0 importer does (format coco_instances), prints a JSON summary
(items, annotation kinds, label names, polygon vertex counts) and writes each RLE mask as
Datumaro decoded it to MASKS.npz (key: annotation id).
"""
import json
import os
import shutil
import sys
import tempfile
from collections import Counter

import datumaro as dm
import numpy as np

coco_path, masks_path = sys.argv[1:3]
root = tempfile.mkdtemp()
os.makedirs(os.path.join(root, "annotations"))
os.makedirs(os.path.join(root, "images", "default"))  # the layout the importer expects; images are not read
shutil.copy(coco_path, os.path.join(root, "annotations", "instances_default.json"))
dataset = dm.Dataset.import_from(root, "coco_instances")
labels = [c.name for c in dataset.categories()[dm.AnnotationType.label]]
kinds, masks, polygons = Counter(), {}, {}
for item in dataset:
    for ann in item.annotations:
        kinds[type(ann).__name__] += 1
        if isinstance(ann, dm.RleMask):
            masks[str(ann.id)] = ann.image.astype(np.uint8)
        elif isinstance(ann, dm.Polygon):
            polygons[str(ann.id)] = len(ann.points) // 2
np.savez_compressed(masks_path, **masks)
shutil.rmtree(root)
print(json.dumps({"items": len(dataset), "kinds": kinds, "labels": labels, "polygon_vertices": polygons}))
