"""Matrix multiplication with PyTorch's rules for 1-D operands and batch broadcasting."""

from __future__ import annotations

from teachgrad.autograd.function import Function
from teachgrad.functions.broadcast import describe, grad_for, promote, unbroadcast
from teachgrad.functions.dispatch import run_matmul
from teachgrad.strides import broadcast_shapes


def _shape_text(shape: tuple) -> str:
    return "x".join(str(s) for s in shape)


class MatMul(Function):
    """Matrix product, batched over leading dims (which broadcast).

    A 1-D `a` is treated as a row (1, k) and a 1-D `b` as a column (k, 1); the added dim is
    removed from the result, as in PyTorch.

    forward:  out[..., i, j] = sum_p a[..., i, p] * b[..., p, j]
    backward: dL/da = unbroadcast(g @ b^T, a.shape)
              dL/db = unbroadcast(a^T @ g, b.shape)
    """

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
        ctx.meta = describe(a), describe(b)
        a, b = promote(a, b)
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        if a2.shape[-1] != b2.shape[-2]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(a2.shape[-2:])} and "
                f"{_shape_text(b2.shape[-2:])})"
            )
        batch = broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        out = run_matmul(a2.expand(batch + a2.shape[-2:]), b2.expand(batch + b2.shape[-2:]))
        ctx.save_for_backward(a2, b2)
        ctx.out_shape = out.shape
        if a.ndim == 1:
            out = out.squeeze(-2)
        if b.ndim == 1:
            out = out.squeeze(-1)
        return out

    @staticmethod
    def backward(ctx, g):
        a2, b2 = ctx.saved_tensors
        g = g.reshape(ctx.out_shape)
        grad_a = g @ b2.transpose(-1, -2) if ctx.needs_input_grad[0] else None
        grad_b = a2.transpose(-1, -2) @ g if ctx.needs_input_grad[1] else None
        grad_a = _back_to(grad_a, a2.shape, ctx.meta[0], ctx.needs_input_grad[0])
        grad_b = _back_to(grad_b, b2.shape, ctx.meta[1], ctx.needs_input_grad[1])
        return grad_a, grad_b


def _back_to(grad, matrix_shape, meta, needed):
    """Sum over broadcast batch dims to the 2-D+ operand's shape, then drop an added 1-D dim."""
    if grad is None:
        return None
    return grad_for(unbroadcast(grad, matrix_shape).reshape(meta[0]), meta, needed)
