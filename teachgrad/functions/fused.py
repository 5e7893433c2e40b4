"""Fused operations: several steps in one Function, so the graph has one node instead of many.

`Linear` is a matrix product plus a bias; `CrossEntropy` is log-softmax followed by picking the
target's log-probability (`NllLoss`). The math is the same as composing the separate operations; a fused
node just does less Python work per training step, and its backward rule is short.
"""

from __future__ import annotations

from teachgrad.autograd.function import Function, once_differentiable
from teachgrad.functions.dispatch import run_binary, run_matmul, run_reduce, run_softmax, run_unary
from teachgrad.functions.linalg import check_matmul_dtypes
from teachgrad.functions.nn_functions import NllLoss, sample_scales


class Linear(Function):
    """Affine map in one node (PyTorch's addmm / F.linear; its node prints <AddmmBackward0>).

    x: (N, in), W: (out, in), b: (out,)   (without a bias, F.linear is a plain matmul)
    forward:  out = x @ W^T + b
    backward: dL/dx = g @ W
              dL/dW = g^T @ x
              dL/db = sum_N g
    """

    pytorch_name = "Addmm"

    @staticmethod
    def forward(ctx, x, weight, bias):
        check_matmul_dtypes(x, weight)
        if bias.dtype is not x.dtype:
            raise RuntimeError(f"linear: input, weight and bias must have the same dtype, got {x.dtype} and {bias.dtype}")
        ctx.save_for_backward(x, weight)
        return run_binary("add", run_matmul(x, weight.t()), bias)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        needs_x, needs_w, needs_b = ctx.needs_input_grad
        grad_x = run_matmul(g, weight) if needs_x else None
        grad_w = run_matmul(g.t(), x) if needs_w else None
        grad_b = run_reduce("sum", g, 0, shape=g.shape[1:]) if needs_b else None
        return grad_x, grad_w, grad_b


class CrossEntropy(Function):
    """Cross-entropy of logits x (N, C) at class indices t (N,), in one node: NllLoss of log_softmax(x).

    PyTorch's cross_entropy ends in nll_loss, so this node prints as PyTorch's: <NllLossBackward0>.
    w_i = weight[t_i] (1 without weight; 0 where t_i == ignore_index), p = softmax(x)
    forward:  loss_i = -w_i * log_softmax(x)_{i, t_i}
              out = sum_i loss_i / sum_i w_i (mean), sum_i loss_i (sum), or loss_i (none)
    backward: dL/dx_ic = c_i * (p_ic - [c == t_i])   (NllLoss's rule gives the -c_i * [c == t_i]),
              c_i = g * w_i / sum_i w_i (mean), g * w_i (sum), g_i * w_i (none)
    """

    pytorch_name = "NllLoss"

    @staticmethod
    def forward(ctx, x, classes, sample_weights, reduction):
        log_probs = run_softmax(x, 1, log=True)
        ctx.save_for_backward(log_probs)
        return NllLoss.forward(ctx, log_probs, classes, sample_weights, reduction)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (log_probs,) = ctx.saved_tensors
        probs = run_unary("exp", log_probs)
        scaled_probs = run_binary("mul", probs, sample_scales(ctx, g).reshape((-1, 1)).expand(probs.shape))
        return run_binary("add", scaled_probs, NllLoss.backward(ctx, g)[0]), None, None, None
