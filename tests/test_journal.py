"""The run journal: torn last lines, other settings, refusing to lose work."""
from __future__ import annotations

import json

import pytest

from samcli.errors import InputError
from samcli.writers.journal import Journal, differences, scan

FP = {"command": "segment", "settings": {"multimask": "auto", "batch_size": 1}}


def record(key: str, **extra) -> dict:
    return {"file": key, "path": f"/x/{key}", "width": 4, "height": 3, "annotations": [], **extra}


def write(path, *records, fp=FP) -> Journal:
    journal = Journal.open(path, fp, resume=False)
    for r in records:
        journal.append(r)
    journal.close()
    return journal


def test_a_torn_last_line_is_dropped_and_the_journal_continues_after_it(tmp_path):
    path = tmp_path / "j.jsonl"
    write(path, record("a.jpg"), record("b.jpg"))
    with open(path, "ab") as f:
        f.write(b'{"file": "c.jpg", "annot')  # killed mid-write
    journal = Journal.open(path, FP, resume=True)
    assert journal.dropped_torn_line and journal.done == {"a.jpg", "b.jpg"}
    journal.append(record("c.jpg"))
    journal.close()
    lines = path.read_text().splitlines()
    assert [json.loads(line)["file"] for line in lines[1:]] == ["a.jpg", "b.jpg", "c.jpg"]


def test_failed_images_are_tried_again_and_the_last_record_wins(tmp_path):
    path = tmp_path / "j.jsonl"
    write(path, record("a.jpg", error="model failed: out of memory"), record("b.jpg"))
    journal = Journal.open(path, FP, resume=True)
    assert journal.done == {"b.jpg"}
    journal.append(record("a.jpg"))
    assert journal.done == {"a.jpg", "b.jpg"}
    assert [r["file"] for r in journal.records(["a.jpg"])] == ["a.jpg"] and "error" not in next(journal.records(["a.jpg"]))


def test_other_settings_are_refused_naming_what_differs(tmp_path):
    path = tmp_path / "j.jsonl"
    write(path, record("a.jpg"))
    other = {"command": "segment", "settings": {"multimask": "always", "batch_size": 1}}
    with pytest.raises(InputError, match=r"settings\.multimask: 'auto' in the journal, 'always' now"):
        Journal.open(path, other, resume=True)
    assert scan(path).entries.keys() == {"a.jpg"}  # untouched


def test_an_unfinished_journal_is_never_overwritten_without_resume(tmp_path):
    path = tmp_path / "j.jsonl"
    write(path, record("a.jpg"))
    with pytest.raises(InputError, match="--resume"):
        Journal.open(path, FP, resume=False)
    write(tmp_path / "empty.jsonl")  # header only: nothing to lose, so a new run may replace it
    assert Journal.open(tmp_path / "empty.jsonl", FP, resume=False).created


def test_damage_before_the_last_line_is_not_mistaken_for_a_kill(tmp_path):
    path = tmp_path / "j.jsonl"
    write(path, record("a.jpg"), record("b.jpg"))
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + b"garbage\n" + lines[2])
    with pytest.raises(InputError, match="damaged"):
        Journal.open(path, FP, resume=True)
    path.write_text("hello\n")
    with pytest.raises(InputError, match="not a samcli journal"):
        Journal.open(path, FP, resume=True)


def test_differences_walks_nested_settings():
    assert differences({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}, "d": 4}) == [
        "a.c: 2 in the journal, 3 now", "d: None in the journal, 4 now"]
