# Two commands on a fresh machine: `make setup`, then `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch first, pinned to the version we test with, as its CPU build: PyPI's Linux wheel of torch is the CUDA
# build (530 MB plus GBs of cuda-toolkit and nvidia-* packages), so the CPU wheel comes from PyTorch's CPU
# index, unless pip already sees torch==$(TORCH_VERSION)+cpu (a local wheelhouse or mirror, as on CI).
# Any other build: `make setup TORCH_SPEC="torch==2.13.0"` (PyPI's, for CUDA 13) or "torch==2.13.0 --index-url ...".
TORCH_VERSION ?= 2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_SPEC ?=
PYTEST_WORKERS ?= 2
# Label Studio's and Datumaro's own code for the output-format round trips (tests/test_consumers.py): a venv of
# their own, as they pin OpenCV < 5 and Pillow versions the project's venv cannot hold
CONSUMERS ?= .venv-consumers

.PHONY: setup test test-all fuzz bench demo clean

setup:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@spec='$(TORCH_SPEC)'; \
	if [ -z "$$spec" ]; then \
	  if $(BIN)/python -m pip install -q --dry-run --no-deps 'torch==$(TORCH_VERSION)+cpu' >/dev/null 2>&1; \
	  then spec='torch==$(TORCH_VERSION)+cpu'; \
	  else spec='torch==$(TORCH_VERSION) --index-url $(TORCH_CPU_INDEX)'; fi; \
	fi; \
	echo "torch: pip install $$spec"; $(BIN)/python -m pip install -q $$spec
	$(BIN)/python -m pip install -q -e '.[dev,ray,onnx]'
	$(BIN)/samcli --version
	$(PYTHON) -m venv $(CONSUMERS)
	$(CONSUMERS)/bin/python -m pip install -q -r tests/consumers/requirements.txt

# --dist loadfile: a test file's cases run on one worker, in file order (the README examples build on
# each other; tests/test_ray.py shares one cluster). Not loadgroup: with pytest 9, xdist's group
# suffix no longer reaches the node ids, and groups are silently spread over the workers.
test:
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=15

# Includes the cases marked slow.
test-all:
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m '' --durations=15

# Hostile and damaged input files through every reader (>= 10,000 cases): counts per reader and outcome.
# Failing cases are saved under fuzz-failures/. `make test` runs a fixed-seed sample of ~1,000.
fuzz:
	$(BIN)/python -m tests.fuzz --cases 12000

bench:
	$(BIN)/python benchmarks/run_all.py

# The main job on the bundled samples (downloads the default model's weights once).
demo:
	$(BIN)/samcli segment sample_data/images --prompts sample_data/prompts/prompts.json --out out/sample.json

clean:
	rm -rf $(VENV) $(CONSUMERS) *.egg-info .pytest_cache out
