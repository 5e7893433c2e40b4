"""Turning registry samples into tensors: contiguous, or as non-contiguous views with the same values.

For a view layout the *leaf* tensor owns storage laid out differently (transposed, or with gaps),
and the operation sees a view of it; gradients are checked on the leaf.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import teachgrad as tg
from teachgrad.registry.core import OpInfo, Sample


def is_float_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def _leaf(value: Any, layout: str, dtype: tg.dtype) -> Any:
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


def _view(leaf: Any, value: Any, layout: str) -> Any:
    if not is_float_array(value) or value.ndim == 0:
        return leaf
    if layout == "transposed" and value.ndim >= 2:
        return leaf.transpose(-1, -2)
    if layout == "sliced":
        return leaf[..., ::2]
    return leaf


def make_leaves(sample: Sample, dtype: tg.dtype, requires_grad: bool = False) -> list:
    """The sample's arguments as leaf tensors (float arrays in `dtype`; others unchanged)."""
    leaves = [_leaf(v, sample.layout, dtype) for v in sample.args]
    if requires_grad:
        for leaf, value in zip(leaves, sample.args):
            if is_float_array(value):
                leaf.requires_grad_(True)
    return leaves


def run(op: OpInfo, sample: Sample, *leaves: Any) -> tuple:
    """Apply the operation to the sample's leaves (seen through the sample's layout); a tuple of outputs."""
    operands = [_view(leaf, value, sample.layout) for leaf, value in zip(leaves, sample.args)]
    out = op.op(*operands, **sample.kwargs)
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)
