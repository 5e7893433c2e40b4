"""Reductions: sum, mean, var, max/min (whole and along a dim), logsumexp, softmax.

`dims` are the reduced dimensions (normalised, sorted). In the backward rules, `expand(t)` means
t, with the reduced dims put back as size 1 when `keepdim` was false, broadcast to x.shape: every
input element of a reduced row receives that row's gradient.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from teachgrad.autograd.function import Function, once_differentiable
from teachgrad.dtypes import int64
from teachgrad.functions.broadcast import floating
from teachgrad.functions.dispatch import run_unary, run_reduce, run_reduce_trailing, run_softmax
from teachgrad.strides import numel


def reduce_dims(op: str, x: Any, dims: tuple, keepdim: bool, out_dtype=None) -> Any:
    """Apply the reduction `op` along each of `dims` in turn (at once, when they are the last
    dims of a contiguous x: `run_reduce_trailing`)."""
    if keepdim:
        shape = tuple(1 if d in dims else size for d, size in enumerate(x.shape))
    else:
        shape = tuple(size for d, size in enumerate(x.shape) if d not in dims)
    if not dims:  # a 0-d tensor is its own reduction
        return run_unary("identity", x, out_dtype)
    if len(dims) > 1 and dims[0] == x.ndim - len(dims) and x.is_contiguous():
        return run_reduce_trailing(op, x, dims[0], out_dtype, shape)
    out = x
    for d in dims[:-1]:
        out = run_reduce(op, out, d, out_dtype)
    return run_reduce(op, out, dims[-1], out_dtype, shape)


def squeeze_dims(t: Any, dims: tuple) -> Any:
    shape = tuple(size for d, size in enumerate(t.shape) if d not in dims)
    return t.reshape(shape)


def expand_back(g: Any, shape: tuple, dims: tuple, keepdim: bool) -> Any:
    """The gradient of a reduced tensor, viewed with size-1 reduced dims and broadcast to `shape`."""
    if not keepdim:
        kept = list(g.shape)
        for d in dims:
            kept.insert(d, 1)
        g = g.reshape(tuple(kept))
    return g.expand(shape)


def _count(shape: tuple, dims: tuple) -> int:
    return numel([shape[d] for d in dims])


class Sum(Function):
    """Sum over `dims` (bools and ints sum to int64).

    forward:  out = sum_{dims} x
    backward: dL/dx = expand(g)
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        out_dtype = x.dtype if x.dtype.is_floating_point else int64
        if out_dtype is not x.dtype:
            x = run_unary("identity", x, out_dtype)
        return reduce_dims("sum", x, dims, keepdim)

    @staticmethod
    def backward(ctx, g):
        return expand_back(g, ctx.shape, ctx.dims, ctx.keepdim), None, None


