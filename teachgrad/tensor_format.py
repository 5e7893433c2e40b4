"""PyTorch-like printing of tensors: `tensor([[1., 2.], [3., 4.]], requires_grad=True)`."""

from __future__ import annotations

from typing import Any

import numpy as np

from teachgrad import dtypes


def _float_formatter(values: np.ndarray):
    """Pick PyTorch's style: integers as `1.`, 4 decimals, or scientific for wide ranges."""
    finite = np.abs(values[np.isfinite(values)]) if values.size else values
    if finite.size and np.all(finite == np.round(finite)) and finite.max() < 1e8:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
    nonzero = finite[finite != 0]
    if nonzero.size and (nonzero.max() >= 1e8 or nonzero.min() < 1e-4 or nonzero.max() / nonzero.min() > 1e3 and nonzero.max() > 1e3):
        return lambda v: f"{v:.4e}"
    return lambda v: f"{v:.4f}" if np.isfinite(v) else str(v)


def format_tensor(values: np.ndarray, dtype: dtypes.dtype, device: Any, grad_fn: Any, requires_grad: bool) -> str:
    prefix = "tensor("
    if values.size == 0:
        body = "[]"
    else:
        formatter = {"float_kind": _float_formatter(values)} if dtype.is_floating_point else {}
        if dtype is dtypes.bool_:
            formatter = {"bool": lambda v: "True" if v else "False"}
        body = np.array2string(values, separator=", ", prefix=prefix, formatter=formatter, threshold=1000, edgeitems=3)
    extras = []
    if str(device) != "cpu":
        extras.append(f"device='{device}'")
    if values.size == 0 and values.shape != (0,):
        extras.append(f"size={tuple(values.shape)}")
    if dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
        extras.append(f"dtype={dtype}")
    if grad_fn is not None:
        extras.append(f"grad_fn={grad_fn}")
    elif requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"
