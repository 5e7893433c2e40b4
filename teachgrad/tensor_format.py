"""PyTorch-like printing of tensors: `tensor([[1., 2.], [3., 4.]], requires_grad=True)`."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from teachgrad import dtypes


def _element_formatter(values: np.ndarray, dtype: dtypes.dtype) -> Callable[[Any], str]:
    """PyTorch's element format: every element right-aligned to one width, chosen from all values.

    Floats print as integers with a point (`1.`) when all are whole numbers, else with 4
    decimals; in scientific notation (`1.0000e+05`) when the nonzero magnitudes span more than
    1000x, exceed 1e8 or go below 1e-4.
    """
    if dtype is dtypes.bool_:
        def text(v): return "True" if v else "False"
        shown = values.reshape(-1)
    elif not dtype.is_floating_point:
        def text(v): return str(int(v))
        shown = values.reshape(-1)
    else:
        shown = values[np.isfinite(values) & (values != 0)]
        whole = bool(np.all(shown == np.ceil(shown)))
        magnitude = np.abs(shown).astype(np.float64)
        scientific = bool(shown.size) and bool(
            magnitude.max() / magnitude.min() > 1000.0 or magnitude.max() > 1.0e8 or magnitude.min() < 1.0e-4
        )

        def text(v):
            if scientific:
                return f"{v:.4e}"
            if whole:
                return f"{v:.0f}" + ("." if np.isfinite(v) else "")
            return f"{v:.4f}"

    width = max((len(text(v)) for v in shown), default=1)
    return lambda v: text(v).rjust(width)


def format_tensor(values: np.ndarray, dtype: dtypes.dtype, device: Any, grad_fn: Any, requires_grad: bool) -> str:
    prefix = "tensor("
    if values.size == 0:
        body = "[]"
    else:
        formatter = {"all": _element_formatter(values, dtype)}
        body = np.array2string(values, separator=", ", prefix=prefix, formatter=formatter, threshold=1000, edgeitems=3,
                               max_line_width=80)
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
