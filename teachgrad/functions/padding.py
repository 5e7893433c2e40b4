"""Padding: grow (or, with negative amounts, crop) the trailing dims of a tensor.

Every padding mode is a *gather*: each output element copies one input element, or (constant
mode) holds the fill value. Which input element is found with numpy on an array of element
numbers, so the kernels only `take` (and `where` for the fill), and the backward rule is the
gather's adjoint, `scatter_add`.
"""

from __future__ import annotations

import numpy as np

from teachgrad.autograd.function import Function
from teachgrad.dtypes import bool_
from teachgrad.functions.dispatch import run_take, run_where
from teachgrad.functions.take import PutAdd, Take
from teachgrad.strides import numel, storage_positions

# PyTorch's mode names and numpy's np.pad names for the same rule.
NUMPY_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def padding_sources(shape: tuple, widths: tuple, mode: str) -> np.ndarray:
    """For each output element, the element number (row-major in `shape`) it copies; -1 = fill.

    `widths[d] = (before, after)` for every dim of `shape`. Positive amounts pad with numpy's
    np.pad in the matching mode (applied to the array 0, 1, 2, ... of element numbers); negative
    amounts then cut elements off that side.
    """
    numbers = np.arange(numel(shape), dtype=np.int64).reshape(shape)
    grow = [(max(before, 0), max(after, 0)) for before, after in widths]
    if mode == "constant":
        padded = np.pad(numbers, grow, mode="constant", constant_values=-1)
    else:
        padded = np.pad(numbers, grow, mode=NUMPY_MODES[mode])
    crop = tuple(slice(max(-before, 0), padded.shape[d] - max(-after, 0)) for d, (before, after) in enumerate(widths))
    return padded[crop]


class Pad(Function):
    """Pad the dims of x by `widths[d] = (before, after)` elements (negative amounts crop).

    source[i] is the element of x that output element i copies (see `padding_sources`):
        constant   -1: output i holds `value`
        reflect    mirrored at the edge, the edge itself not repeated   (d c | b c d e | d c)
        replicate  the edge element repeated                            (b b | b c d e | e e)
        circular   wrapped around                                       (d e | b c d e | b c)

    forward:  out[i] = x[source[i]] where source[i] >= 0, else value      (take, then where)
    backward: dL/dx = scatter_add of g[i] at source[i] over the i with source[i] >= 0
              (an element copied several times receives the sum of the copies' gradients)
    """

    @staticmethod
    def forward(ctx, x, widths, mode, value):
        source = padding_sources(tuple(x.shape), widths, mode)
        copied = source >= 0
        ctx.shape, ctx.source, ctx.copied = x.shape, source, copied
        if x.numel() == 0:
            return x.new_full(source.shape, value)
        x_positions = storage_positions(x.shape, x._layout_strides, x._offset).reshape(-1)
        taken = run_take(x, x_positions[np.where(copied, source, 0)], source.shape)  # (fill spots read element 0)
        return run_where(x.new_tensor(copied, dtype=bool_), taken, x.new_full((), value))

    @staticmethod
    def backward(ctx, g):
        copied_grads = Take.apply(g, np.flatnonzero(ctx.copied))
        return PutAdd.apply(copied_grads, ctx.source[ctx.copied], ctx.shape), None, None, None
