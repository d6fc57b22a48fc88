"""Finding, downloading, verifying and loading checkpoint files.

ONE loader serves released files and the parity tests' deterministic files:
`read_state_dict` → `apply_state_dict`. Nothing is ever unpickled beyond
tensors (`weights_only=True`). Finding and fetching a file imports no torch;
reading one does.
"""
from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from samcli.errors import CheckpointError
from samcli.io.digests import file_digest
from samcli.models.spec import ModelSpec
from samcli.writers.atomic import new_file, write_atomic

if TYPE_CHECKING:
    import torch
    from torch import nn

#: wrappers seen around state dicts: EfficientSAM saves {"model": sd},
#: EfficientViT's trainer {"state_dict": sd}
WRAPPER_KEYS = ("model", "state_dict")
#: BatchNorm counters: unused at inference, present in some released files only
OPTIONAL_SUFFIXES = ("num_batches_tracked",)


def home_dir() -> Path:
    if os.environ.get("SAMCLI_HOME"):
        return Path(os.environ["SAMCLI_HOME"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "samcli"


def weights_digest(weights: str | os.PathLike) -> str:
    """sha256 of a weights file, remembered in $SAMCLI_HOME/digests.json per (path, size,
    mtime): hashing SAM ViT-H's 2.5 GB costs seconds, on every run otherwise (the
    journal's fingerprint, the runtime cache's key, the outputs' info)."""
    weights = Path(weights)
    stat = weights.stat()
    key, stamp = str(weights.resolve()), [stat.st_size, stat.st_mtime_ns]
    memo_path = home_dir() / "digests.json"
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    if not isinstance(memo, dict):  # damaged: start it again
        memo = {}
    known = memo.get(key)
    if isinstance(known, list) and len(known) == 3 and known[:2] == stamp and isinstance(known[2], str):
        return known[2]
    digest = file_digest(weights)
    memo[key] = stamp + [digest]
    try:
        write_atomic(memo_path, json.dumps(memo, indent=0).encode())
    except OSError:  # a read-only or full cache: hashed again next time, nothing lost
        pass
    return digest


def cache_path(spec: ModelSpec) -> Path:
    return home_dir() / "checkpoints" / spec.filename


def is_offline() -> bool:
    return os.environ.get("SAMCLI_OFFLINE", "") not in ("", "0", "false", "no")


def checkpoint_option(spec: ModelSpec) -> str:
    """The command-line option that passes this kind of model's file."""
    return "--sod-checkpoint" if spec.kind == "saliency" else "--checkpoint"


def resolve_checkpoint(spec: ModelSpec, checkpoint: str | os.PathLike | None = None,
                       offline: bool | None = None, progress: bool = True, option_hint: bool = True) -> Path:
    """A local path for the model's weights: `checkpoint` if given, else the cache,
    else a download (unless offline, where we fail fast naming the file to provide).
    `option_hint`: a failure suggests the command's weights option (not where there is none)."""
    if checkpoint is not None:
        path = Path(checkpoint).expanduser()
        if path.is_dir():
            raise CheckpointError(f"checkpoint {path} is a folder, not a weights file")
        if not path.is_file():
            raise CheckpointError(f"checkpoint {path} does not exist")
        return path
    path = cache_path(spec)
    if path.is_file():
        return path
    if offline if offline is not None else is_offline():
        raise CheckpointError(
            f"{spec.id}: no cached weights and offline mode is on. {weights_hint(spec, path, option_hint)}")
    return download(spec, path, progress=progress, option_hint=option_hint)


def weights_hint(spec: ModelSpec, dest: Path, option_hint: bool = True) -> str:
    """How to get going without a download: the file put where samcli looks, the
    command's weights option, and for a saliency map one that needs no weights."""
    hint = fetch_hint(spec, dest)
    if option_hint:
        hint += f", or pass {checkpoint_option(spec)} PATH"
    if spec.kind == "saliency":
        hint += "; or run salient with --sod spectral, which needs no weights"
    return hint + "."


def download(spec: ModelSpec, dest: Path, progress: bool = True, option_hint: bool = True) -> Path:
    """Fetch the released file into `dest` atomically (temp file + rename) and
    check its digest, so an interrupted download never leaves a bad cache entry."""
    import urllib.error  # here: HTTP support is ~40 ms of every start, used only to download
    import urllib.request

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = new_file(dest.parent, prefix=dest.name + ".", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                response = urllib.request.urlopen(spec.url, timeout=60)
            except (urllib.error.URLError, OSError) as exc:
                raise CheckpointError(
                    f"{spec.id}: cannot download ({exc}). {weights_hint(spec, dest, option_hint)}") from None
            with response:
                # a web page instead of the file: Google Drive's "can't scan this
                # large file for viruses" page, a login wall; never cache it
                if response.headers.get_content_type() == "text/html":
                    raise CheckpointError(f"{spec.id}: {spec.url} answered with a web page, not the weights "
                                          f"file: open it in a browser. {weights_hint(spec, dest, option_hint)}")
                total = int(response.headers.get("Content-Length") or 0) or None
                _copy_with_progress(response, out, total, f"{spec.id} ({spec.filename})", progress)
        if spec.digest:
            verify_digest(tmp, spec.digest, what=spec.url)
        if is_zipped_release(spec):
            extract_member(tmp, spec.filename, dest)
        else:
            os.replace(tmp, dest)
        return dest
    finally:
        tmp.unlink(missing_ok=True)


def is_zipped_release(spec: ModelSpec) -> bool:
    """Released as a zip holding `spec.filename` (EfficientSAM-S: GitHub's 100 MB file limit)."""
    return spec.url.endswith(".zip") and not spec.filename.endswith(".zip")


def fetch_hint(spec: ModelSpec, dest: Path) -> str:
    if is_zipped_release(spec):
        return f"Download {spec.url}, unzip it and put {spec.filename} at {dest}"
    return f"Download {spec.url} and put it at {dest}"


def extract_member(archive: Path, filename: str, dest: Path) -> None:
    """Unzip the one member named `filename` (in any folder; macOS `__MACOSX/`
    metadata ignored) to `dest`, atomically like the download itself."""
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if Path(n).name == filename and not n.startswith("__MACOSX/")]
            if len(names) != 1:
                raise CheckpointError(f"{archive.name}: expected one {filename} inside, found {zf.namelist()[:5]}")
            fd, tmp_name = new_file(dest.parent, prefix=dest.name + ".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out, zf.open(names[0]) as member:
                    while chunk := member.read(1 << 20):
                        out.write(chunk)
                os.replace(tmp_name, dest)
            finally:
                Path(tmp_name).unlink(missing_ok=True)
    except zipfile.BadZipFile as exc:
        raise CheckpointError(f"downloaded archive for {filename} is not a valid zip ({exc})") from None


def _copy_with_progress(src, dst, total: int | None, label: str, progress: bool) -> None:
    from tqdm import tqdm

    with tqdm(total=total, unit="B", unit_scale=True, desc=label, disable=not progress) as bar:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
            bar.update(len(chunk))


def verify_digest(path: Path, digest: str, what: str = "") -> None:
    algorithm, _, expected = digest.partition(":")
    actual = file_digest(path, algorithm)
    if not actual.startswith(expected.lower()):
        raise CheckpointError(
            f"{what or path}: {algorithm} is {actual}, expected {expected}: corrupt or wrong file"
        )


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Load tensors only and unwrap {"model": sd} / {"state_dict": sd}."""
    import torch

    if Path(path).is_dir():
        raise CheckpointError(f"checkpoint {path} is a folder, not a weights file")
    try:
        empty = os.path.getsize(path) == 0
    except OSError as exc:
        raise CheckpointError(f"cannot read checkpoint {path}: {exc.strerror}") from None
    if empty:
        raise CheckpointError(f"checkpoint {path} is empty (0 bytes): an interrupted download or copy?")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, truncated zips, not-a-checkpoint
        raise CheckpointError(f"cannot read checkpoint {path}: {load_failure(exc)}") from None
    for key in WRAPPER_KEYS:
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"{path} is not a state dict of tensors")
    return obj


#: torch's advice on a refused file is to load it with weights_only=False or to allowlist
#: its classes: both run code from the file. A weights file never needs either, so we
#: keep only what torch found, and say that
_UNPICKLER = re.compile(r"WeightsUnpickler error:\s*(.*?)(?:\.?\s+Please use|\s*Check the documentation|$)", re.S)


def load_failure(exc: BaseException) -> str:
    """What torch.load said, without its advice to unpickle the file."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    found = _UNPICKLER.search(text)
    if found or "weights_only" in text:
        what = " ".join(found.group(1).split()) if found else "not only tensors"
        return (f"torch's tensors-only reader refused it ({what}). samcli reads weights no other way: that "
                "could run code from the file. A file saved with torch.save(model.state_dict(), PATH) loads")
    if isinstance(exc, EOFError):
        return "the file ends too soon (cut short?)"
    detail = " ".join(text.split()) or exc.__class__.__name__
    return f"not a PyTorch weights file ({detail})" if isinstance(exc, (KeyError, ValueError, TypeError)) else detail


Shapes = dict[str, tuple[int, ...]]


def shapes_of(state: dict[str, torch.Tensor]) -> Shapes:
    return {k: tuple(v.shape) for k, v in state.items()}


def ignored_prefixes(model: nn.Module) -> tuple[str, ...]:
    """Keys of released files the model does not use (e.g. TinyViT's classifier head)."""
    return tuple(getattr(model, "ignored_checkpoint_prefixes", ()))


def state_problem(expected: Shapes, ignored: tuple[str, ...], found: Shapes, model: str = "this model") -> str | None:
    """Why tensors of these names and shapes (`found`) do not load into a model whose
    state dict has `expected` (it drops keys starting with `ignored`); None if they do."""
    found = {k: v for k, v in found.items() if not k.startswith(ignored)}
    missing = [k for k in expected if k not in found and not k.endswith(OPTIONAL_SUFFIXES)]
    unexpected = [k for k in found if k not in expected]
    if len(missing) == len(expected) or not set(found) & set(expected):
        return f"none of its {len(found)} tensors belong to {model} (first key {next(iter(found), None)!r})"
    if missing or unexpected:
        return (f"does not match {model}: {len(missing)} missing key(s) {missing[:5]}, "
                f"{len(unexpected)} unexpected key(s) {unexpected[:5]}")
    bad = [f"{k} {v} vs {expected[k]}" for k, v in found.items() if v != expected[k]]
    return f"tensor shapes differ from {model}: {bad[:5]}" if bad else None


def apply_state_dict(model: nn.Module, state: dict[str, torch.Tensor], source: str = "checkpoint",
                     name: str = "this model") -> None:
    """Strict load that tolerates only known-unused extras, with errors a user can
    act on (naming the model as `name`), then runs the model's `after_load` hook
    (cache rebuild, BN folding)."""
    ignored = ignored_prefixes(model)
    why = state_problem(shapes_of(model.state_dict()), ignored, shapes_of(state), name)
    if why:
        raise CheckpointError(f"{source}: {why}")
    model.load_state_dict({k: v for k, v in state.items() if not k.startswith(ignored)}, strict=False)
    hook: Callable[[], None] | None = getattr(model, "after_load", None)
    if hook is not None:
        hook()
