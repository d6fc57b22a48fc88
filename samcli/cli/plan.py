"""What a run will do before it starts: which images are this shard's, which
are already done (journal), their ids, and where the journal lives. Shared by
`segment`, `everything` and `salient`, so resume and shards behave the same."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samcli import __version__
from samcli.errors import InputError
from samcli.io.digests import tree_digest
from samcli.models.checkpoint import weights_digest
from samcli.io.images import ImageRef
from samcli.io.image_ids import ImageIds
from samcli.io.shards import Shard
from samcli.writers.journal import Journal, journal_path


@dataclass
class Plan:
    refs: list[ImageRef]  # this shard's images
    todo: list[ImageRef]  # those not finished in an earlier run
    ids: dict[str, int]  # every listed image's id (all shards)
    journal: Journal | None  # None: JSON Lines streamed to stdout
    shard: Shard | None
    sidecar: dict | None  # written beside a shard's output, for `samcli merge`
    resume: bool = False  # --resume was asked for
    earlier_prompt_errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def resumed(self) -> int:
        return len(self.refs) - len(self.todo)


def fingerprint(command: str, model: str, checkpoint: Path | None, settings: dict[str, Any],
                inputs: dict[str, Path | None], shard: Shard | None,
                image_ids: ImageIds = ImageIds()) -> dict[str, Any]:
    """Everything that decides the output: a journal written under another
    fingerprint cannot be resumed (the output would mix two runs). `image_ids` is
    the id rule (samcli's or a COCO dataset's, whose digest is among the inputs)."""
    return {
        "command": command,
        "model": model,
        "weights_sha256": weights_digest(checkpoint) if checkpoint is not None else None,
        "settings": settings,
        "inputs": {name: tree_digest(p) if p is not None else None for name, p in inputs.items()},
        "image_ids": image_ids.rule,
        "shard": str(shard) if shard else None,
    }


def plan_run(refs: list[ImageRef], out: str | os.PathLike | None, fmt: str, shard: Shard | None, resume: bool,
             fingerprint_of: Any, image_ids: ImageIds = ImageIds()) -> Plan:
    """`fingerprint_of()` builds the fingerprint (digests are read only when a
    journal is used). `image_ids`: the rule numbering the images (the same in every
    shard and run). Raises InputError for a journal that cannot be used."""
    keys = [r.key for r in refs]
    ids = image_ids.assign(keys)
    mine = [r for r in refs if shard is None or shard.holds(r.key)]
    sidecar = None
    if shard is not None:
        sidecar = {"samcli_shard": 1, "shard": [shard.index, shard.count], "images_total": len(refs),
                   "images_in_shard": len(mine), "listing_sha256": image_ids.listing(keys),
                   "format": fmt, "samcli": __version__}
    if out is None or str(out) == "-":  # None: no results file (salient without --out)
        if resume:
            raise InputError("--resume needs an output file (--out FILE): the journal it resumes from lives beside "
                             "that file")
        return Plan(mine, mine, ids, None, shard, None)
    journal = Journal.open(journal_path(out), fingerprint_of(), resume)
    done = journal.done
    earlier = [(key, m) for key, e in journal.entries.items() if e.ok for m in e.prompt_errors]
    return Plan(mine, [r for r in mine if r.key not in done], ids, journal, shard, sidecar, resume, earlier)
