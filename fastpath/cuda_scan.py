"""Running sums (cumsum) along one dim on the GPU: one thread per line.

    out[..., i, ...] = x[..., 0, ...] + ... + x[..., i, ...]

Thread l walks line l (which starts at position(l, kept_shape, kept_strides, offset) in x, its
elements `step` apart) and carries a running total from each element to the next, writing it to
the contiguous output, where the line's elements are `after` apart (after = the number of
elements of the dims after the summed dim). The total has the dtype of `zero`: float64 for float
inputs, so that a long line keeps its small addends. When the lines lie side by side in memory
(a cumsum over dim 0), neighbouring threads read neighbouring elements: coalesced.
"""

from __future__ import annotations

from numba import cuda

from teachgrad.fastpath.cuda_layout import position


@cuda.jit(cache=True)
def cumsum_kernel(x, out, kept_shape, kept_strides, offset, size, step, after, zero):
    """The running sum of every line of x into out (x's shape, row-major)."""
    for line in range(cuda.grid(1), out.size // size, cuda.gridsize(1)):
        start = position(line, kept_shape, kept_strides, offset)
        out_start = (line // after) * size * after + line % after
        total = zero
        for k in range(size):
            total += x[start + k * step]
            out[out_start + k * after] = total
