"""Running sums and products along a dimension (cumsum, cumprod)."""

from __future__ import annotations

from typing import Any

from teachgrad.autograd.function import Function
from teachgrad.functions.dispatch import run_cumsum
from teachgrad.functions.indexing import Cat


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
