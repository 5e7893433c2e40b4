"""Fused operations: several steps in one Function, so the graph has one node instead of many.

`Linear` is a matrix product plus a bias; `CrossEntropy` is log-softmax followed by picking the
target's log-probability. The math is the same as composing the separate operations; a fused
node just does less Python work per training step, and its backward rule is short.
"""

from __future__ import annotations

import numpy as np

from teachgrad.autograd.function import Function
from teachgrad.functions.dispatch import run_unary, run_matmul, run_scatter_add, run_softmax, run_take, run_binary, run_reduce
from teachgrad.functions.linalg import check_matmul_dtypes


class Linear(Function):
    """Affine map in one node (PyTorch's addmm / F.linear).

    x: (N, in), W: (out, in), b: (out,) or None
    forward:  out = x @ W^T + b
    backward: dL/dx = g @ W
              dL/dW = g^T @ x
              dL/db = sum_N g
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        check_matmul_dtypes(x, weight.t())
        if bias is not None and bias.dtype is not x.dtype:
            raise RuntimeError(f"linear: input, weight and bias must have the same dtype, got {x.dtype} and {bias.dtype}")
        ctx.save_for_backward(x, weight)
        out = run_matmul(x, weight.t())
        return run_binary("add", out, bias) if bias is not None else out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        needs_x, needs_w, needs_b = ctx.needs_input_grad
        grad_x = run_matmul(g, weight) if needs_x else None
        grad_w = run_matmul(g.t(), x) if needs_w else None
        grad_b = run_reduce("sum", g, 0).reshape(g.shape[1:]) if needs_b else None
        return grad_x, grad_w, grad_b


class CrossEntropy(Function):
    """Cross-entropy of logits x (N, C) at class indices t (N,), in one node.

    w_i = weight[t_i] (1 without weight; 0 where t_i == ignore_index), p = softmax(x)
    forward:  loss_i = -w_i * log_softmax(x)_{i, t_i}
              out = sum_i loss_i / sum_i w_i (mean), sum_i loss_i (sum), or loss_i (none)
    backward: dL/dx_ic = c_i * (p_ic - [c == t_i]),  c_i = g * w_i / sum_i w_i (mean), g * w_i (sum),
              g_i * w_i (none)
    """

    @staticmethod
    def forward(ctx, x, classes, sample_weights, reduction):
        rows, count = x.shape
        log_probs = run_softmax(x, 1, log=True)
        positions = np.arange(rows, dtype=np.int64) * count + classes
        weights = x.new_tensor(sample_weights)
        losses = run_binary("mul", run_take(log_probs, positions, (rows,)), run_unary("neg", weights))
        ctx.save_for_backward(log_probs)
        ctx.positions, ctx.weights, ctx.reduction = positions, weights, reduction
        ctx.norm = float(sample_weights.sum())
        if reduction == "none":
            return losses
        total = run_reduce("sum", losses, 0).reshape(())
        return total / ctx.norm if reduction == "mean" else total

    @staticmethod
    def backward(ctx, g):
        (log_probs,) = ctx.saved_tensors
        scale = ctx.weights / ctx.norm if ctx.reduction == "mean" else ctx.weights
        scale = scale * g  # g is a scalar for mean/sum, one value per sample for none
        probs = run_unary("exp", log_probs)
        grad = run_binary("mul", probs, scale.reshape((-1, 1)).expand(probs.shape))
        picked = run_scatter_add(scale, ctx.positions, probs.shape)
        return run_binary("sub", grad, picked), None, None, None
