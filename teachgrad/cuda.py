"""`teachgrad.cuda`: is there a GPU, how many, wait for it; PyTorch's `torch.cuda` names.

Tensors on device "cuda" keep their storage in GPU memory (a numba.cuda device array) and run
the numba.cuda kernels of `teachgrad.fastpath.cuda`. That needs numba's CUDA support and an
NVIDIA GPU with its driver, or numba's CUDA *simulator*: with the environment variable
`NUMBA_ENABLE_CUDASIM=1` set before numba is imported, the same kernels run as Python on the CPU
(slowly: one Python thread per CUDA thread), which is how the tests check them without a GPU.

numba is imported only when one of these functions is first called, so `import teachgrad`
stays fast and works without numba's CUDA support.
"""

from __future__ import annotations

import os
from types import ModuleType

_INSTALL_HINT = (
    "install teachgrad[cuda] and run on a machine with an NVIDIA GPU, "
    "or set NUMBA_ENABLE_CUDASIM=1 to use numba's simulator"
)


def _numba_cuda() -> tuple[ModuleType | None, str]:
    """numba.cuda and an empty string, or None and why it cannot be used."""
    try:
        from numba import cuda as numba_cuda
    except Exception as error:  # ImportError, or a broken CUDA installation
        return None, f"numba.cuda cannot be imported ({type(error).__name__}: {error})"
    return numba_cuda, ""


def is_simulator() -> bool:
    """True when numba's CUDA simulator stands in for a GPU (NUMBA_ENABLE_CUDASIM=1)."""
    module, _ = _numba_cuda()
    if module is None:
        return False
    try:
        from numba.core import config
    except Exception:
        return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")
    return bool(config.ENABLE_CUDASIM)


def _why_unavailable() -> str:
    """An empty string when CUDA can be used, else the reason it cannot."""
    module, reason = _numba_cuda()
    if module is None:
        return reason
    if is_simulator():
        return ""
    try:
        if module.is_available():
            return ""
    except Exception as error:
        return f"numba could not start CUDA ({type(error).__name__}: {error})"
    return "no NVIDIA GPU with a working CUDA driver was found"


_found = False  # set once CUDA was found: a GPU does not go away, and every CUDA operation asks


def is_available() -> bool:
    """True when tensors can be moved to "cuda": a GPU (or numba's simulator) is there. Never raises."""
    global _found
    if not _found:
        try:
            _found = _why_unavailable() == ""
        except Exception:
            return False
    return _found


def unavailable_error() -> RuntimeError:
    """The error raised when something needs CUDA and it is not available, saying what is missing."""
    return RuntimeError(f"CUDA is not available: {_why_unavailable() or 'unknown reason'}; {_INSTALL_HINT}")


def require(index: int | None = None) -> ModuleType:
    """numba.cuda, after checking that CUDA (and device `index`, when given) can be used."""
    if not is_available():
        raise unavailable_error()
    module, _ = _numba_cuda()
    if index is not None and index != 0:
        count = device_count()
        if 0 <= index < count:
            raise RuntimeError(f"teachgrad uses one GPU, cuda:0; cuda:{index} is not supported (yet)")
        raise RuntimeError(f"CUDA error: invalid device ordinal: device index {index} requested, "
                           f"but {count} CUDA device(s) are available")
    return module


def device_count() -> int:
    """The number of GPUs (1 under the simulator; 0 when CUDA is not available)."""
    if not is_available():
        return 0
    module, _ = _numba_cuda()
    try:
        return len(module.gpus)
    except Exception:
        return 0


def current_device() -> int:
    """The index of the GPU in use (teachgrad uses device 0)."""
    require()
    return 0


def get_device_name(device: int | None = None) -> str:
    """The GPU's name, e.g. "NVIDIA H100 80GB HBM3"; "numba CUDA simulator" under the simulator."""
    module = require(device)
    if is_simulator():
        return "numba CUDA simulator"
    name = module.gpus[device or 0].name
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device: int | None = None) -> None:
    """Wait until every kernel launched so far has finished (time GPU work only after this)."""
    module = require(device)
    module.synchronize()
