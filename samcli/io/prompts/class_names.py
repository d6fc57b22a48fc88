"""YOLO class names: a data.yaml (`names:` as a list or {index: name}) or a
names file (one name per line, class 0 first). Either is read whole; anything
wrong in it is an InputError naming the file, since every class after a bad
entry would be in doubt.

A data.yaml is read with YAML's base loader, which builds text, lists and
mappings only, and with aliases refused: no class-name file needs them, and a
few hundred bytes of nested aliases (a "billion laughs" file) expand to
gigabytes. Keys are then checked here as text: `0.9`, `~`, `.inf` or `-1` are
not class indices (a full YAML loader makes them 0.9, None, inf, -1, and
`int()` turned 0.9 into class 0).
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from samcli.errors import InputError
from samcli.io.prompts.checks import show
from samcli.io.prompts.reading import read_text

#: class k becomes category k + 1, which must still fit an int64
MAX_INDEX_DIGITS = 18


def read_names(path: Path) -> dict[int, str]:
    """Class index → name from a data.yaml (names: list or {k: name}) or a names file."""
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_names(path)
    lines = read_text(path).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    for i, line in enumerate(lines):
        if not line.strip():
            # a blank line would shift every class after it by one
            raise InputError(f"{path}:{i + 1}: empty class name (one name per line, class 0 first)")
    if not lines:
        raise InputError(f"{path}: no class names")
    return {k: line.strip() for k, line in enumerate(lines)}


@functools.cache
def _no_alias_loader() -> type:
    """YAML's base loader refusing aliases. Built on first use: importing YAML is ~20 ms
    of every start, and most runs read no data.yaml."""
    import yaml

    class NoAliasLoader(yaml.BaseLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a class-name file",
                                                  self.peek_event().start_mark)
            return super().compose_node(parent, index)

    return NoAliasLoader


def _yaml_names(path: Path) -> dict[int, str]:
    import yaml

    try:
        doc = yaml.load(read_text(path), Loader=_no_alias_loader())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InputError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    except RecursionError:
        raise InputError(f"{path}: not valid YAML: nested too deep") from None
    if not isinstance(doc, dict) or "names" not in doc:
        raise InputError(f"{path}: no `names:` (expected a YOLO data.yaml with names as a list or {{0: name, ...}})")
    if "kpt_shape" in doc:
        raise InputError(f"{path}: pose (keypoint) labels are not supported as prompts; only box and segmentation labels")
    names = doc["names"]
    if isinstance(names, list):
        names = {str(k): v for k, v in enumerate(names)}
    if not isinstance(names, dict) or not names:
        raise InputError(f"{path}: `names` must be a list or a mapping {{0: name, ...}}")
    out: dict[int, str] = {}
    for key, name in names.items():
        k = _index(path, key)
        if k in out:
            raise InputError(f"{path}: `names` gives class {k} twice")
        if not isinstance(name, str):
            raise InputError(f"{path}: `names` entry {k} must be a name, got {show(name)}")
        out[k] = name
    return out


def _index(path: Path, key: str) -> int:
    text = key.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_INDEX_DIGITS):
        raise InputError(f"{path}: `names` key {show(key)} is not a class index (0, 1, 2, ...)")
    return int(text)
