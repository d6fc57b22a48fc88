"""Every example of README.md and sample_data/*/README.md, run as written, so that none goes stale.

The convention, for whoever writes an example:

- An example is a line of a ```sh block (`\\` continues it; a line that is only a comment is not
  one) or a whole ```python block. They run in the order they appear, in ONE scratch copy of the
  repository's root (sample_data/, the Makefile, benchmarks/), like a reader pasting them into one
  shell: an example may read what an earlier one wrote (`samcli convert out/sample.json` after the
  main job); so this file's cases must run on one worker, in order (`make test`: --dist loadfile).
  Write paths that exist there: sample_data/images, sample_data/prompts/*,
  sample_data/eval/*, or files an earlier example writes.
- `samcli` and `.venv/bin/samcli` are this checkout's. Weights come from stand-ins (the parity rule
  over each model's own state dict) under the released file names: in the cache ($SAMCLI_HOME,
  offline) and in ~/weights (for `--checkpoint ~/weights/mobile_sam.pt`). Models with stand-ins:
  STAND_INS below; add one there if an example needs another (mind its size).
- An example must exit 0, or with what its comment says: `samcli ... # exit 2`. What it writes (its
  --out, its --save-* folders) must be there afterwards, and JSON that parses.
- A NEW example runs by default. If it is expensive (minutes of CPU, a large model), add it to SLOW
  with the test that covers its code in the default run; if it cannot run here (a GPU, a cluster,
  the network), add it to CANNOT_RUN with the reason. Both are keyed by the command exactly as
  written, without its comment (a Python block: by its first line).
- Whatever runs or not, `test_every_example_parses_and_names_files_that_exist` reads every
  example's samcli command lines with samcli's own parser and checks the files they read exist
  (samcli itself only records its arguments there), in a few seconds.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.readme_argv import inputs, parse, parse_error, stand_in_outputs, unreadable_outputs
from tests.readme_examples import REPO, all_examples
from tests.readme_sandbox import make_sandbox

EXAMPLES = all_examples()

#: command (or a Python block's first line) → the default-run test that covers its code
SLOW = {
    ".venv/bin/samcli segment sample_data/images -p sample_data/prompts/prompts.json --checkpoint ~/weights/efficientvit_sam_l0.pt --offline --out out/sample.json":
        "tests/test_cli_segment.py (--checkpoint, offline); the main job, run here",
    "samcli segment sample_data/images --prompts sample_data/prompts/prompts.json --out masks.json":
        "the main job, run here: the same command with another --out",
    "samcli segment sample_data/images --prompts sample_data/prompts/yolo --prompt-format yolo --class-names sample_data/prompts/yolo/data.yaml -o yolo.json":
        "tests/test_formats.py::test_yolo_prompts_come_back_as_the_same_classes_and_names",
    "samcli segment sample_data/images -p sample_data/prompts/prompts.json --model edgesam --save-overlays viz/ --save-masks pngs/ -o masks.json":
        "tests/test_cli_outputs.py, tests/test_cli_parity_all_models.py",
    "samcli everything sample_data/images --out auto.json": "tests/test_cli_everything.py (32×32 grid, parity weights)",
    "samcli everything sample_data/images --hierarchical --points-per-side 8 --stats --out auto.json":
        "tests/test_cli_everything.py (--hierarchical --stats)",
    "samcli everything sample_data/images --model mobilesam --points-per-side 8 --crop-n-layers 1 --min-mask-region-area 100 -o auto.json":
        "tests/test_cli_everything.py (amg_crop), tests/test_everything_modes.py",
    "samcli salient sample_data/images --save-cutouts cutouts/ -o cutouts.json":
        "tests/test_cli_salient.py, tests/test_parity_u2net.py",
    "samcli salient sample_data/images --sod spectral --pad 8 --save-saliency maps/ --save-overlays viz/ -o out.json":
        "tests/test_cli_salient.py, tests/test_cli_standalone.py",
    "samcli eval sample_data/images --annotations sample_data/eval/instances_gt.json --model mobilesam,edgesam --protocol box":
        "tests/test_eval_cli.py::test_several_models_one_row_each, tests/test_eval_cli_models.py",
    "samcli eval sample_data/images -a sample_data/eval/instances_gt.json -m efficientvit-sam-l0 --protocol point --clicks 1,3,5 -o point.json":
        "tests/test_eval_cli.py::test_point_oracle_scores_one_after_every_click_count",
    "samcli eval sample_data/images -a sample_data/eval/instances_gt.json -m efficientvit-sam-l0 --protocol coco-ap --detections sample_data/eval/detections.json -o ap.json":
        "tests/test_eval_cli.py::test_sample_data_oracle_box_and_coco_ap",
    "samcli eval sample_data/images --annotations sample_data/eval/instances_gt.json --model mobilesam --protocol point --clicks 1,3,5":
        "tests/test_eval_cli.py::test_point_oracle_scores_one_after_every_click_count",
    "samcli eval sample_data/images --annotations sample_data/eval/instances_gt.json --model mobilesam --protocol coco-ap --detections sample_data/eval/detections.json --out report.json":
        "tests/test_eval_cli.py::test_sample_data_oracle_box_and_coco_ap",
    "samcli bench sample_data/images -m mobilesam --checkpoint ~/weights/mobile_sam.pt --device cpu":
        "tests/test_bench.py::test_bench_table_on_given_images",
    "samcli export onnx --model mobilesam --out onnx/": "tests/test_onnx_runtime.py, tests/test_onnx_export.py",
    "samcli export onnx --model edgesam --checkpoint ~/weights/edge_sam.pth --out onnx/ --quantize":
        "tests/test_onnx_runtime.py, tests/test_quantize.py",
    "samcli models list --json": "tests/test_cli_models.py::test_models_list_reports_sizes_macs_and_cache_state",
    "samcli models download efficientvit-sam-l0 mobilesam": "tests/test_cli_models.py",
    "samcli segment sample_data/images -p sample_data/prompts/prompts.json -f labelstudio -o ls/tasks.json":
        "tests/test_formats.py::test_labelstudio_tasks_and_config",
    "samcli segment dataset/images/train -p sample_data/prompts/prompts.json -f yolo-seg -o dataset/labels/train":
        "tests/test_formats.py::test_yolo_seg_lines_files_and_refusals",
    "samcli segment dataset/images/val -p sample_data/prompts/yolo --prompt-format yolo --class-names sample_data/prompts/yolo/data.yaml -f yolo-seg -o dataset/labels/val":
        "tests/test_formats.py::test_yolo_prompts_come_back_as_the_same_classes_and_names",
    "samcli segment sample_data/images -p sample_data/prompts/prompts.json -o out.json": "tests/test_resume.py",
    "samcli segment sample_data/images -p sample_data/prompts/prompts.json -o out.json --resume":
        "tests/test_resume.py::test_resume_without_a_journal_starts_from_the_beginning",
    "for i in 0 1 2 3; do samcli segment sample_data/images -p sample_data/prompts/prompts.json -o part$i.json --shard $i/4 --resume; done":
        "tests/test_shards.py::test_three_shards_merged_equal_the_single_run",
    "samcli merge part0.json part1.json part2.json part3.json -o all.json":
        "tests/test_shards.py::test_three_shards_merged_equal_the_single_run",
    "samcli segment sample_data/images -p sample_data/prompts/prompts.json -o out.json --ray auto": "tests/test_ray.py",
    "import numpy as np, samcli": "tests/test_api.py",
    "make fuzz": "tests/test_fuzz_sample.py",
}
#: command → why it cannot run here (still parsed by the dry run, unless in NOT_EVEN_DRY)
CANNOT_RUN = {
    "make setup": "builds .venv and .venv-consumers: downloads torch and every dependency",
    "make test": "the test suite itself, this module included",
    "make test-all": "the test suite itself, this module included",
    "SAMCLI_PARITY_DIR=/path make test": "the test suite itself, with a made-up path",
    "make bench": "benchmarks: many minutes of CPU, ratios to read rather than checks",
    "samcli bench -m efficientvit-sam-l0 --device cuda -b 32 -k 8 --json": "needs a CUDA GPU",
    "ray start --head --port 6379": "starts a Ray cluster on this machine (tests/test_ray.py starts one of its own)",
    "samcli segment sample_data/images -p sample_data/prompts/prompts.json -o out.json --ray HEAD:6379":
        "needs a Ray cluster at HEAD:6379 (tests/test_ray.py runs this against a `ray start --head` cluster)",
    "samcli everything sample_data/images -o auto.json --ray HEAD:6379 --ray-actors 8 --batch-size 8":
        "needs a Ray cluster at HEAD:6379 (tests/test_ray.py runs everything on a cluster)",
    "ray stop": "stops this machine's Ray cluster, which the examples do not start",
    "PYTHON=.venv/bin/python benchmarks/gpu_check.sh --pack .gpu_carry":
        "downloads a pycocotools wheel from PyPI and reads ../shared/parity (tests/test_gpu_check.py packs without them)",
    "PYTHON=.venv/bin/python benchmarks/gpu_check.sh --dry-run":
        "needs the pack above (tests/test_gpu_check.py::test_dry_run_is_the_device_run_on_the_cpu runs it)",
    'pre = json.load(open("onnx/efficientvit-sam-l0.json"))["preprocessing"]':
        "a fragment of the annotator loop (img, encoder come from the steps around it); "
        "tests/test_onnx_export.py drives the files this way",
}
#: not even run with the recording samcli: they do real work outside samcli
NOT_EVEN_DRY = {"make setup", "ray start --head --port 6379", "ray stop"}
#: the models whose stand-in weights the examples find (default model, the examples' --model choices, U²-Netp)
STAND_INS = ("efficientvit-sam-l0", "mobilesam", "edgesam", "u2netp")


def marks(example):
    if example.key in CANNOT_RUN:
        return [pytest.mark.skip(reason=f"cannot run here: {CANNOT_RUN[example.key]}")]
    return [pytest.mark.slow] if example.key in SLOW else []


def weights_names() -> dict[str, str]:
    from samcli.models import get_spec

    return {get_spec(m).filename: m for m in STAND_INS}


@pytest.fixture(scope="module")
def stand_in_cache(tmp_path_factory) -> Path:
    """$SAMCLI_HOME with every STAND_INS model's stand-in weights at its cache path, built once."""
    import torch

    from samcli.bench.weights import stand_in_state_dict
    from samcli.models import get_spec
    from samcli.models.checkpoint import cache_path

    cache = tmp_path_factory.mktemp("samcli-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAMCLI_HOME", str(cache))
        for model_id in STAND_INS:
            spec = get_spec(model_id)
            cache_path(spec).parent.mkdir(parents=True, exist_ok=True)
            torch.save(stand_in_state_dict(spec.build()), cache_path(spec))
    return cache


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, stand_in_cache):
    weights = {name: stand_in_cache / "checkpoints" / name for name in weights_names()}
    return make_sandbox(tmp_path_factory.mktemp("readme"), stand_in_cache, weights)


