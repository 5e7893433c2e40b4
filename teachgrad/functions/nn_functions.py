"""Functions that `teachgrad.nn` needs beyond the tensor operations: activations, lookup, losses.

Each has a hand-written backward where composing tensor operations would give a different (or
unsafe) gradient: ELU's exp must not overflow in the branch that is not taken, BCE clamps its
logs like PyTorch, an embedding's padding row must receive no gradient. The losses are one node
each, as in PyTorch (`grad_fn=<MseLossBackward0>`), with the reduction inside the node.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from teachgrad.autograd.function import Function, once_differentiable
from teachgrad.functions.broadcast import unbroadcast
from teachgrad.functions.elementwise import Where
from teachgrad.functions.dispatch import run_binary, run_take, run_unary, run_where
from teachgrad.functions.reduction import reduce_dims
from teachgrad.functions.take import PutAdd, Take
from teachgrad.strides import numel


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
        return Where.apply(x > 0, g, g * ctx.negative_slope), None


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
        return Where.apply(x > 0, g, g * x.clamp(max=0).exp() * ctx.alpha), None


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
        kept_grads = Take.apply(g, np.arange(g.numel()).reshape(g.shape)[keep])
        return PutAdd.apply(kept_grads, ctx.elements[keep], ctx.shape), None, None


def _check_probabilities(name: str, values: Any) -> None:
    """PyTorch's check of binary_cross_entropy's arguments: every element in [0, 1] (NaN fails):
    the smallest and the largest element, two reductions."""
    dims = tuple(range(values.ndim))
    if values.numel() and not (reduce_dims("min", values, dims, False).item() >= 0
                               and reduce_dims("max", values, dims, False).item() <= 1):
        raise RuntimeError(f"binary_cross_entropy: all elements of {name} should be between 0 and 1")


# losses ---------------------------------------------------------------------------------------------
# An elementwise loss of n elements is reduced to its mean, its sum, or kept ("none"); the gradient
# reaching each element is then G = g / n, g (both the same at every element), or g itself.


def reduce_loss(loss: Any, reduction: str, weight: Any = None) -> Any:
    """An elementwise loss (times `weight`, when given) reduced: its mean, its sum, or itself ("none")."""
    if weight is not None:
        loss = loss * weight
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def spread(g: Any, shape: tuple, reduction: str, weight: Any = None) -> Any:
    """G, the gradient reaching each element of an unreduced loss of `shape` (see above); G * weight when given."""
    if reduction != "none":
        g = (g / numel(shape) if reduction == "mean" else g).expand(shape)
    return g * weight if weight is not None else g


def _difference_grads(ctx: Any, grad: Any, x: Any, t: Any) -> tuple:
    """(dL/dx, dL/dt, None...) for a loss of d = x - t whose dL/dd is `grad`: dL/dt = -dL/dx."""
    needs_x, needs_t = ctx.needs_input_grad[:2]
    grad_x = unbroadcast(grad, x.shape) if needs_x else None
    grad_t = unbroadcast(-grad, t.shape) if needs_t else None
    return (grad_x, grad_t) + (None,) * (len(ctx.needs_input_grad) - 2)


class MseLoss(Function):
    """Squared error, reduced (PyTorch's mse_loss); x and t broadcast together.

    d = x - t;  G = g / n (mean of n elements), g (sum), g (none)
    forward:  out = reduce(d^2)
    backward: dL/dx = unbroadcast(2 * d * G, x.shape)
              dL/dt = unbroadcast(-2 * d * G, t.shape)
    """

    @staticmethod
    def forward(ctx, x, t, reduction):
        ctx.save_for_backward(x, t)
        ctx.reduction = reduction
        d = x - t
        return reduce_loss(d * d, reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        d = x - t
        return _difference_grads(ctx, d * spread(g, d.shape, ctx.reduction) * 2, x, t)


class HuberLoss(Function):
    """Huber loss, reduced (PyTorch's huber_loss): quadratic for |d| < delta, linear beyond.

    d = x - t;  G = g / n (mean of n elements), g (sum), g (none)
    forward:  out = reduce(0.5 * d^2 where |d| < delta, else delta * (|d| - 0.5 * delta))
    backward: dL/dx = unbroadcast(G * clamp(d, -delta, delta), x.shape)
              dL/dt = unbroadcast(-G * clamp(d, -delta, delta), t.shape)
    """

    @staticmethod
    def forward(ctx, x, t, delta, reduction):
        ctx.save_for_backward(x, t)
        ctx.delta, ctx.reduction = delta, reduction
        size = (x - t).abs()
        return reduce_loss((size * size * 0.5).where(size < delta, (size - 0.5 * delta) * delta), reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        d = x - t
        return _difference_grads(ctx, d.clamp(-ctx.delta, ctx.delta) * spread(g, d.shape, ctx.reduction), x, t)


class SmoothL1Loss(Function):
    """Smooth L1 loss, reduced (PyTorch's smooth_l1_loss, beta > 0): HuberLoss with delta = beta, over beta.

    forward:  out = HuberLoss(x, t, beta) / beta
                  = reduce(0.5 * d^2 / beta where |d| < beta, else |d| - 0.5 * beta)
    backward: HuberLoss's rule for g / beta: dL/dx = unbroadcast(G * clamp(d, -beta, beta) / beta, x.shape),
              dL/dt = -(the same, summed to t.shape)
    """

    @staticmethod
    def forward(ctx, x, t, beta, reduction):
        return HuberLoss.forward(ctx, x, t, beta, reduction) / beta

    @staticmethod
    def backward(ctx, g):
        return HuberLoss.backward(ctx, g / ctx.delta)


class NllLoss(Function):
    """Negative log likelihood of log-probabilities x (N, C) or (C,) at class indices t, reduced.

    w_i = weight[t_i] (1 without weight; 0 where t_i == ignore_index)
    forward:  loss_i = -w_i * x[i, t_i]   (a take at positions i * C + t_i)
              out = sum_i loss_i / sum_i w_i (mean), sum_i loss_i (sum), or loss_i (none)
    backward: dL/dx[i, t_i] = -c_i, 0 elsewhere (a scatter),
              c_i = g * w_i / sum_i w_i (mean), g * w_i (sum), g_i * w_i (none)
    """

    @staticmethod
    def forward(ctx, x, classes, sample_weights, reduction):
        rows, count = x.shape if x.ndim == 2 else (1, x.shape[0])
        positions = np.arange(rows, dtype=np.int64) * count + classes.reshape(-1)
        weights = x.new_tensor(sample_weights.reshape(-1))
        losses = run_binary("mul", run_take(x.contiguous(), positions, (rows,)), run_unary("neg", weights))
        ctx.positions, ctx.weights, ctx.reduction, ctx.shape = positions, weights, reduction, x.shape
        ctx.norm = float(sample_weights.sum())
        if reduction == "none":
            return losses.reshape(x.shape[:-1])
        total = losses.sum()
        return total / ctx.norm if reduction == "mean" else total

    @staticmethod
    def backward(ctx, g):
        return -PutAdd.apply(sample_scales(ctx, g), ctx.positions, ctx.shape), None, None, None


def sample_scales(ctx: Any, g: Any) -> Any:
    """c_i of NllLoss's rule: g * w_i / sum_i w_i (mean), g * w_i (sum), g_i * w_i (none), one per sample."""
    scale = ctx.weights / ctx.norm if ctx.reduction == "mean" else ctx.weights
    return scale * g.reshape(-1)


class BinaryCrossEntropy(Function):
    """Binary cross entropy of probabilities x against targets t, reduced.

    Like PyTorch, each log is clamped to >= -100 so that x = 0 or 1 gives a finite loss.
    G = g / n (mean of n elements), g (sum), g (none)

    forward:  out = reduce(-w * (t * max(log(x), -100) + (1 - t) * max(log(1 - x), -100)))
    backward: dL/dx = G * w * (x - t) / max(x * (1 - x), 1e-12)
              dL/dt = G * w * (max(log(1 - x), -100) - max(log(x), -100))
              (the weight w gets no gradient, as in PyTorch)
    """

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        _check_probabilities("input", x)
        _check_probabilities("target", t)
        log_x, log_1mx = x.log().clamp(min=-100), (1 - x).log().clamp(min=-100)
        ctx.save_for_backward(x, t, w, log_x, log_1mx)
        ctx.reduction = reduction
        return reduce_loss(-(t * log_x + (1 - t) * log_1mx), reduction, w)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        x, t, w, log_x, log_1mx = ctx.saved_tensors
        weighted = spread(g, x.shape, ctx.reduction, w)
        grad_x = weighted * (x - t) / (x * (1 - x)).clamp(min=1e-12) if ctx.needs_input_grad[0] else None
        grad_t = weighted * (log_1mx - log_x) if ctx.needs_input_grad[1] else None
        return grad_x, grad_t, None, None


class BinaryCrossEntropyWithLogits(Function):
    """BCE of sigmoid(x), computed stably from the logits x, reduced (PyTorch's formula).

    m = max(-x, 0);  sp = log(exp(-m) + exp(-x - m)) + m = log(1 + exp(-x));
    lw = 1 + (pos_weight - 1) * t  (1 without pos_weight);  G = g / n (mean), g (sum), g (none)
    forward:  out = reduce(w * ((1 - t) * x + lw * sp))
    backward: dL/dx = G * w * ((1 - t) - lw * sigmoid(-x))
              dL/dt = G * w * ((pos_weight - 1) * sp - x)      (pos_weight - 1 = 0 without pos_weight)
              (weight and pos_weight get no gradient, as in PyTorch)
    """

    @staticmethod
    def forward(ctx, x, t, w, pos_weight, reduction):
        m = (-x).clamp(min=0)
        sp = ((-m).exp() + (-x - m).exp()).log() + m
        ctx.save_for_backward(x, t, w, pos_weight, sp)
        ctx.reduction = reduction
        lw = (pos_weight - 1) * t + 1 if pos_weight is not None else 1
        return reduce_loss((1 - t) * x + lw * sp, reduction, w)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        x, t, w, pos_weight, sp = ctx.saved_tensors
        weighted = spread(g, x.shape, ctx.reduction, w)
        lw = (pos_weight - 1) * t + 1 if pos_weight is not None else 1
        grad_x = weighted * ((1 - t) - lw * (-x).sigmoid()) if ctx.needs_input_grad[0] else None
        grad_t = None
        if ctx.needs_input_grad[1]:
            grad_t = weighted * ((pos_weight - 1) * sp - x if pos_weight is not None else -x)
        return grad_x, grad_t, None, None, None

