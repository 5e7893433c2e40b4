"""The CUDA kernels under numba's simulator: collected only when NUMBA_ENABLE_CUDASIM=1.

numba reads NUMBA_ENABLE_CUDASIM when it is imported, so these tests cannot run in the process
of the main test suite (which imports numba for the CPU fast path). `tests/cuda/test_simulator.py`
runs this folder in a fresh process with the variable set; to run it by hand:

    NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cuda/simulated -q
"""

from __future__ import annotations

import os

import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
    collect_ignore_glob = ["test_*.py"]
else:
    import teachgrad as tg

    def pytest_configure(config):
        # The simulator computes with numpy scalars, which warn where a GPU silently gives inf/nan.
        config.addinivalue_line("filterwarnings", "ignore:.*encountered in scalar:RuntimeWarning")

    @pytest.fixture(autouse=True)
    def global_state_is_restored():
        """Grad mode, CPU backend, default dtype and seed are global: each test starts from a fixed state."""
        backend, default_dtype = tg.get_backend(), tg.get_default_dtype()
        tg.manual_seed(0)
        yield
        leaked_grad_mode = not tg.is_grad_enabled()
        tg.set_grad_enabled(True)
        tg.set_backend(backend)
        tg.set_default_dtype(default_dtype)
        assert not leaked_grad_mode, "the test left grad mode disabled"
