# Two commands on a fresh machine: `make setup`, then `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch first, pinned to the wheel we test with: an unpinned torch pulls the newest CUDA build (GBs).
# On a GPU machine pass your CUDA build, e.g. `make setup TORCH_SPEC="torch==2.13.0 --index-url ..."`.
TORCH_SPEC ?= torch==2.13.0
PYTEST_WORKERS ?= 2

.PHONY: setup test test-all bench demo clean

setup:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_SPEC)
	$(BIN)/python -m pip install -q -e '.[dev,ray,onnx]'
	$(BIN)/samcli --version

# --dist loadgroup: tests marked xdist_group (the ONNX ones) share one worker and its session fixtures
test:
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=15

# Includes the cases marked slow.
test-all:
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -m '' --durations=15

bench:
	$(BIN)/python benchmarks/run_all.py

# The main job on the bundled samples (downloads the default model's weights once).
demo:
	$(BIN)/samcli segment sample_data/images --prompts sample_data/prompts/prompts.json --out out/sample.json

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache out
