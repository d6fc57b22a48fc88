"""Ordered, bounded background mapping: decode the next images while the
model works on the current ones."""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def prefetch_map(fn: Callable[[T], R], items: Iterable[T], workers: int, depth: int) -> Iterator[R]:
    """Yield fn(item) in input order, with at most `depth` items in flight.
    `fn` should turn its own failures into values: an exception here stops the run."""
    it = iter(items)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="samcli-load") as pool:
        pending = deque(pool.submit(fn, x) for x in islice(it, max(1, depth)))
        while pending:
            done = pending.popleft()
            for x in islice(it, 1):
                pending.append(pool.submit(fn, x))
            yield done.result()


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
