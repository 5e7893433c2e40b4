"""Whether operations record a graph: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`.

Each is a context manager and a function decorator, as in PyTorch. The state is a single
module-level flag; `Function.apply` reads it to decide whether to record a node.
"""

from __future__ import annotations

import functools
from typing import Callable

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Return True when operations currently record the graph for backward."""
    return _grad_enabled


def _set_enabled(mode: bool) -> None:
    global _grad_enabled
    _grad_enabled = bool(mode)


class _GradModeContext:
    """Base of the three grad-mode switches: sets a mode on entry, restores it on exit."""

    mode: bool = True

    def __new__(cls, *args):
        """`@no_grad` without parentheses decorates the function directly, as in PyTorch."""
        if len(args) == 1 and callable(args[0]):
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self) -> None:
        self._previous = is_grad_enabled()
        _set_enabled(self.mode)

    def __exit__(self, *exc_info) -> None:
        _set_enabled(self._previous)

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            previous = is_grad_enabled()
            _set_enabled(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _set_enabled(previous)

        return wrapper


class no_grad(_GradModeContext):
    """Disable graph recording: results of operations have `requires_grad=False`."""

    mode = False


class inference_mode(_GradModeContext):
    """PyTorch's `inference_mode`: here the same as `no_grad` (with mode=False, grad mode stays on)."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = not mode


class enable_grad(_GradModeContext):
    """Enable graph recording, also inside a `no_grad` block."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set graph recording on or off; takes effect immediately, like PyTorch's.

    Usable as `set_grad_enabled(False)` (a plain call), as a context manager, or as a decorator.
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled() expects a bool, got {type(mode).__name__}")
        self.mode = mode
        self._previous = is_grad_enabled()
        _set_enabled(mode)

    def __enter__(self) -> None:
        pass  # the mode was already set by __init__; __exit__ restores the previous one

    def __call__(self, fn: Callable) -> Callable:
        _set_enabled(self._previous)  # used as a decorator: the call above must not leak
        return super().__call__(fn)
