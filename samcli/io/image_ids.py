"""Image ids: the one place they come from. Every output (coco, coco-results,
jsonl, labelstudio), every shard (so `samcli merge`) and every resumed run
numbers an image alike, because each asks `ImageIds.assign` with the whole
image listing and the same rule.

Two rules:
- samcli's: 1, 2, … in the order of the image keys (sorted paths relative to IMAGES);
- a COCO dataset's (images known by COCO ids: ground truth as prompts, or a results
  list with `--coco-images`): each image the dataset lists keeps its id, so results
  score against that dataset (`COCO(gt).loadRes`). An image it does not list is
  numbered above the dataset's largest id (largest + 1, + 2, … in key order): it
  can collide with no id of the dataset.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from samcli.errors import InputError
from samcli.io.digests import text_digest
from samcli.io.shards import image_ids, listing_digest


@dataclass(frozen=True)
class ImageIds:
    #: image key → the dataset's id, for the listed images the dataset names (COCO rule)
    known: dict[str, int] = field(default_factory=dict)
    above: int = 0  # the dataset's largest id: other images are numbered above it
    source: str | None = None  # the COCO dataset file; None: samcli's rule

    @property
    def rule(self) -> str:
        """What a journal's fingerprint records: 'samcli' or 'coco' (the dataset's digest is among its inputs)."""
        return "samcli" if self.source is None else "coco"

    def assign(self, keys: list[str]) -> dict[str, int]:
        """Every listed image's id (all shards), the same in every run with the same inputs."""
        from samcli.io.prompts.checks import MAX_ID  # here: samcli.io.prompts imports this module

        if self.source is None:
            return image_ids(keys)
        others = self.unlisted(keys)
        if self.above + len(others) > MAX_ID:
            raise InputError(f"{self.source}: its largest image id {self.above} leaves no room to number the "
                             f"{len(others)} image(s) it does not list")
        ids = {key: self.known[key] for key in keys if key in self.known}
        ids.update((key, self.above + n) for n, key in enumerate(others, 1))
        return ids

    def unlisted(self, keys: list[str]) -> list[str]:
        """The images the dataset does not list, in key order (none under samcli's rule)."""
        return [] if self.source is None else sorted(k for k in keys if k not in self.known)

    def listing(self, keys: list[str]) -> str:
        """Names the job's image list and its ids, so `samcli merge` refuses shards of another job
        (or of the same images numbered another way)."""
        if self.source is None:
            return listing_digest(keys)
        ids = self.assign(keys)
        return text_digest("\n".join(f"{ids[k]}\t{k}" for k in sorted(keys)))
