"""`device`: where a tensor's storage lives, "cpu" or "cuda"."""

from __future__ import annotations

from typing import Any

_KNOWN_TYPES = ("cpu", "cuda")


class device:
    """A device such as `device("cpu")` or `device("cuda", 0)`; `str(device("cpu")) == "cpu"`."""

    def __init__(self, spec: Any, index: int | None = None) -> None:
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        if not isinstance(spec, str):
            raise TypeError(f"device expects a string like 'cpu' or 'cuda:0', got {spec!r}")
        kind, _, number = spec.partition(":")
        if kind not in _KNOWN_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_KNOWN_TYPES)} device type at start of device string: {spec}")
        if number:
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{spec}'")
            index = int(number)
        if kind == "cpu":
            index = None
        self.type, self.index = kind, index

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index or 0) == (other.type, other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")
_default_device = CPU


def set_default_device(spec: Any) -> None:
    """Make creation functions (`tensor`, `zeros`, `arange`, ...) put tensors on `spec` when they
    are given no device; None restores the CPU. Existing tensors and `*_like` copies are unchanged."""
    global _default_device
    _default_device = CPU if spec is None else device(spec)


def get_default_device() -> device:
    """The device creation functions use when given none (a CUDA device with its index, cuda:0)."""
    if _default_device.type == "cuda" and _default_device.index is None:
        return device("cuda", 0)
    return _default_device
