"""A fixed-seed sample (~1,000 cases) of the fuzz harness (`make fuzz` runs the
full one): every case over every reader ends as loaded, as per-item messages or
as a usage error, never as another exception."""
from __future__ import annotations

from tests.fuzz.runner import UNCAUGHT, run
from tests.fuzz.targets import TARGETS


def test_a_fixed_seed_sample_of_fuzz_cases_raises_nothing_uncaught():
    results = run(1000, seed=1)
    assert results.cases >= 900
    assert results.uncaught == 0, "\n\n".join(results.failures[:5])
    assert set(results.counts) == {t.name for t in TARGETS}
    for name, counts in results.counts.items():  # each target's seeds load, and hostile cases were refused
        assert counts["loaded"] and counts["usage-error"] and counts[UNCAUGHT] == 0, (name, counts)
