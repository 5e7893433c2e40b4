"""Promotion and broadcasting helpers shared by the elementwise Functions.

Forward: operands become tensors of one dtype (PyTorch's promotion, `dtypes.result_type`).
Backward: broadcasting copied an input along some dims, so its gradient is the sum of the
copies' gradients: `unbroadcast` sums over those dims, then the gradient is converted back to
the input's dtype.
"""

from __future__ import annotations

from typing import Any

from teachgrad.dtypes import dtype, get_default_dtype, result_type


def is_tensor(value: Any) -> bool:
    return hasattr(value, "_strided")


def promote(*operands: Any, floating: bool = False) -> tuple:
    """The operands as tensors of their common dtype (the default float when `floating`)."""
    if len(operands) == 2:  # the common cases first: nothing to convert, or a float tensor and a number
        a, b = operands
        if is_tensor(a):
            if is_tensor(b) and a.dtype is b.dtype and (a.dtype.is_floating_point or not floating):
                return a, b
            if type(b) in _PLAIN_NUMBERS and a.dtype.is_floating_point:
                return a, a._as_operand(b, a.dtype)  # the tensor's dtype (a number does not promote it)
        elif type(a) in _PLAIN_NUMBERS and is_tensor(b) and b.dtype.is_floating_point:
            return b._as_operand(a, b.dtype), b
    target = result_type(*operands)
    if floating and not target.is_floating_point:
        target = get_default_dtype()
    like = next(o for o in operands if is_tensor(o))
    return tuple(like._as_operand(o, target) for o in operands)


_PLAIN_NUMBERS = (int, float)  # (not bool: True is a bool tensor's value, and promotes differently)


def describe(value: Any) -> tuple | None:
    """What backward needs to know of an input: its (shape, dtype), or None for a number."""
    return (value.shape, value.dtype) if is_tensor(value) else None


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Sum `grad` over the dims that broadcasting added or stretched, giving `shape`.

    Broadcasting copies an element along a dim; the adjoint of a copy is a sum.
    """
    if tuple(grad.shape) == tuple(shape):
        return grad
    lead = grad.ndim - len(shape)
    stretched = [lead + d for d, size in enumerate(shape) if size == 1 and grad.shape[lead + d] != 1]
    dims = tuple(range(lead)) + tuple(stretched)
    return grad.sum(dim=dims, keepdim=True).reshape(shape) if dims else grad.reshape(shape)


def grad_for(grad: Any, meta: tuple | None, needed: bool) -> Any:
    """The gradient for one input: summed to its shape, in its dtype; None when not needed."""
    if not needed or meta is None:
        return None
    shape, input_dtype = meta
    grad = unbroadcast(grad, shape)
    return grad.to(input_dtype) if grad.dtype is not input_dtype else grad


def floating(value_dtype: dtype) -> dtype:
    """The dtype of a float-only operation on this dtype (ints and bools go to the default float)."""
    return value_dtype if value_dtype.is_floating_point else get_default_dtype()
