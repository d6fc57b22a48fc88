#!/usr/bin/env bash
# GPU check of issue #9: parity of every pipeline golden on CUDA (fp32 judged,
# bf16 reported) and `samcli bench` throughput, in ONE call of under 5 minutes
# on a bare GPU machine (no network, no pycocotools, torch already there).
#
#   here, once (needs ../shared/parity and PyPI):
#     PYTHON=.venv/bin/python benchmarks/gpu_check.sh --pack .gpu_carry
#   on the GPU machine, with .gpu_carry carried:
#     bash benchmarks/gpu_check.sh            # → $OUT/gpu_check.json (or ./gpu_check.json) + tables
#   here, to try the same code on the CPU with tiny sizes (well under a minute):
#     PYTHON=.venv/bin/python benchmarks/gpu_check.sh --dry-run
#
# Environment: PYTHON (default python3), GPU_CARRY (default <repo>/.gpu_carry), OUT.
# Exit code: 0 when every fp32 parity check passed and every bench run finished.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
py="${PYTHON:-python3}"
carry="${GPU_CARRY:-$repo/.gpu_carry}"

if [[ "${1:-}" == "--pack" ]]; then
    [[ -n "${2:-}" ]] || { echo "usage: $0 --pack DIR [--no-wheel] [--parity-dir DIR]" >&2; exit 2; }
    export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
    exec "$py" "$here/gpu_check.py" pack "$2" "${@:3}"
fi

if ! "$py" -c "import pycocotools" 2>/dev/null; then
    wheels=("$carry"/whl/pycocotools-*.whl)
    [[ -f "${wheels[0]}" ]] || { echo "pycocotools is missing and $carry/whl holds no wheel: run --pack first" >&2; exit 2; }
    site="${TMPDIR:-/tmp}/samcli-gpu-check-site"
    "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" "${wheels[@]}"
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 SAMCLI_OFFLINE=1
exec "$py" "$here/gpu_check.py" run --carry "$carry" --out "${OUT:-.}/gpu_check.json" "$@"
