"""SAM's prompt encoder: points and box corners → sparse tokens, no-mask → dense."""
from __future__ import annotations

import math

import torch
from torch import nn

from samcli.models.layers import LayerNorm2d


class RandomFourierPE(nn.Module):
    """Positional encoding with random spatial frequencies (`PositionEmbeddingRandom`)."""

    def __init__(self, num_feats: int = 128) -> None:
        super().__init__()
        self.register_buffer("positional_encoding_gaussian_matrix", torch.randn(2, num_feats))

    def encode(self, xy01: torch.Tensor) -> torch.Tensor:
        """(..., 2) coordinates in [0, 1] → (..., 2·num_feats)."""
        proj = (2 * xy01 - 1) @ self.positional_encoding_gaussian_matrix
        proj = 2 * math.pi * proj
        return torch.cat([proj.sin(), proj.cos()], dim=-1)

    def dense(self, h: int, w: int) -> torch.Tensor:
        """PE of every cell centre of an h×w grid → (C, h, w)."""
        m = self.positional_encoding_gaussian_matrix
        ones = torch.ones((h, w), device=m.device, dtype=m.dtype)
        y = (ones.cumsum(0) - 0.5) / h
        x = (ones.cumsum(1) - 0.5) / w
        return self.encode(torch.stack([x, y], dim=-1)).permute(2, 0, 1)

    def points(self, xy: torch.Tensor, frame_hw: tuple[int, int]) -> torch.Tensor:
        """Pixel (x, y) in a frame of size frame_hw → PE."""
        # Normalise in the caller's precision, then cast: SAM's grid mode feeds
        # float64 points and casts only after this division.
        # (dividing by Python numbers, not a tensor built from them: that would be a
        # host→device copy, i.e. a GPU sync, in every decoder call)
        normed = torch.stack((xy[..., 0] / frame_hw[1], xy[..., 1] / frame_hw[0]), dim=-1)
        return self.encode(normed.to(self.positional_encoding_gaussian_matrix.dtype))


class PromptEncoder(nn.Module):
    def __init__(self, embed_dim: int = 256, embedding_hw: tuple[int, int] = (64, 64),
                 input_hw: tuple[int, int] = (1024, 1024), mask_channels: int = 16) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.embedding_hw = embedding_hw
        self.input_hw = input_hw
        self.pe_layer = RandomFourierPE(embed_dim // 2)
        # 0: negative point, 1: positive point, 2/3: box corners
        self.point_embeddings = nn.ModuleList(nn.Embedding(1, embed_dim) for _ in range(4))
        self.not_a_point_embed = nn.Embedding(1, embed_dim)
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, mask_channels // 4, 2, stride=2),
            LayerNorm2d(mask_channels // 4),
            nn.GELU(),
            nn.Conv2d(mask_channels // 4, mask_channels, 2, stride=2),
            LayerNorm2d(mask_channels),
            nn.GELU(),
            nn.Conv2d(mask_channels, embed_dim, 1),
        )
        self.no_mask_embed = nn.Embedding(1, embed_dim)

    def dense_pe(self) -> torch.Tensor:
        return self.pe_layer.dense(*self.embedding_hw).unsqueeze(0)

    def _embed_points(self, coords: torch.Tensor, labels: torch.Tensor, pad: bool) -> torch.Tensor:
        coords = coords + 0.5  # pixel centres
        if pad:  # SAM appends a "not a point" token when no box is given
            coords = torch.cat([coords, coords.new_zeros(coords.shape[0], 1, 2)], dim=1)
            labels = torch.cat([labels, labels.new_full((labels.shape[0], 1), -1)], dim=1)
        emb = self.pe_layer.points(coords, self.input_hw)
        labels = labels[..., None]
        emb = torch.where(labels == -1, self.not_a_point_embed.weight, emb)
        emb = emb + torch.where(labels == 0, self.point_embeddings[0].weight, 0.0)
        emb = emb + torch.where(labels == 1, self.point_embeddings[1].weight, 0.0)
        return emb

    def embed_labelled(self, coords: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """SAM's ONNX form of the sparse prompt: every token a point with a label,
        0/1 negative/positive, 2/3 box corners, −1 padding ("not a point").
        (B, T, 2) input-frame pixels, (B, T) labels (any dtype) → (B, T, C); the
        same values as `forward` for tokens in its order (points, padding, corners)."""
        emb = self.pe_layer.points(coords + 0.5, self.input_hw)
        labels = labels[..., None]
        emb = torch.where(labels == -1, self.not_a_point_embed.weight, emb)
        for i, table in enumerate(self.point_embeddings):
            emb = emb + torch.where(labels == i, table.weight, 0.0)
        return emb

    def _embed_boxes(self, boxes: torch.Tensor) -> torch.Tensor:
        corners = (boxes + 0.5).reshape(-1, 2, 2)
        emb = self.pe_layer.points(corners, self.input_hw)
        corner_embed = torch.cat([self.point_embeddings[2].weight, self.point_embeddings[3].weight])
        return emb + corner_embed

    def forward(self, coords, labels, boxes, masks=None):
        """coords (B,N,2) + labels (B,N) and/or boxes (B,4), in the input frame;
        masks (B,1,256,256) low-res logits or None → (sparse (B,T,C), dense (B,C,h,w))."""
        parts = []
        if coords is not None:
            parts.append(self._embed_points(coords, labels, pad=boxes is None))
        if boxes is not None:
            parts.append(self._embed_boxes(boxes))
        sparse = torch.cat(parts, dim=1)
        if masks is not None:
            dense = self.mask_downscaling(masks)
        else:
            dense = self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(sparse.shape[0], -1, *self.embedding_hw)
        return sparse, dense
