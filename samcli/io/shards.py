"""Splitting an image list across machines: `--shard I/N` keeps the images
whose key hashes to I modulo N. The hash of the key (not the position in a
listing) makes the split the same on every machine, whatever order each
lists the images in, and every image lands in exactly one shard."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from samcli.errors import InputError
from samcli.io.digests import key_bytes, text_digest


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not m or not 0 <= int(m[1]) < int(m[2]):
            raise InputError(f"--shard {text!r}: expected I/N with 0 <= I < N, e.g. 0/4")
        return cls(int(m[1]), int(m[2]))

    def holds(self, key: str) -> bool:
        return shard_of(key, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(key: str, count: int) -> int:
    return int.from_bytes(hashlib.sha1(key_bytes(key)).digest()[:8], "big") % count


def image_ids(keys: list[str]) -> dict[str, int]:
    """1, 2, … in the order of the keys themselves: the same in every shard and run."""
    return {key: i for i, key in enumerate(sorted(keys), 1)}


def listing_digest(keys: list[str]) -> str:
    """Names the whole image list, so merge can tell shards of one job apart from others."""
    return text_digest("\n".join(sorted(keys)))
