"""The CUDA kernels under numba's simulator: collected only when NUMBA_ENABLE_CUDASIM=1.

numba reads NUMBA_ENABLE_CUDASIM when it is imported, so these tests cannot run in the process
of the main test suite (which imports numba for the CPU fast path). `tests/cuda/test_simulator.py`
runs this folder in a fresh process with the variable set; to run it by hand:

    NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cuda/simulated -q

The suite's fixture `global_state_is_restored` (tests/conftest.py) applies here as everywhere.
"""

from __future__ import annotations

import os

if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
    collect_ignore_glob = ["test_*.py"]
else:
    def pytest_configure(config):
        # The simulator computes with numpy scalars, which warn where a GPU silently gives inf/nan.
        config.addinivalue_line("filterwarnings", "ignore:.*encountered in scalar:RuntimeWarning")
