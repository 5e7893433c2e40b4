"""The CUDA kernels compile for a real GPU (to PTX, with NVIDIA's NVVM; no GPU needed).

The simulator runs kernels as Python, so a kernel that numba cannot type or compile would pass
there. `scripts/cuda_compile_check.py` compiles each kernel for every signature the backend uses.
It needs NVVM and NVRTC, from a CUDA toolkit or from the `cuda-check` extra; without them the test
is skipped (with that reason in the summary). `.ci/run` installs the extra and runs this test.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).parents[2]
HAVE_NVVM = bool(os.environ.get("CUDA_HOME") or os.environ.get("NUMBA_CUDA_NVVM")) or (
    importlib.util.find_spec("nvidia") is not None and importlib.util.find_spec("nvidia.cuda_nvcc") is not None)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_NVVM, reason="NVVM not found (pip install -e '.[cuda-check]' to compile-check the CUDA kernels)")
def test_every_cuda_kernel_compiles_to_ptx():
    environment = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    result = subprocess.run([sys.executable, str(REPOSITORY / "scripts" / "cuda_compile_check.py")], cwd=REPOSITORY,
                            env=environment, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