@pytest.mark.parametrize("example", [pytest.param(e, id=e.where, marks=marks(e)) for e in EXAMPLES])
def test_readme_example_runs(example, sandbox, monkeypatch):
    monkeypatch.chdir(sandbox.root)  # where the parser finds the files the command line names
    done = sandbox.run(example)
    assert done.returncode == example.exit_code, (
        f"{example.where}: {example.text}\nexit {done.returncode}, the README says {example.exit_code}\n"
        f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-4000:]}")
    for argv in sandbox.take_argv():
        if example.exit_code == 0:
            assert unreadable_outputs(parse(argv), sandbox.root) == [], f"{example.where}: {example.text}"


def test_every_example_parses_and_names_files_that_exist(tmp_path, monkeypatch):
    """All examples, those not run by default too, with a samcli that only records its arguments:
    the shell line runs, each samcli command line parses, and the files it reads exist in the
    sandbox (or an earlier example writes them)."""
    box = make_sandbox(tmp_path, tmp_path / "cache", dict.fromkeys(weights_names(), None), dry=True)
    monkeypatch.chdir(box.root)  # the parser checks paths relative to the working directory
    problems = []
    for example in EXAMPLES:
        if example.language == "python":
            compile(example.text, example.where, "exec")
            continue
        if example.key in NOT_EVEN_DRY:
            continue
        done = box.run(example, timeout=60)
        if done.returncode != 0:
            problems.append(f"{example.where}: {example.text}: exit {done.returncode}: {done.stderr[-500:]}")
        for argv in box.take_argv():
            error = parse_error(argv)
            if error:
                problems.append(f"{example.where}: samcli {' '.join(argv)}: {error}")
                continue
            ctx = parse(argv)
            if example.exit_code == 0:
                problems += [f"{example.where}: {p} does not exist" for p in inputs(ctx) if not (box.root / p).exists()]
            stand_in_outputs(ctx, box.root)
    assert problems == []


