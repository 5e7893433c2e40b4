"""`Take` and `PutAdd`: reading elements at flat positions, and its adjoint, adding values at them.

Each is the other's backward, so a backward written with them can be differentiated again, to
any order: the backward of a linear map is its adjoint, and the adjoint of the adjoint is the map.
Positions are row-major indices into a tensor's elements (PyTorch's `take` / `put_`).
"""

from __future__ import annotations

import numpy as np

from teachgrad.autograd.function import Function
from teachgrad.functions.dispatch import run_scatter_add, run_take
from teachgrad.strides import storage_positions


class Take(Function):
    """x's elements at row-major `positions` (PyTorch's torch.take); out has positions' shape.

    forward:  out[i] = x.flatten()[positions[i]]
    backward: dL/dx = PutAdd(g, positions, x.shape)   (zeros with g[i] added at positions[i])
    """

    @staticmethod
    def forward(ctx, x, positions: np.ndarray):
        ctx.positions, ctx.shape = positions, x.shape
        storage = storage_positions(x.shape, x._layout_strides, x._offset).reshape(-1)
        return run_take(x, storage[positions], positions.shape)

    @staticmethod
    def backward(ctx, g):
        return PutAdd.apply(g, ctx.positions, ctx.shape), None


class PutAdd(Function):
    """A tensor of `shape`: zeros with values[i] added at row-major position positions[i].

    forward:  out.flatten()[positions[i]] += values[i]      (positions: one per element of values)
    backward: dL/dvalues = Take(g, positions)
    """

    @staticmethod
    def forward(ctx, values, positions: np.ndarray, shape: tuple):
        ctx.positions = positions.reshape(values.shape)
        return run_scatter_add(values, positions, shape)

    @staticmethod
    def backward(ctx, g):
        return Take.apply(g, ctx.positions), None, None
