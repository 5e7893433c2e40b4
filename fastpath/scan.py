"""Running sums (cumsum) along one dimension, compiled: the reference's loop, one pass per line.

    out[..., i, ...] = x[..., 0, ...] + ... + x[..., i, ...]

The lines (the elements that differ only in the summed dimension) are walked as in
`fastpath/softmax.py`, and the output has x's shape, row-major: line number q starts at output
position `(q // after) * size * after + q % after` and its elements are `after` apart. Two loop
orders, as there:

- **along**: one line at a time, a running total carried from each element to the next;
- **across** (the lines lie side by side in memory, a cumsum over dim 0 of a row-major matrix):
  a block of up to `BLOCK` neighbouring lines at once, one row of the input added to a block of
  running totals per step, so every loop reads and writes contiguous memory.

The running totals have the dtype of `zero` (float64 for float inputs, int64 for integers): a
float32 running total over a long line would round away the small addends.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from teachgrad.fastpath.rows import BLOCK, chunk_bounds, first_row, next_row, row_start


@njit(inline="always")
def _cumsum_along(x, start, step, size, zero, out, out_start, after):
    """One line x[start + k * step] -> out[out_start + k * after], 0 <= k < size."""
    total = zero
    for k in range(size):
        total += x[start + k * step]
        out[out_start + k * after] = total


@njit(inline="always")
def _cumsum_across(x, start, step, size, totals, out, out_start, after):
    """n = totals.size neighbouring lines, side by side in x and in out."""
    n = totals.size
    for j in range(n):
        totals[j] = 0
    for k in range(size):
        row = x[start + k * step:start + k * step + n]
        dest = out[out_start + k * after:out_start + k * after + n]
        for j in range(n):
            totals[j] += row[j]
            dest[j] = totals[j]


@njit(cache=True, error_model="numpy")
def cumsum_rows(x, out, shape, strides, offset, step, size, after, across, zero, lo, hi):
    """Running sums of lines lo <= q < hi (shape/strides: the kept dimensions, coalesced)."""
    ndim = shape.size
    inner, inner_step = shape[ndim - 1], strides[ndim - 1]
    index = np.empty(ndim, np.int64)
    totals = np.full(BLOCK, zero)
    column = first_row(shape, lo, index)
    q = lo
    while q < hi:
        length = min(inner - column, hi - q)
        start = row_start(index, strides, offset) + column * inner_step
        if across:
            j = 0
            while j < length:  # a block of lines never crosses into the next group of `after`
                n = min(BLOCK, length - j, after - (q + j) % after)
                out_start = ((q + j) // after) * size * after + (q + j) % after
                _cumsum_across(x, start + j, step, size, totals[:n], out, out_start, after)
                j += n
        else:
            for j in range(length):
                out_start = ((q + j) // after) * size * after + (q + j) % after
                _cumsum_along(x, start + j * inner_step, step, size, zero, out, out_start, after)
        q += length
        column = 0
        next_row(index, shape)


@njit(cache=True, parallel=True, error_model="numpy")
def cumsum_parallel(x, out, shape, strides, offset, step, size, after, across, zero, lines, chunks):
    for chunk in prange(chunks):
        lo, hi = chunk_bounds(chunk, chunks, lines)
        cumsum_rows(x, out, shape, strides, offset, step, size, after, across, zero, lo, hi)
