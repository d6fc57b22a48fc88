"""One image (or crop) through the model's own preprocessing and encoder."""
from __future__ import annotations

import numpy as np
import torch


def model_device(model) -> torch.device:
    param = next(iter(model.parameters()), None)
    return param.device if param is not None else torch.device("cpu")


def embed_image(model, image: np.ndarray) -> torch.Tensor:
    """uint8 H×W×3 RGB → (1, C, h, w) embedding on the model's device."""
    x = model.preprocess(np.ascontiguousarray(image)).to(model_device(model))
    return model.encode(model.prepare_batch([x]))


def as_batch_of_one(embedding: torch.Tensor) -> torch.Tensor:
    """Accept (C, h, w) or (1, C, h, w)."""
    if embedding.dim() == 3:
        return embedding[None]
    if embedding.dim() != 4 or embedding.shape[0] != 1:
        raise ValueError(f"expected one image's embedding, (C,h,w) or (1,C,h,w); got {tuple(embedding.shape)}")
    return embedding
