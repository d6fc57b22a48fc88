"""`samcli bench`: end-to-end throughput of the segment engine, as an API.

    from samcli.bench import BenchOptions, run_bench
    report = run_bench(BenchOptions("mobilesam", device="cuda", batch_size=8))
"""
from samcli.bench.run import STAGE_LABELS, STAGES, BenchOptions, run_bench
from samcli.bench.weights import STAND_IN, bench_model

__all__ = ["STAGES", "STAGE_LABELS", "STAND_IN", "BenchOptions", "bench_model", "run_bench"]
