"""Benchmark helpers: each kernel is timed next to its numpy yardstick, and the ratios printed.

Run with timing on:  pytest tests/benchmarks --benchmark-enable
(the project's pytest configuration passes --benchmark-disable, which runs every benchmark
once, untimed, as a smoke test).
"""

from __future__ import annotations

import numpy as np
import pytest

# group -> {"numba": median seconds, "numpy": ..., ...}, filled by `record`.
MEDIANS: dict[str, dict[str, float]] = {}


@pytest.fixture
def measure(benchmark):
    """measure(group, name, fn, rounds, expected): time fn after warm-up rounds (which also absorb
    the cost of switching between numpy's and Numba's thread pools), record its median, and check
    its result against `expected` (compared flat: the primitives return row-major buffers)."""

    def run(group: str, name: str, fn, rounds: int, expected, rtol: float = 1e-5, atol: float = 0.0) -> None:
        benchmark.group = group
        benchmark.name = name
        result = benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=3)
        np.testing.assert_allclose(np.ravel(result), np.ravel(expected), rtol=rtol, atol=atol)
        if benchmark.stats is not None:
            MEDIANS.setdefault(group, {})[name] = benchmark.stats.stats.median

    return run


def pytest_terminal_summary(terminalreporter) -> None:
    if not MEDIANS:
        return
    terminalreporter.section("numba kernels vs numpy yardsticks (median time; ratio > 1: numba is faster)")
    for group, medians in MEDIANS.items():
        numba_time = medians.get("numba")
        for name, seconds in medians.items():
            if name == "numba" or numba_time is None:
                continue
            terminalreporter.write_line(
                f"{group:<40} numba {numba_time * 1e6:9.1f} us   {name:<22} {seconds * 1e6:9.1f} us   "
                f"ratio {seconds / numba_time:5.2f}x")
