"""Run every benchmark with defaults (prints ratios; never part of `make test`)."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for script in ("bench_encoders.py", "bench_segment.py"):
    subprocess.run([sys.executable, str(HERE / script), *sys.argv[1:]], cwd=HERE, check=True)
