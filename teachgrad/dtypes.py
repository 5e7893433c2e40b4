"""teachgrad's dtypes and PyTorch's type-promotion rules for them.

Four dtypes, ordered bool < int64 < float32 < float64; promoting two dtypes takes the later
one. In an operation, Python numbers and zero-dimensional tensors only decide the result dtype
when they belong to a higher *category* (bool < integer < floating) than the dimensioned tensors:
`float32_tensor * 2.5` stays float32, `int64_tensor * 2.5` becomes float32 (the default float).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class dtype:
    """A tensor element type: its name, numpy dtype, category (bool, integer, floating), and the
    name PyTorch's error messages give it (`scalar_type`: Bool, Long, Float, Double)."""

    def __init__(self, name: str, numpy_dtype: type, rank: int, category: int, scalar_type: str) -> None:
        self.name, self.numpy, self.rank, self.category = name, np.dtype(numpy_dtype), rank, category
        self.scalar_type = scalar_type
        self.is_floating_point = category == 2
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"teachgrad.{self.name}"

    def __reduce__(self):
        return (from_name, (self.name,))


bool_ = dtype("bool", np.bool_, 0, 0, "Bool")
int64 = dtype("int64", np.int64, 1, 1, "Long")
float32 = dtype("float32", np.float32, 2, 2, "Float")
float64 = dtype("float64", np.float64, 3, 2, "Double")

_BY_NUMPY = {d.numpy: d for d in (bool_, int64, float32, float64)}
_BY_NAME = {"bool": bool_, "int64": int64, "long": int64, "float32": float32, "float": float32,
            "float64": float64, "double": float64}
_default_float = float32


def from_name(name: str) -> dtype:
    if name not in _BY_NAME:
        raise TypeError(f"unknown dtype name {name!r}; known: {sorted(_BY_NAME)}")
    return _BY_NAME[name]


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Make `d` (float32 or float64) the dtype of tensors made from Python floats."""
    global _default_float
    if not isinstance(d, dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def as_dtype(value: Any) -> dtype:
    """Accept a teachgrad dtype, a numpy dtype (of the four supported) or a Python type."""
    if isinstance(value, dtype):
        return value
    if value is float:
        return _default_float
    if value is int:
        return int64
    if value is bool:
        return bool_
    try:
        np_dtype = np.dtype(value)
    except TypeError:
        raise TypeError(f"unsupported dtype {value!r}") from None
    return from_numpy(np_dtype)


def from_numpy(np_dtype: np.dtype) -> dtype:
    """The teachgrad dtype for a numpy dtype; other integer/float widths map to int64/float32/64."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _BY_NUMPY:
        return _BY_NUMPY[np_dtype]
    if np_dtype.kind in "iu":
        return int64
    if np_dtype.kind == "f":
        return float64 if np_dtype.itemsize > 4 else float32
    raise TypeError(f"can't convert numpy arrays of dtype {np_dtype}; supported: bool, integers, floats")


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def floats_fit_int64(values: np.ndarray) -> bool:
    """Whether every float converts to int64 without overflow (NaN and inf never do)."""
    return bool(np.all((values >= INT64_MIN) & (values < 2.0**63)))


def check_fits(value: Any, target: dtype) -> None:
    """Refuse a Python number that `target` cannot hold: NaN, inf or beyond int64's range into int64."""
    if target is int64 and isinstance(value, float) and not floats_fit_int64(np.float64(value)):
        raise RuntimeError(f"value cannot be converted to type int64_t without overflow (got {value})")


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both can be converted to without losing their category."""
    return a if a.rank >= b.rank else b


def scalar_dtype(value: Any) -> dtype:
    """The dtype a Python number takes in an operation: bool, int64 or the default float."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    if isinstance(value, (float, np.floating)):
        return _default_float
    raise TypeError(f"expected a number, got {type(value).__name__}")


def result_type(*operands: Any) -> dtype:
    """PyTorch's promotion: dimensioned tensors, then 0-dim tensors, then Python numbers.

    A later group decides only when its category is higher than what was found so far.
    """
    tensors = [o for o in operands if hasattr(o, "dtype") and not isinstance(o, np.generic)]  # numpy scalars are numbers
    dimensioned = [o.dtype for o in tensors if o.ndim > 0]
    zero_dim = [o.dtype for o in tensors if o.ndim == 0]
    numbers = [scalar_dtype(o) for o in operands if not any(o is t for t in tensors)]
    result = None
    for group in (dimensioned, zero_dim, numbers):
        if not group:
            continue
        best = group[0]
        for d in group[1:]:
            best = promote_types(best, d)
        if result is None or best.category > result.category:
            result = best
    return result