def test_make_demo_is_a_readme_example_run_by_default():
    recipe = subprocess.run(["make", "-n", "demo"], cwd=REPO, capture_output=True, text=True, check=True,
                            env={"PATH": "/usr/bin:/bin"}).stdout.strip()
    example = next((e for e in EXAMPLES if e.text == recipe), None)
    assert example is not None, f"`make demo` runs {recipe!r}, which no README example shows"
    assert example.key not in SLOW and example.key not in CANNOT_RUN


@pytest.mark.slow  # its command is a README example that runs by default (the test above)
def test_make_demo_runs(sandbox, monkeypatch):
    monkeypatch.chdir(sandbox.root)
    done = subprocess.run(["make", "demo"], cwd=sandbox.root, env=sandbox.env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    assert unreadable_outputs(parse(sandbox.take_argv()[-1]), sandbox.root) == []


def test_the_lists_name_examples_and_tests_that_exist():
    keys = [e.key for e in EXAMPLES]
    assert len(keys) == len(set(keys)), "two examples share a key: make their first lines differ"
    listed = [*SLOW, *CANNOT_RUN, *NOT_EVEN_DRY]
    assert [k for k in listed if k not in keys] == [], "listed, but no README example reads so (any longer)"
    assert not set(SLOW) & set(CANNOT_RUN)
    named = {word.split("::")[0] for why in [*SLOW.values(), *CANNOT_RUN.values()] for word in why.replace(",", " ").split()}
    assert [t for t in named if t.startswith("tests/") and not (REPO / t).is_file()] == []