class Mean(Function):
    """Mean over `dims` (floating dtypes only, like PyTorch).

    forward:  out = sum_{dims} x / N,   N = number of elements reduced
    backward: dL/dx = expand(g) / N
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        if not x.dtype.is_floating_point:
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point "
                f"or complex dtype. Got: {x.dtype}"
            )
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.count = _count(x.shape, dims)
        return reduce_dims("sum", x, dims, keepdim) / ctx.count

    @staticmethod
    def backward(ctx, g):
        return expand_back(g, ctx.shape, ctx.dims, ctx.keepdim) / ctx.count, None, None


def _variance(ctx, x, dims, correction, keepdim, name):
    """Save what `_variance_grad` needs on ctx; return (x - mean, the variance).

    With N - correction <= 0 the divisor is 0, so the variance is inf, or nan where every
    element equals the mean; PyTorch warns about it, and so does teachgrad.
    """
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"std and var only support floating point and complex dtypes, got {x.dtype}")
    count = _count(x.shape, dims)
    ctx.shape, ctx.dims, ctx.keepdim, ctx.dof = x.shape, dims, keepdim, count - correction
    if ctx.dof <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=5)
    centered = x - reduce_dims("sum", x, dims, True) / count
    return centered, reduce_dims("sum", centered * centered, dims, keepdim) / max(ctx.dof, 0)


def _variance_grad(ctx, g, centered):
    """dL/dx of the variance for the gradient g arriving at it (PyTorch's rule, also for N - correction <= 0)."""
    g = expand_back(g, ctx.shape, ctx.dims, ctx.keepdim)
    if ctx.dof > 0:
        return g * centered * (2.0 / ctx.dof)
    return g * centered.new_full(centered.shape, math.inf).masked_fill(centered == 0, math.nan)


class Var(Function):
    """Variance over `dims` with Bessel's `correction` (1 = unbiased, PyTorch's default).

    forward:  out = sum_{dims} (x - mean)**2 / max(N - correction, 0)
    backward: dL/dx = expand(g) * 2 * (x - mean) / (N - correction)
              (for N - correction <= 0, as in PyTorch: expand(g) * (nan where x == mean, else inf))
    """

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        centered, out = _variance(ctx, x, dims, correction, keepdim, "var")
        ctx.save_for_backward(centered)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (centered,) = ctx.saved_tensors
        return _variance_grad(ctx, g, centered), None, None, None


class Std(Function):
    """Standard deviation over `dims`: the square root of Var (same `correction`).

    forward:  out = sqrt(var(x))
    backward: dL/dx = var's rule applied to the gradient g / (2 * expand(out)), which is set to 0
              where out == 0 (equal values: PyTorch's subgradient, not 0 / 0)
    """

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        centered, var = _variance(ctx, x, dims, correction, keepdim, "std")
        out = var.sqrt()
        ctx.save_for_backward(centered, out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        centered, out = ctx.saved_tensors
        grad_var = (g / (2 * out)).masked_fill(out == 0, 0.0)
        return _variance_grad(ctx, grad_var, centered), None, None, None


class Norm(Function):
    """The p-norm over `dims`, for a number p other than 0 and +-inf (PyTorch's vector_norm).

    forward:  out = (sum_{dims} |x|**p) ** (1/p)            (p = 2: sqrt(sum_{dims} x * x))
    backward: dL/dx = expand(g) * sign(x) * |x|**(p-1) * expand(out)**(1-p), and 0 where x == 0
              (p = 2: g * x / out; the subgradient at 0 is 0, so an all-zero input gets 0, not nan)
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim, p):
        ctx.dims, ctx.keepdim, ctx.p = dims, keepdim, p
        if p == 2:
            out = reduce_dims("sum", x * x, dims, keepdim).sqrt()
        else:
            out = reduce_dims("sum", x.abs() ** p, dims, keepdim) ** (1.0 / p)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        scale = expand_back(g * out ** (1 - ctx.p), x.shape, ctx.dims, ctx.keepdim)
        return (scale * x.sign() * x.abs() ** (ctx.p - 1)).masked_fill(x == 0, 0.0), None, None, None


class MaxDim(Function):
    """Largest (or, with op="min", smallest) value along one dim, and its index.

    forward:  values = max_{dim} x,  indices = argmax_{dim} x (first occurrence)
    backward: dL/dx = g placed at the chosen index of each row, 0 elsewhere
              (indices are integers and get no gradient)
    """

    @staticmethod
    def forward(ctx, x, dim, keepdim, op="max"):
        if x.shape[dim] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {dim} to have non-zero size.")
        values = run_reduce(op, x, dim)
        indices = run_reduce("arg" + op, x, dim, int64)
        if not keepdim:
            values, indices = squeeze_dims(values, (dim,)), squeeze_dims(indices, (dim,))
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        return values, indices

    @staticmethod
    def backward(ctx, g, _):
        (indices,) = ctx.saved_tensors
        if not ctx.keepdim:
            g, indices = g.unsqueeze(ctx.dim), indices.unsqueeze(ctx.dim)
        return g.new_zeros(ctx.shape).scatter_add(ctx.dim, indices, g), None, None, None


class Extremum(Function):
    """Largest (or, with op="min", smallest) value over `dims`: x.max(), x.amax(dim), x.amin(dim).

    forward:  out = max_{dims} x
    backward: dL/dx = expand(g) * [x == expand(out)] / k    (k = how many elements tie for the
              extreme value in that row: ties share the gradient equally, as in PyTorch)
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim, op="max"):
        if x.numel() == 0:
            if len(dims) == x.ndim and not keepdim:
                raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                                   "Specify the reduction dim with the 'dim' argument.")
            empty = [d for d in dims if x.shape[d] == 0]
            if empty:
                raise IndexError(f"a{op}(): Expected reduction dim {empty[0]} to have non-zero size.")
        out = reduce_dims(op, x, dims, True)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out if keepdim else squeeze_dims(out, dims)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        hits = (x == out).to(g.dtype)
        share = hits / hits.sum(ctx.dims, keepdim=True)
        return expand_back(g, x.shape, ctx.dims, ctx.keepdim) * share, None, None, None


class LogSumExp(Function):
    """log(sum(exp(x))) over `dims`, computed stably by subtracting the maximum m first.

    forward:  out = m + log(sum_{dims} exp(x - m))      (over an empty dim: log(0) = -inf, with m = 0)
    backward: dL/dx = expand(g) * exp(x - expand(out))      (= g times the softmax of x)
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        x = run_unary("identity", x, floating(x.dtype)) if not x.dtype.is_floating_point else x
        if any(x.shape[d] == 0 for d in dims):
            peak = x.new_zeros(tuple(1 if d in dims else size for d, size in enumerate(x.shape)))
        else:
            peak = reduce_dims("max", x, dims, True)
            peak = peak.masked_fill(peak.isinf(), 0.0)
        out = reduce_dims("sum", (x - peak).exp(), dims, True).log() + peak
        out = out if keepdim else squeeze_dims(out, dims)
        ctx.save_for_backward(x, out)  # the output itself, so a recorded backward differentiates through it
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        softmax = (x - expand_back(out, x.shape, ctx.dims, ctx.keepdim)).exp()
        return expand_back(g, x.shape, ctx.dims, ctx.keepdim) * softmax, None, None


class Softmax(Function):
    """Softmax along `dim` (one fused kernel).

    forward:  out_k = exp(x_k - m) / sum_j exp(x_j - m),   m = max_j x_j
    backward: dL/dx = out * (g - sum_{dim}(g * out))
    """

    @staticmethod
    def forward(ctx, x, dim):
        out = run_softmax(x, dim, log=False)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """Log of the softmax along `dim` (one fused kernel, stable for large inputs).

    forward:  out_k = x_k - m - log(sum_j exp(x_j - m))
    backward: dL/dx = g - exp(out) * sum_{dim} g
    """

    @staticmethod
    def forward(ctx, x, dim):
        out = run_softmax(x, dim, log=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - out.exp() * g.sum(ctx.dim, keepdim=True), None
