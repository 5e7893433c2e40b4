"""`teachgrad.accelerator`: PyTorch's device-agnostic questions about the accelerator.

teachgrad's one accelerator is CUDA (`teachgrad.cuda`), so each answer is CUDA's. PyTorch tells
the accelerator compiled into its build from the one present at run time; teachgrad has no build
step for CUDA (numba compiles its kernels when they are first run), so both are the run-time one.
"""

from __future__ import annotations

from teachgrad import cuda
from teachgrad.device import device


def is_available() -> bool:
    """Whether an accelerator can be used here (a CUDA GPU, or numba's CUDA simulator)."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """`device("cuda")` when CUDA can be used, else None (`check_available` changes nothing here)."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """How many accelerator devices there are (0 without CUDA)."""
    return cuda.device_count()
