"""No import circles in samcli: the static graph of module-level imports has
no cycle, and every module imports in a fresh interpreter in a random order.
Looking a model up and finding its weights file import no torch."""
from __future__ import annotations

import ast
import importlib
import random
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def all_modules() -> list[str]:
    names = []
    for path in sorted((REPO / "samcli").rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def import_graph(modules: list[str]) -> dict[str, set[str]]:
    """module → the samcli modules its top-level statements import; `from pkg
    import sub` counts as an edge to pkg.sub when that is a module."""
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name in modules:
        path = REPO / Path(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        edges = set()
        for node in ast.parse(path.read_text()).body:  # top level only: function-level imports are lazy
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in known}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("samcli"):
                subs = {f"{node.module}.{a.name}" for a in node.names} & known
                edges |= subs or ({node.module} & known)
        graph[name] = edges - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_module_imports_form_no_cycle():
    graph = import_graph(all_modules())
    assert graph["samcli.models.registry"] >= {"samcli.models.zoo", "samcli.models.spec"}  # the graph is real
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph))


def test_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_every_module_imports_in_a_random_order_in_a_fresh_interpreter():
    modules = [m for m in all_modules() if m != "samcli.__main__"]  # __main__ runs the CLI
    seed = random.randrange(1 << 30)
    random.Random(seed).shuffle(modules)
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    run = subprocess.run([sys.executable, "-c", code, *modules], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"seed {seed}, order {modules}:\n{run.stderr[-3000:]}"


#: what a run on ONNX Runtime needs before any model is built: it must not pay torch's import
TORCH_FREE = """
import sys
from samcli.models import ModelSpec, all_specs, get_spec
from samcli.models.checkpoint import cache_path, home_dir, resolve_checkpoint
from samcli.models.registry import models, spec_for
spec = get_spec("mobilesam")
all_specs()
spec_for("u2netp", "saliency", "salient")
resolve_checkpoint(spec, sys.argv[1])
cache_path(spec), home_dir(), models()
print("torch" in sys.modules)
"""


def test_looking_up_a_model_and_its_weights_imports_no_torch(tmp_path):
    weights = tmp_path / "w.pt"
    weights.write_bytes(b"x")
    run = subprocess.run([sys.executable, "-c", TORCH_FREE, str(weights)], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == "False", "torch was imported"


def test_built_in_specs_name_what_they_build():
    """Each built-in spec's lazy `build` names a class or function that exists (without building it)."""
    from samcli.models.spec import Lazy
    from samcli.models.zoo import BUILT_IN

    for spec in BUILT_IN:
        assert isinstance(spec.build, Lazy), spec.id
        module, _, name = spec.build.target.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), spec.build
    assert repr(BUILT_IN[0].build) == "lazy('samcli.models.sam_family:build_sam_vit', 'b')"


def test_a_command_starts_with_only_what_it_uses(tmp_path):
    """`samcli segment`, parsed and started, has imported neither the other commands nor
    what only they, a download or other formats need; nor pydantic (values are checked
    by samcli.cli.values): each is start-up time of every pipeline step."""
    (tmp_path / "images").mkdir()
    (tmp_path / "p.json").write_text('{"images": []}')
    unwanted = ["pydantic", "samcli.cli.eval_cmd", "samcli.cli.models_cmd", "samcli.cli.export_cmd", "yaml",
                "urllib.request", "samcli.writers.labelstudio", "torch"]
    code = ("import sys\nfrom samcli.cli import main\nsys.argv = ['samcli', 'segment', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {unwanted!r} if m in sys.modules))\n"
            "print('samcli.cli.segment_cmd' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "images"), "-p", str(tmp_path / "p.json"),
                          "--batch-size", "2", "--precision", "fp32", "-o", str(tmp_path / "out.json")],
                         capture_output=True, text=True, cwd=REPO)
    assert run.stdout.split("\n")[-3:-1] == ["[]", "True"], run.stdout + run.stderr
