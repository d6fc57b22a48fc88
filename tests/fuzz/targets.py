"""What each fuzz case is run through: the reader, and what consumes what it
read (prompts resolved against an image; a journal's records written out and
their RLEs measured by pycocotools; shards merged), so a value that passes a
reader's checks but breaks the next step counts too.

Each run ends as one outcome: "loaded", "item-errors" (some items refused by
name, the rest used), "usage-error" (a SamcliError: the file refused by name),
or, for anything else, the exception, which the runner counts as uncaught.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from samcli.engine.stored import StoredEmbeddings
from samcli.errors import SamcliError
from samcli.eval.metrics import InstanceResult
from samcli.io.embeddings import folder_manifest, identity_differences, read_manifest
from samcli.io.images import ImageRef
from samcli.io.prompts import PromptError, load_prompts, match_image, resolve
from samcli.io.prompts.class_names import read_names
from samcli.ops import rle
from samcli.writers.journal import Journal
from samcli.writers.embeddings_merge import merge_manifests
from samcli.writers.merge import merge
from samcli.writers.results import FORMATS, write_results
from tests.fuzz import seeds
from tests.fuzz.seeds import Case

LOADED, ITEM_ERRORS, USAGE_ERROR = "loaded", "item-errors", "usage-error"
IMAGE_KEYS = ["a.jpg", "sub/b.png", "000000000001.jpg", "img7.png"]


@dataclass(frozen=True)
class Target:
    name: str
    seeds: list[Case]
    run: Callable[[Path, Case], str]  # the case's files are in the folder


def _prompts(fmt: str) -> Callable[[Path, Case], str]:
    def run(folder: Path, case: Case) -> str:
        path = folder / ("labels" if fmt == "yolo" else next(n for n in case if n.startswith("p.")))
        images = folder / "images.json" if "images.json" in case else None
        pf = load_prompts(path, fmt, min_score=0.3 if len(case) % 2 else None, coco_images=images)
        errors = list(pf.errors)
        matched, _ = match_image(pf, IMAGE_KEYS)
        for prompts in matched.values():
            for p in prompts:
                try:
                    resolve(p, 64, 48)
                except PromptError as e:
                    errors.append(str(e))
        return ITEM_ERRORS if errors else LOADED
    return run


def _names(folder: Path, case: Case) -> str:
    (name,) = case
    names = read_names(folder / name)
    (folder / "labels").mkdir(exist_ok=True)
    (folder / "labels" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n2 0.5 0.5 0.2 0.2\n")
    pf = load_prompts(folder / "labels", "yolo", class_names=folder / name)
    assert set(pf.categories) == {k + 1 for k in names}
    return ITEM_ERRORS if pf.errors else LOADED


def _journal(eval_records: bool) -> Callable[[Path, Case], str]:
    fingerprint = seeds.EVAL_FINGERPRINT if eval_records else seeds.FINGERPRINT

    def run(folder: Path, case: Case) -> str:
        journal = Journal.open(folder / "j.journal.jsonl", fingerprint, resume=True)
        try:
            keys = sorted(journal.entries)
            for rec in journal.records(keys):  # what the consumers do with a record, for every record
                for r in rec.get("instances", []):
                    InstanceResult.from_json(rec["file"], r)
                anns = rec.get("annotations", [])
                assert rle.area([a["segmentation"] for a in anns]) == [a["area"] for a in anns]
                rle.area([d["segmentation"] for d in rec.get("detections", [])])
            if not eval_records:
                fmt = FORMATS[len(keys) % len(FORMATS)]
                write_results(journal, str(folder / "out.json"), fmt, {k: i for i, k in enumerate(keys, 1)},
                              {1: "a"}, {}, with_stats=True)
        finally:
            journal.close()
        return LOADED
    return run


def _merge(folder: Path, case: Case) -> str:
    parts = sorted(folder / n for n in case if not n.endswith(".shard.json"))
    report = merge(parts, folder / "merged.out")
    return ITEM_ERRORS if report.missing else LOADED


def _embeddings(folder: Path, case: Case) -> str:
    """`--embeddings DIR`: the manifest read and compared, each image's .npy looked up."""
    manifest = folder_manifest(folder / "emb")
    if manifest is None:
        return LOADED
    identity_differences(manifest.identity, {"model": "mobilesam", "weights_sha256": "ab" * 32})
    stored = StoredEmbeddings(folder / "emb")
    warnings = [stored.find(ImageRef(folder / key, key), entry["sha256"])[1] for key, entry in manifest.images.items()]
    return ITEM_ERRORS if any(warnings) else LOADED


def _embeddings_merge(folder: Path, case: Case) -> str:
    """`samcli merge` of `embed --shard` manifests; what it writes must read back."""
    out = folder / "emb" / "embeddings.json"
    _, missing = merge_manifests(sorted(folder / n for n in case), out)
    read_manifest(out)
    return ITEM_ERRORS if missing else LOADED


TARGETS: list[Target] = (
    # format named for COCO (a results list sniffs as such only by its first record) and YOLO; sniffed otherwise
    [Target(name, cases, _prompts(next((f for f in ("coco", "yolo") if name.startswith(f)), "auto")))
     for name, cases in seeds.PROMPTS.items()]
    + [Target(name, cases, _names) for name, cases in seeds.NAMES.items()]
    + [Target("journal", seeds.JOURNALS["journal"], _journal(False)),
       Target("journal-eval", seeds.JOURNALS["journal-eval"], _journal(True))]
    + [Target(name, cases, _merge) for name, cases in seeds.MERGE.items()]
    + [Target("embeddings", seeds.EMBEDDINGS["embeddings"], _embeddings),
       Target("embeddings-merge", seeds.EMBEDDINGS["embeddings-merge"], _embeddings_merge)]
)


def outcome(target: Target, folder: Path, case: Case) -> str | BaseException:
    """Write the case into `folder` (emptied first) and run it: an outcome, or the uncaught exception."""
    for old in sorted(folder.rglob("*"), reverse=True):
        old.rmdir() if old.is_dir() else old.unlink()
    for name, data in case.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    try:
        return target.run(folder, case)
    except SamcliError:
        return USAGE_ERROR
    except Exception as exc:  # what the harness is looking for
        return exc
