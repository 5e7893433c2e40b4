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
    if len(operands) == 2 and not floating:
        a, b = operands
        if is_tensor(a) and is_tensor(b) and a.dtype is b.dtype:
            return a, b  # the common case: nothing to convert
    target = result_type(*operands)
    if floating and not target.is_floating_point:
        target = get_default_dtype()
    like = next(o for o in operands if is_tensor(o))
    return tuple(like._as_operand(o, target) for o in operands)


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
