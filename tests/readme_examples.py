"""The example commands of the READMEs, as a reader would paste them: every line of every ```sh block
(`\\` continuations joined, comment lines left out) and every ```python block, in the order they appear."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: the READMEs whose examples run from the repository's root
SOURCES = (REPO / "README.md", *sorted((REPO / "sample_data").glob("*/README.md")))

FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
#: a comment that says what the example exits with, when it shows a failure: `# exit 2`
EXIT_COMMENT = re.compile(r"\bexit (\d+)\b")


@dataclass(frozen=True)
class Example:
    text: str       # a shell command (one line, without its comment) or a Python block
    where: str      # README.md:37
    language: str   # "sh" or "python"
    exit_code: int  # 0, unless the example's comment says otherwise

    @property
    def key(self) -> str:
        """What the allow-lists name: the command itself, or a Python block's first line."""
        return self.text.splitlines()[0]


def split_comment(line: str) -> tuple[str, str]:
    """A shell line → (command, comment): a `#` that starts a word outside quotes starts the comment."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def blocks(path: Path):
    """→ (language, first line number, lines) of each fenced block, its indentation removed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        i += 1
        if not opening:
            continue
        indent, language, start, body = len(opening.group(1)), opening.group(2), i + 1, []
        while i < len(lines) and not FENCE.match(lines[i]):
            body.append(lines[i][indent:])
            i += 1
        i += 1  # the closing fence
        yield language, start, body


def shell_commands(start: int, body: list[str]):
    """→ (line number, command, comment) of each command of a ```sh block."""
    pending: list[str] = []
    for number, line in enumerate(body, start):
        if line.rstrip().endswith("\\"):
            pending.append(line.rstrip()[:-1].strip())
            continue
        command, comment = split_comment(" ".join([*pending, line.strip()]))
        first = number - len(pending)
        pending = []
        if command:
            yield first, command, comment


def examples_in(path: Path) -> list[Example]:
    name = path.relative_to(REPO).as_posix()
    found = []
    for language, start, body in blocks(path):
        if language == "sh":
            for number, command, comment in shell_commands(start, body):
                exit_code = EXIT_COMMENT.search(comment)
                found.append(Example(command, f"{name}:{number}", "sh", int(exit_code.group(1)) if exit_code else 0))
        elif language == "python":
            found.append(Example("\n".join(body).strip() + "\n", f"{name}:{start}", "python", 0))
    return found


def all_examples() -> list[Example]:
    """Every example of every README, in reading order; one written twice word for word runs once."""
    seen: dict[str, Example] = {}
    for path in SOURCES:
        for example in examples_in(path):
            seen.setdefault(example.text, example)
    return list(seen.values())
