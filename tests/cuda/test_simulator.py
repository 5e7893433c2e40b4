"""Run the CUDA tests (tests/cuda/simulated) under numba's CUDA simulator, in a fresh process.

numba decides between the real CUDA driver and its simulator when it is imported, from the
environment variable NUMBA_ENABLE_CUDASIM; this process has imported numba already (the CPU fast
path), so the simulated tests run in a child process started with the variable set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SIMULATED = Path(__file__).parent / "simulated"
REPOSITORY = Path(__file__).parents[2]


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") == "1",
                    reason="the simulator is on in this process: tests/cuda/simulated is collected here directly")
def test_every_cuda_test_passes_under_numbas_simulator():
    environment = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    command = [sys.executable, "-m", "pytest", str(SIMULATED), "-q", "-p", "no:cacheprovider", "-x"]
    result = subprocess.run(command, cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"simulated CUDA tests failed:\n{output[-6000:]}"
    assert " passed" in output and " failed" not in output, output[-2000:]
