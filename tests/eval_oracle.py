"""The oracle of tests/eval_fakes.py as a command-line model: with
`SAMCLI_PLUGINS=tests.eval_oracle`, model "oracle" answers every prompt with a
ground-truth mask of $SAMCLI_ORACLE_GT, so `samcli eval` must score it 1.0.

It recognises each image of $SAMCLI_ORACLE_IMAGES by its decoded pixels, and
carries the image's number through the embedding; per image it is the
single-image OracleModel (box: the instance with the nearest box; points: the
smallest instance holding the first point). Its low-res "logits" hold
image number × STRIDE + instance number. Weights: `fake_models.write_checkpoint`
(the disc model's buffers, which the oracle inherits).
"""
from __future__ import annotations

import hashlib
import os

import numpy as np
import torch

from samcli.errors import InputError
from samcli.eval.ground_truth import read_ground_truth
from samcli.io.images import decode_image, list_images
from samcli.models.base import Geometry, PromptTensors
from samcli.models.spec import ModelSpec
from tests.eval_fakes import NOTHING, TOKEN_IOUS, OracleModel
from tests.fake_models import DiscModel

GT_ENV, IMAGES_ENV = "SAMCLI_ORACLE_GT", "SAMCLI_ORACLE_IMAGES"
STRIDE = 1000  # instances per image, at most


def pixels_digest(image: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()


class GtOracle(DiscModel):
    def __init__(self) -> None:
        super().__init__()
        gt = read_ground_truth(os.environ[GT_ENV])
        self.oracles: list[OracleModel] = []  # one per image with instances
        self.numbers: dict[str, int] = {}  # pixels digest → its oracle
        for ref in list_images(os.environ[IMAGES_ENV]):
            image = gt.images.get(ref.key)
            try:
                pixels = decode_image(ref.path)
            except InputError:  # a test's broken image: the command reports it, the oracle never sees it
                continue
            if image is not None and image.instances:
                self.numbers[pixels_digest(pixels)] = len(self.oracles)
                self.oracles.append(OracleModel([inst.mask() for inst in image.instances]))

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        return torch.tensor([float(self.numbers.get(pixels_digest(image), NOTHING))])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        super().encode(x)  # the disc model's encode log and delay, for resume tests
        return x[:, :1, None, None].expand(-1, 1, 4, 4).clone()

    def decode(self, embeddings: torch.Tensor, prompts: PromptTensors):
        image_of = embeddings[prompts.image_index, 0, 0, 0].long()
        number = torch.full((len(prompts), 4, 256, 256), NOTHING)
        for k in image_of.unique().tolist():
            if k == NOTHING:
                continue
            rows = (image_of == k).nonzero()[:, 0]
            part = PromptTensors(*(None if t is None else t[rows] for t in (
                prompts.image_index, prompts.coords, prompts.labels, prompts.boxes, prompts.masks)))
            local, _ = self.oracles[k].decode(embeddings, part)
            number[rows] = torch.where(local == NOTHING, local, local + k * STRIDE)
        return number, torch.tensor(TOKEN_IOUS).expand(len(prompts), 4)

    def upscale(self, low_res: torch.Tensor, geom: Geometry) -> torch.Tensor:
        rows = []
        for row in low_res:
            value = int(row[0, 0, 0])
            k = value // STRIDE
            rows.append(torch.full((1, row.shape[0], *geom.original_hw), -1.0) if value == NOTHING
                        else self.oracles[k].upscale(row[None] - k * STRIDE, geom))
        return torch.cat(rows)


SPECS = (
    ModelSpec(id="oracle", family="test", summary="test stand-in: the ground-truth mask of each prompt",
              build=GtOracle, url="http://127.0.0.1:9/oracle.pt", filename="oracle.pt", licence="test only",
              input_size=1024),
)
