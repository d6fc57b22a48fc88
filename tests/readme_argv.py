"""A README example's samcli command line read by samcli's own parser (nothing runs): what it takes
in, what it writes, and whether what it wrote can be read."""
from __future__ import annotations

import json
from pathlib import Path

#: parameters naming files a command reads (the others with exists=True the parser checks itself)
INPUTS = ("images", "checkpoint", "sod_checkpoint", "embeddings")
#: parameters naming folders of pictures (or embeddings) a command writes
PICTURE_DIRS = ("save_masks", "save_overlays", "save_cutouts", "save_saliency", "save_embeddings")


def parse(argv: list[str]):
    """→ the leaf command's context (ctx.params: every value as parsed); raises on a usage error."""
    import typer.main

    from samcli.cli import app

    command, name, args, parent = typer.main.get_command(app), "samcli", list(argv), None
    while hasattr(command, "commands"):  # a group (samcli, `models`, `export`): nothing of its own to parse
        parent = command.context_class(command, info_name=name, parent=parent)
        name = args.pop(0) if args else ""
        command = command.get_command(parent, name)
        if command is None:
            raise ValueError(f"no command {name!r}")
    return command.make_context(name, args, parent=parent)


def parse_error(argv: list[str]) -> str | None:
    try:
        parse(argv)
    except Exception as exc:  # the parser's own error (unknown option, bad choice, missing file) or ours
        return getattr(exc, "format_message", lambda: str(exc))()
    return None


def paths(value) -> list[Path]:
    values = value if isinstance(value, (list, tuple)) else [value]
    return [Path(v) for v in values if v not in (None, "-")]


def inputs(ctx) -> list[Path]:
    return [p for name in INPUTS for p in paths(ctx.params.get(name))]


def written_folder(ctx) -> bool:
    """Is --out a folder: yolo-seg, an export's files, or embeddings."""
    return "yolo-seg" in (ctx.params.get("fmt"), ctx.params.get("to")) or ctx.command.name in ("onnx", "embed")


def outputs(ctx) -> tuple[list[Path], list[Path]]:
    """→ (files, folders) the command writes, as named on its command line or by default."""
    out = paths(ctx.params.get("out"))
    pictures = [p for name in PICTURE_DIRS for p in paths(ctx.params.get(name))]
    return ([], out + pictures) if written_folder(ctx) else (out, pictures)


def unreadable_outputs(ctx, cwd: Path) -> list[str]:
    """What a finished command should have written and did not (or wrote unreadable)."""
    files, folders = outputs(ctx)
    problems = [f"{f}: no folder with files" for f in folders if not any(p.is_file() for p in (cwd / f).rglob("*"))]
    for f in files:
        if not (cwd / f).is_file():
            problems.append(f"{f}: not written")
        elif f.suffix in (".json", ".jsonl"):
            text = (cwd / f).read_text(encoding="utf-8")
            try:
                if ctx.params.get("fmt") == "jsonl":
                    [json.loads(line) for line in text.splitlines()]
                else:
                    json.loads(text)
            except ValueError as exc:
                problems.append(f"{f}: not JSON ({exc})")
    return problems


def stand_in_outputs(ctx, cwd: Path) -> None:
    """A dry run's outputs: empty files and folders where the command would write, for the examples
    after it that read them."""
    files, folders = outputs(ctx)
    for f in folders:
        (cwd / f).mkdir(parents=True, exist_ok=True)
    for f in files:
        (cwd / f).parent.mkdir(parents=True, exist_ok=True)
        (cwd / f).touch()
