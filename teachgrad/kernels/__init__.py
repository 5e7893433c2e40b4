"""Kernel selection: which backend's kernels run the primitives, chosen per call.

A backend is a module that implements the primitives of `teachgrad.kernels.reference` with the
same signatures (see that module's docstring for the list). CPU tensors use the *active* CPU
backend: `set_backend(name)`, `with backend(name):`, or the environment variable
`TEACHGRAD_BACKEND`. CUDA tensors always use the CUDA kernels. Both CPU backends read and write
the same numpy storage, so switching costs nothing and mixing is allowed.

This package is `teachgrad.kernels`, not `teachgrad.backends`, because PyTorch programs read
`torch.backends` for flags (`torch.backends.mps.is_available()`, `torch.backends.cudnn.benchmark`):
`teachgrad.backends` holds those flags, so that such programs run unchanged, and teachgrad's own
choice of kernels lives here, under a name PyTorch does not use. `set_backend`, `get_backend`,
`backend` and `available_backends` are re-exported at the top level (`teachgrad.set_backend`).
"""

from __future__ import annotations

import contextlib
import importlib
import os
from types import ModuleType
from typing import Iterator

from teachgrad.kernels import reference

# name -> module path; a backend module is imported the first time it is used.
_BACKEND_MODULES = {
    "reference": "teachgrad.kernels.reference",
    "numba": "teachgrad.fastpath.cpu",
}
# device -> module path: the kernels of tensors on another device (not selectable with set_backend).
_DEVICE_BACKEND_MODULES = {
    "cuda": "teachgrad.fastpath.cuda",
}
_DEFAULT = "numba"  # the fast path; `set_backend("reference")` for the readable kernels
_loaded: dict[str, ModuleType] = {"reference": reference}
_active = os.environ.get("TEACHGRAD_BACKEND", _DEFAULT)


def available_backends() -> list[str]:
    """The names `set_backend` accepts."""
    return list(_BACKEND_MODULES)


def _check_name(name: str) -> str:
    if name not in _BACKEND_MODULES:
        raise ValueError(f"unknown backend {name!r}; available backends: {', '.join(available_backends())}")
    return name


def set_backend(name: str) -> None:
    """Make `name` the CPU backend for all following operations."""
    global _active
    _active = _check_name(name)


def get_backend() -> str:
    """The name of the active CPU backend."""
    return _check_name(_active)


@contextlib.contextmanager
def backend(name: str) -> Iterator[None]:
    """Use the CPU backend `name` inside a `with` block."""
    global _active
    previous, _active = _active, _check_name(name)
    try:
        yield
    finally:
        _active = previous


def load(name: str) -> ModuleType:
    """The module of backend `name` (a CPU backend, or a device such as "cuda"), imported on first use."""
    module = _loaded.get(name)
    if module is None:
        path = _DEVICE_BACKEND_MODULES.get(name) or _BACKEND_MODULES[_check_name(name)]
        module = _loaded[name] = importlib.import_module(path)
    return module


def cpu_kernels() -> ModuleType:
    """The module of the active CPU backend."""
    module = _loaded.get(_active)
    return module if module is not None else load(get_backend())
