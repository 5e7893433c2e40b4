"""Running sums and products along a dimension (cumsum, cumprod), and prod built on cumprod."""

from __future__ import annotations

from typing import Any

from teachgrad.autograd.function import Function
from teachgrad.functions.dispatch import run_cumsum
from teachgrad.functions.indexing import Cat
from teachgrad.strides import numel


class Cumsum(Function):
    """Running sum along `dim` (one pass per line, not a matrix product).

    forward:  out_i = sum_{j<=i} x_j                        (i, j: positions along dim)
    backward: dL/dx_j = sum_{i>=j} g_i, the reversed cumsum of g: g.flip(dim).cumsum(dim).flip(dim)
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return run_cumsum(x, dim)

    @staticmethod
    def backward(ctx, g):
        return g.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None


def cumprod(x: Any, dim: int) -> Any:
    """Running product along `dim` by doubling (a Hillis-Steele scan), composed of narrow, Cat and Mul.

    forward:  after the step with shift s, out_i = prod_{i - 2s < j <= i} x_j; log2(n) steps of
              out = out * [1, ..., 1, out_0, ..., out_{n-1-s}]  (s ones, then out shifted by s)
    backward: Mul's and Cat's rules along the chain: dL/dx_j = sum_{i>=j} g_i * prod_{k<=i, k!=j} x_k,
              exact when x holds zeros (no division by x)
    """
    out, shift, n = x, 1, x.shape[dim]
    while shift < n:
        ones = x.new_ones(x.shape[:dim] + (shift,) + x.shape[dim + 1:])
        out = out * Cat.apply(dim, ones, out.narrow(dim, 0, n - shift))
        shift *= 2
    return out


def prod(x: Any, dims: tuple, keepdim: bool) -> Any:
    """Product over `dims` as the last entry of a running product (cumprod), composed of permute, Cat and cumprod.

    forward:  each line of the n elements along dims, led by a 1 (so an empty line gives 1), is
              multiplied out by cumprod; out = its last entry, prod_j x_j
    backward: cumprod's rule: dL/dx_j = g * prod_{k != j} x_k, exact when x holds zeros (no division by x)
    """
    kept = tuple(d for d in range(x.ndim) if d not in dims)
    kept_shape = tuple(x.shape[d] for d in kept)
    lines = x.permute(kept + dims).reshape(kept_shape + (numel(tuple(x.shape[d] for d in dims)),))
    led = Cat.apply(len(kept), x.new_ones(kept_shape + (1,)), lines)
    last = cumprod(led, len(kept)).narrow(len(kept), led.shape[-1] - 1, 1)
    return last.reshape(tuple(1 if d in dims else size for d, size in enumerate(x.shape)) if keepdim else kept_shape)
