"""Functions that `teachgrad.nn` needs beyond the tensor operations: activations, lookup, BCE.

Each has a hand-written backward where composing tensor operations would give a different (or
unsafe) gradient: ELU's exp must not overflow in the branch that is not taken, BCE clamps its
logs like PyTorch, an embedding's padding row must receive no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from teachgrad.autograd.function import Function
from teachgrad.functions.dispatch import run_scatter_add, run_take, run_where
from teachgrad.functions.reduction import reduce_dims
from teachgrad.strides import storage_positions


class LeakyReLU(Function):
    """forward:  out = x if x > 0 else negative_slope * x
    backward: dL/dx = g if x > 0 else negative_slope * g
    """

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.negative_slope = negative_slope
        return run_where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return run_where(x > 0, g, g * ctx.negative_slope), None


class ELU(Function):
    """Exponential linear unit.

    forward:  out = x if x > 0 else alpha * (exp(x) - 1)
    backward: dL/dx = g if x > 0 else g * alpha * exp(x)
              (exp is taken of min(x, 0), so large positive x cannot overflow)
    """

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return run_where(x > 0, x, (x.clamp(max=0).exp() - 1) * alpha)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return run_where(x > 0, g, g * x.clamp(max=0).exp() * ctx.alpha), None


class EmbeddingLookup(Function):
    """Rows of `weight` (V, D) picked by an integer tensor `index` of any shape.

    forward:  out[..., :] = weight[index[...], :]            (out.shape == index.shape + (D,))
              one `take` at positions index * weight.stride(0) + arange(D) * weight.stride(1)
    backward: dL/dweight[r, :] = sum of g[..., :] over the places where index == r
              (scatter_add), except row padding_idx, which receives no gradient;
              index is integers and gets no gradient
    """

    @staticmethod
    def forward(ctx, weight, index, padding_idx):
        rows = index._host_array().astype(np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= weight.shape[0]):
            bad = rows.min() if rows.min() < 0 else rows.max()
            raise IndexError(f"embedding: index {bad} is out of range for a weight with {weight.shape[0]} rows")
        columns = np.arange(weight.shape[1], dtype=np.int64)
        row_stride, column_stride = weight._layout_strides
        positions = weight._offset + rows[..., None] * row_stride + columns * column_stride
        ctx.shape, ctx.padding_idx = weight.shape, padding_idx
        ctx.rows, ctx.elements = rows, rows[..., None] * weight.shape[1] + columns
        return run_take(weight, positions, positions.shape)

    @staticmethod
    def backward(ctx, g):
        keep = np.ones(ctx.rows.shape, dtype=bool) if ctx.padding_idx is None else ctx.rows != ctx.padding_idx
        g_positions = storage_positions(g.shape, g._layout_strides, g._offset)[keep]
        kept_grads = run_take(g, g_positions, g_positions.shape)
        return run_scatter_add(kept_grads, ctx.elements[keep], ctx.shape), None, None


def _check_probabilities(name: str, values: Any) -> None:
    """PyTorch's check of binary_cross_entropy's arguments: every element in [0, 1] (NaN fails):
    the smallest and the largest element, two reductions."""
    dims = tuple(range(values.ndim))
    if values.numel() and not (reduce_dims("min", values, dims, False).item() >= 0
                               and reduce_dims("max", values, dims, False).item() <= 1):
        raise RuntimeError(f"binary_cross_entropy: all elements of {name} should be between 0 and 1")


class BinaryCrossEntropy(Function):
    """Elementwise binary cross entropy of probabilities x against targets t (unreduced).

    Like PyTorch, each log is clamped to >= -100 so that x = 0 or 1 gives a finite loss.

    forward:  out = -w * (t * max(log(x), -100) + (1 - t) * max(log(1 - x), -100))
    backward: dL/dx = g * w * (x - t) / max(x * (1 - x), 1e-12)
              dL/dt = g * w * (max(log(1 - x), -100) - max(log(x), -100))
              (the weight w gets no gradient, as in PyTorch)
    """

    @staticmethod
    def forward(ctx, x, t, w):
        _check_probabilities("input", x)
        _check_probabilities("target", t)
        log_x, log_1mx = x.log().clamp(min=-100), (1 - x).log().clamp(min=-100)
        ctx.save_for_backward(x, t, w, log_x, log_1mx)
        out = -(t * log_x + (1 - t) * log_1mx)
        return out * w if w is not None else out

    @staticmethod
    def backward(ctx, g):
        x, t, w, log_x, log_1mx = ctx.saved_tensors
        weighted = g * w if w is not None else g
        grad_x = weighted * (x - t) / (x * (1 - x)).clamp(min=1e-12) if ctx.needs_input_grad[0] else None
        grad_t = weighted * (log_1mx - log_x) if ctx.needs_input_grad[1] else None
        return grad_x, grad_t, None

