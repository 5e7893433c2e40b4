"""Matrix multiplication with PyTorch's rules for 1-D operands and batch broadcasting."""

from __future__ import annotations

from teachgrad.autograd.function import Function
from teachgrad.dtypes import bool_, float32, float64, int64
from teachgrad.functions.broadcast import describe, grad_for, unbroadcast
from teachgrad.functions.dispatch import run_matmul
from teachgrad.strides import broadcast_shapes


def _shape_text(shape: tuple) -> str:
    return "x".join(str(s) for s in shape)


_C_TYPE_NAMES = {bool_: "bool", int64: "long int", float32: "float", float64: "double"}


def check_matmul_dtypes(a, b) -> None:
    """Multiply operands of one dtype only, and no bools; PyTorch does not promote here.

    PyTorch words the error after the kernel the shapes lead to: dot (1-D @ 1-D), addmv
    (@ a 1-D b), mm (@ a 2-D b), bmm (@ a batched b).
    """
    if a.dtype is bool_ or b.dtype is bool_:
        raise NotImplementedError("\"matmul\" not implemented for 'Bool'")
    if a.dtype is b.dtype:
        return
    first, second = a.dtype.scalar_type, b.dtype.scalar_type
    if a.ndim == 1 and b.ndim == 1:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {first} and {second}")
    if b.ndim == 1:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {second}, {first}, and {second}")
    if b.ndim == 2:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_C_TYPE_NAMES[a.dtype]} != "
                           f"{_C_TYPE_NAMES[b.dtype]}")
    raise RuntimeError(f"expected scalar type {first} but found {second}")


class MatMul(Function):
    """Matrix product, batched over leading dims (which broadcast); both operands of one dtype.

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
        check_matmul_dtypes(a, b)
        ctx.meta = describe(a), describe(b)
        a2, b2 = _as_matrices(a, b)
        if a2.shape[-1] != b2.shape[-2]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(a2.shape[-2:])} and "
                f"{_shape_text(b2.shape[-2:])})"
            )
        batch = broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        out = run_matmul(_with_batch(a2, batch), _with_batch(b2, batch))
        ctx.save_for_backward(a, b)  # the inputs themselves, so a recorded backward reaches them
        ctx.out_shape = out.shape
        if a.ndim == 1:
            out = out.squeeze(-2)
        if b.ndim == 1:
            out = out.squeeze(-1)
        return out

    @staticmethod
    def backward(ctx, g):
        a2, b2 = _as_matrices(*ctx.saved_tensors)
        g = _reshaped(g, ctx.out_shape)
        grad_a = g @ b2.transpose(-1, -2) if ctx.needs_input_grad[0] else None
        grad_b = a2.transpose(-1, -2) @ g if ctx.needs_input_grad[1] else None
        grad_a = _back_to(grad_a, a2.shape, ctx.meta[0], ctx.needs_input_grad[0])
        grad_b = _back_to(grad_b, b2.shape, ctx.meta[1], ctx.needs_input_grad[1])
        return grad_a, grad_b


def _as_matrices(a, b) -> tuple:
    """A 1-D a as a row (1, k), a 1-D b as a column (k, 1); others unchanged."""
    return a.unsqueeze(0) if a.ndim == 1 else a, b.unsqueeze(-1) if b.ndim == 1 else b


def _back_to(grad, matrix_shape, meta, needed):
    """Sum over broadcast batch dims to the 2-D+ operand's shape, then drop an added 1-D dim."""
    if grad is None:
        return None
    return grad_for(_reshaped(unbroadcast(grad, matrix_shape), meta[0]), meta, needed)


def _with_batch(x, batch: tuple):
    """x (*b, n, k) expanded to the batch dims `batch` (x itself when it has them already)."""
    return x if x.shape[:-2] == batch else x.expand(batch + x.shape[-2:])


def _reshaped(x, shape: tuple):
    """x.reshape(shape), or x itself when it has that shape already."""
    return x if x.shape == shape else x.reshape(shape)
