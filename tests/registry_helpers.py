"""Turning registry samples into tensors (contiguous or as non-contiguous views) for the tests."""

from __future__ import annotations

import numpy as np

import teachgrad as tg


def is_float_array(value) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def make_base(value, layout: str, dtype):
    """The tensor that owns the storage: for a view layout, laid out so `as_view` shows `value`."""
    if not isinstance(value, np.ndarray):
        return value
    if not is_float_array(value):
        return tg.from_numpy(value.copy())
    array = value.astype(dtype.numpy)
    if layout == "transposed" and array.ndim >= 2:
        array = np.ascontiguousarray(np.swapaxes(array, -1, -2))
    elif layout == "sliced" and array.ndim >= 1:
        array = np.repeat(array, 2, axis=-1)
    return tg.tensor(array, dtype=dtype)


def as_view(base, value, layout: str):
    """The operand the operation sees: `base` itself, or the view of it that equals `value`."""
    if not is_float_array(value) or value.ndim == 0:
        return base
    if layout == "transposed" and value.ndim >= 2:
        return base.transpose(-1, -2)
    if layout == "sliced":
        return base[..., ::2]
    return base


def operands(sample, dtype, requires_grad=False):
    """(leaves, function) for a sample: the function maps leaves to the op's operands."""
    leaves = [make_base(v, sample.layout, dtype) for v in sample.args]
    if requires_grad:
        for leaf, value in zip(leaves, sample.args):
            if is_float_array(value):
                leaf.requires_grad_(True)

    def views(*bases):
        return [as_view(b, v, sample.layout) for b, v in zip(bases, sample.args)]

    return leaves, views


def as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)
