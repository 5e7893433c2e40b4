"""Running sums along a dimension (cumsum)."""

from __future__ import annotations

from typing import Any

from teachgrad.autograd.function import Function
from teachgrad.functions.dispatch import run_cumsum


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
