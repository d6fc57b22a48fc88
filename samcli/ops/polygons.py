"""Binary mask → one polygon, for the formats that want outlines (YOLO-seg,
COCO polygons, Label Studio polygons).

A polygon is the mask's *outer* outline: it cannot hold holes (they are
filled), and a mask in several parts needs joining. Each 8-connected part
is traced by OpenCV (`findContours`, outer contours only); parts smaller
than `min_area` pixels are dropped first. Then either the largest part is
kept, or all of them are joined into one closed outline whose filled area
still covers every part: the parts are linked by a spanning tree (Prim,
over the gaps between their boxes), and the outline walks around each part
and crosses to the next one along a zero-width bridge between close
vertices, there and back (the idea of Ultralytics' `merge_multi_segment`,
which chains parts in list order).

Vertices are pixel centres in image coordinates (pixel (i, j) spans [i, i+1)
× [j, j+1), so its centre is (i + 0.5, j + 0.5)): COCO's frame, and robust
to rounding for tools that truncate scaled coordinates back to pixel indices
(Ultralytics' `polygon2mask`).
"""
from __future__ import annotations

import cv2
import numpy as np

PARTS = ("join", "largest")

#: vertices of each part considered for its bridge (a subsample of long outlines)
_SAMPLE = 512


def mask_polygon(mask: np.ndarray, parts: str = "join", min_area: int = 0) -> np.ndarray:
    """(N, 2) float64 x, y vertices (N ≥ 3), or shape (0, 2) when no part is kept.
    A part one pixel thin has no area as a polygon: it is drawn as its centre line."""
    if parts not in PARTS:
        raise ValueError(f"parts must be one of {PARTS}, not {parts!r}")
    contours = part_contours(mask, min_area)
    if not contours:
        return np.zeros((0, 2))
    outline = contours[0] if parts == "largest" or len(contours) == 1 else join_parts(contours)
    if len(outline) < 3:  # one or two pixels: repeat the last so every consumer sees a polygon
        outline = np.concatenate([outline, np.repeat(outline[-1:], 3 - len(outline), axis=0)])
    return outline.astype(np.float64) + 0.5


def part_contours(mask: np.ndarray, min_area: int = 0) -> list[np.ndarray]:
    """(K, 2) int pixel-index outer contours of the parts with at least `min_area`
    pixels (and at least one), largest part first (ties: OpenCV's order)."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return []
    y0, x0 = rows[0], cols[0]
    crop = np.ascontiguousarray(mask[y0:rows[-1] + 1, x0:cols[-1] + 1], dtype=np.uint8)  # only the mask's box
    count, labels, stats, _ = cv2.connectedComponentsWithStats(crop, connectivity=8)
    areas = stats[:, cv2.CC_STAT_AREA]
    small = [k for k in range(1, count) if areas[k] < min_area]
    if small:
        crop = np.where(np.isin(labels, small), 0, crop).astype(np.uint8)
    found, _ = cv2.findContours(crop, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contours = [c.reshape(-1, 2) for c in found]
    # a contour's first vertex is a pixel of its part: the part's area ranks it
    contours.sort(key=lambda c: -areas[labels[c[0, 1], c[0, 0]]])
    return [c + (x0, y0) for c in contours]


def join_parts(contours: list[np.ndarray]) -> np.ndarray:
    """One closed outline through every contour, starting on the first one."""
    attach = _spanning_tree(contours)
    return _tour(contours, attach)


def _spanning_tree(contours: list[np.ndarray]) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Prim's tree over the parts, by the gap between their bounding boxes (a
    cheap stand-in for their distance: a mask may have thousands of specks),
    each edge a bridge between the two parts' closest vertices:
    (part, vertex) → the (child part, child vertex) pairs that hang there."""
    n = len(contours)
    boxes = np.array([[c[:, 0].min(), c[:, 1].min(), c[:, 0].max(), c[:, 1].max()] for c in contours], np.int64)
    best = np.full(n, np.inf)  # each part's gap to the tree so far
    parent = np.zeros(n, np.int64)
    in_tree = np.zeros(n, bool)
    attach: dict[tuple[int, int], list[tuple[int, int]]] = {}
    part = 0
    for _ in range(n - 1):
        in_tree[part] = True
        dx = np.maximum(0, np.maximum(boxes[:, 0] - boxes[part, 2], boxes[part, 0] - boxes[:, 2]))
        dy = np.maximum(0, np.maximum(boxes[:, 1] - boxes[part, 3], boxes[part, 1] - boxes[:, 3]))
        gap = (dx * dx + dy * dy).astype(np.float64)
        closer = (gap < best) & ~in_tree
        best[closer], parent[closer] = gap[closer], part
        part = int(np.argmin(np.where(in_tree, np.inf, best)))  # ties: the larger part (lower index)
        at, own = _closest_vertices(contours[parent[part]], contours[part])
        attach.setdefault((int(parent[part]), at), []).append((part, own))
    return attach


def _closest_vertices(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """Indices of a closest pair of vertices, among at most _SAMPLE of each
    (a bridge needs to be short, not the shortest)."""
    ia = np.arange(0, len(a), -(-len(a) // _SAMPLE))
    ib = np.arange(0, len(b), -(-len(b) // _SAMPLE))
    d2 = ((a[ia, None, :].astype(np.int64) - b[None, ib, :]) ** 2).sum(-1)
    i, j = np.unravel_index(np.argmin(d2), d2.shape)
    return int(ia[i]), int(ib[j])


def _tour(contours: list[np.ndarray], attach: dict[tuple[int, int], list[tuple[int, int]]]) -> np.ndarray:
    """Walk around part 0; at a vertex where parts hang, cross to each, walk
    around it (recursively), and come back to the vertex. Iterative: a chain
    of many parts must not hit Python's recursion limit."""
    out: list[np.ndarray] = []
    # frame: [part, start vertex, steps taken, vertex now, parts still to visit there]
    stack = [[0, 0, 0, 0, []]]
    while stack:
        frame = stack[-1]
        part, start, steps, here, pending = frame
        if pending:
            child, vertex = pending.pop(0)
            stack.append([child, vertex, 0, vertex, []])
            continue
        c = contours[part]
        # the root's outline closes by itself; a child's walk ends back on its first vertex
        if steps == (len(c) if part == 0 else len(c) + 1):
            stack.pop()
            if stack:  # back over the bridge
                parent = stack[-1]
                out.append(contours[parent[0]][parent[3]])
            continue
        here = (start + steps) % len(c)
        out.append(c[here])
        closing = steps == len(c)  # a child's first vertex again: its parts were visited the first time
        frame[2:] = [steps + 1, here, [] if closing else list(attach.get((part, here), []))]
    return np.array(out)
