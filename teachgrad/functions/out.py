"""The `out=` argument of the function forms (`teachgrad.add(a, b, out=c)`), with PyTorch's rules.

The result is computed as without `out`, then written into `out`, which is returned:

- out= is not differentiable: when autograd would record the result (an input requires grad and
  grad mode is on), or `out` itself requires grad, the call raises.
- The result's dtype must be castable to out's (`inplace.castable`: float into int64 is refused;
  int64 into float32 is converted).
- `out` takes the result's shape: an empty `out` is resized silently; one with elements and
  another shape is resized with PyTorch's deprecation warning.
"""

from __future__ import annotations

import warnings
from typing import Any

from teachgrad.autograd.grad_mode import is_grad_enabled, no_grad
from teachgrad.functions.device import empty_storage
from teachgrad.functions.dispatch import run_assign
from teachgrad.functions.inplace import castable
from teachgrad.strides import check_no_internal_overlap, numel


def write_out(name: str, result: Any, out: Any, stacklevel: int = 4) -> Any:
    """`result`, or, given `out`, `out` holding result's values (resized to result's shape); a resize warns at
    the caller `stacklevel` frames up (the user's line)."""
    if out is None:
        return result
    if result.requires_grad or (out.requires_grad and is_grad_enabled()):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    castable(out, result)
    if out.shape != result.shape:
        _resize(out, result.shape, stacklevel)
    check_no_internal_overlap(out.shape, out.stride())
    with no_grad():
        run_assign(out, result)
    out._version.value += 1
    return out


def _resize(out: Any, shape: tuple, stacklevel: int) -> None:
    """Give `out` new, contiguous storage of `shape`, warning when its old elements are dropped."""
    if out.numel() > 0:
        warnings.warn(
            f"An output with one or more elements was resized since it had shape {list(out.shape)}, which does not "
            f"match the required output shape {list(shape)}. This behavior is deprecated, and in a future PyTorch "
            "release outputs will not be resized unless they have zero elements. You can explicitly reuse an out "
            "tensor t by resizing it, inplace, to zero elements with t.resize_(0).", UserWarning, stacklevel=stacklevel)
    storage = empty_storage(out.device, numel(shape), out.dtype.numpy)
    out._init(storage, shape, None, 0, out.dtype, out.device, out._version)


def write_outs(name: str, result: Any, out: Any) -> Any:
    """`result`, or, given out, out holding it; a (values, indices) result takes `out=(values, indices)`."""
    if out is None or not isinstance(result, tuple):
        return write_out(name, result, out, 5)
    if not isinstance(out, (tuple, list)) or len(out) != len(result):
        got = len(out) if isinstance(out, (tuple, list)) else type(out).__name__
        raise TypeError(f"{name}(): expected out=(values, indices), a tuple of 2 elements but got {got}")
    values, indices = out
    return type(result)(write_out(name, result.values, values, 5), write_out(name, result.indices, indices, 5))
