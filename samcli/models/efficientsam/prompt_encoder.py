"""EfficientSAM's prompt encoder: everything is a point (a box is two corner
points), each query padded to a fixed number of point tokens."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from samcli.errors import InputError
from samcli.models.base import PromptTensors
from samcli.models.sam_head.prompt_encoder import RandomFourierPE

PAD_LABEL, NEGATIVE, POSITIVE, BOX_TOP_LEFT, BOX_BOTTOM_RIGHT = -1, 0, 1, 2, 3


def points_with_box_corners(prompts: PromptTensors, max_points: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Prompt-frame points + box → (B, max_points, 2) coords, (B, max_points) labels.

    Order as the reference's box usage: the points, then the box as (x0, y0)
    label 2 and (x1, y1) label 3. Negative coordinates become −1 per axis
    (`get_rescaled_pts`), then padding at (−1, −1) with label −1. The reference
    silently drops points beyond `max_points`; we refuse them instead.
    """
    coords, labels = [], []
    if prompts.coords is not None:
        coords.append(prompts.coords)
        labels.append(prompts.labels.long())
    if prompts.boxes is not None:
        coords.append(prompts.boxes.reshape(-1, 2, 2))
        # made on the device (no host→device copy, so no GPU sync): the labels are consecutive
        corner_labels = torch.arange(BOX_TOP_LEFT, BOX_BOTTOM_RIGHT + 1, device=prompts.boxes.device)
        labels.append(corner_labels.expand(prompts.boxes.shape[0], 2))
    if not coords:
        raise InputError("EfficientSAM needs at least one point or a box per prompt")
    xy, lab = torch.cat(coords, dim=1), torch.cat(labels, dim=1)
    n = xy.shape[1]
    if n > max_points:
        raise InputError(
            f"EfficientSAM accepts at most {max_points} points per prompt, a box counting as 2; got {n}"
        )
    xy = torch.where(xy >= 0, xy, -1.0)
    xy = F.pad(xy, (0, 0, 0, max_points - n), value=-1.0)
    lab = F.pad(lab, (0, max_points - n), value=PAD_LABEL)
    return xy, lab


class EfficientSamPromptEncoder(nn.Module):
    def __init__(self, embed_dim: int = 256, embedding_hw: tuple[int, int] = (64, 64),
                 input_hw: tuple[int, int] = (1024, 1024)) -> None:
        super().__init__()
        self.embedding_hw = embedding_hw
        self.input_hw = input_hw
        self.pe_layer = RandomFourierPE(embed_dim // 2)
        self.invalid_points = nn.Embedding(1, embed_dim)
        self.point_embeddings = nn.Embedding(1, embed_dim)
        self.bbox_top_left_embeddings = nn.Embedding(1, embed_dim)
        self.bbox_bottom_right_embeddings = nn.Embedding(1, embed_dim)

    def dense_pe(self) -> torch.Tensor:
        return self.pe_layer.dense(*self.embedding_hw).unsqueeze(0)

    def label_table(self) -> torch.Tensor:
        """Learned embedding per label + 1: padding, negative (none: zeros), positive,
        box corners. Unlike SAM, padding keeps its positional encoding."""
        negative = torch.zeros_like(self.point_embeddings.weight)
        return torch.cat([self.invalid_points.weight, negative, self.point_embeddings.weight,
                          self.bbox_top_left_embeddings.weight, self.bbox_bottom_right_embeddings.weight])

    def forward(self, coords: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """(B, N, 2) prompt-frame pixels, (B, N) labels in −1..3 → (B, N, C)."""
        emb = self.pe_layer.points(coords + 0.5, self.input_hw)  # pixel centres
        # labels outside −1..3 get no learned embedding, as in the reference
        row = torch.where((labels >= PAD_LABEL) & (labels <= BOX_BOTTOM_RIGHT), labels + 1, NEGATIVE + 1)
        return emb + self.label_table()[row]
