"""The registry's data types: OpInfo (one operation), Sample (one call), ErrorCase (a refusal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np


@dataclass
class Sample:
    """One call: positional args (numpy arrays become tensors), keyword args, and a layout.

    `layout` makes array inputs non-contiguous views with the same values: "transposed"
    (built transposed, then transposed back) or "sliced" (every other element of a larger buffer).
    `gradcheck=False` marks an edge case whose forward is inf or nan, where finite differences
    say nothing: its gradient is still compared across backends and on CUDA, and a test in
    tests/tensor checks it against PyTorch's. `gradgradcheck=False` marks one where the first
    derivative jumps (tied maxima), so finite differences of it say nothing.
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)
    layout: str = "contiguous"
    name: str = ""
    gradcheck: bool = True
    gradgradcheck: bool = True


@dataclass
class ErrorCase:
    """A call the operation must refuse: `call()` raises `error` with `match` in its message."""

    call: Callable[[], Any]
    error: type
    match: str


@dataclass
class OpInfo:
    name: str
    group: str
    op: Callable[..., Any]
    reference: Callable[..., Any]
    samples: Callable[[np.random.Generator], Iterable[Sample]]
    function: type | None = None
    composed_of: str = ""
    differentiable: bool = True
    errors: Callable[[], Iterable[ErrorCase]] = lambda: ()
    dtypes: tuple = ("float32", "float64")
    rtol: float = 1e-5
    atol: float = 1e-6

    def rule(self) -> str:
        """The documented math: the Function's docstring, or how the op is composed."""
        if self.function is not None and self.function.__doc__:
            return _dedent(self.function.__doc__)
        return self.composed_of


def _dedent(text: str) -> str:
    lines = text.strip("\n").splitlines()
    indents = [len(l) - len(l.lstrip()) for l in lines[1:] if l.strip()]
    cut = min(indents, default=0)
    return "\n".join([lines[0].strip()] + [l[cut:] for l in lines[1:]]).strip()


_REGISTRY: dict[str, OpInfo] = {}


def register(info: OpInfo) -> OpInfo:
    if info.name in _REGISTRY:
        raise ValueError(f"operation {info.name!r} is registered twice")
    _REGISTRY[info.name] = info
    return info


def all_ops() -> list[OpInfo]:
    """Every registered operation, in registration order (grouped by module)."""
    return list(_REGISTRY.values())


def get(name: str) -> OpInfo:
    if name not in _REGISTRY:
        raise KeyError(f"no operation named {name!r}; known operations: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]
