"""Softmax and log-softmax along one dimension: a fused kernel.

Written with the elementwise and reduction primitives, softmax is five passes over memory, each
allocating a tensor: max, subtract, exp, sum, divide. Fused, it is three loops over each line
(the elements that differ only in the softmax dimension), while the line is still in the cache:

    peak  = max_k x[k]                       (ignoring NaN: a NaN makes the sum NaN below)
    total = sum_k exp(x[k] - peak)           (accumulated in float64)
    out[k] = exp(x[k] - peak) / total        or, for log-softmax, x[k] - peak - log(total)

Subtracting the peak keeps exp from overflowing; the result is the same mathematically.

The loop orders are those of `fastpath/reduction.py`: *along* one line at a time when the line
is contiguous (or nothing better fits), *across* a block of neighbouring lines at once when the
lines lie side by side in memory (softmax over dim 0 of a row-major matrix), so that every loop
reads contiguous memory. Lines are split among threads above the size threshold.

The output has x's shape, row-major. Line number q (counting over the kept dimensions in
row-major order) starts at output position `(q // after) * size * after + q % after`, where
`after` is the number of elements of the dimensions after the softmax dimension; its elements
are `after` apart.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from teachgrad.fastpath.rows import BLOCK, chunk_bounds, first_row, load_block, next_row, row_start


@njit(inline="always")
def _softmax_along(x, start, step, size, log, scratch, out, out_start, after):
    """One line x[start + k * step] -> out[out_start + k * after], 0 <= k < size."""
    if step == 1:
        line = x[start:start + size]
    else:
        buffer = scratch if size <= scratch.size else np.empty(size, x.dtype)
        line = load_block(x, start, step, size, buffer)
    peak = -np.inf
    for k in range(size):
        if line[k] > peak:
            peak = line[k]
    total = 0.0
    for k in range(size):
        total += np.exp(line[k] - peak)
    if log:
        shift = peak + np.log(total)
        for k in range(size):
            out[out_start + k * after] = line[k] - shift
    else:
        for k in range(size):
            out[out_start + k * after] = np.exp(line[k] - peak) / total


@njit(inline="always")
def _softmax_across(x, start, step, size, log, peaks, totals, out, out_start, after):
    """n = peaks.size neighbouring lines, side by side in x and in out."""
    n = peaks.size
    for j in range(n):
        peaks[j] = -np.inf
        totals[j] = 0.0
    for k in range(size):
        row = x[start + k * step:start + k * step + n]
        for j in range(n):
            if row[j] > peaks[j]:
                peaks[j] = row[j]
    for k in range(size):
        row = x[start + k * step:start + k * step + n]
        for j in range(n):
            totals[j] += np.exp(row[j] - peaks[j])
    for k in range(size):
        row = x[start + k * step:start + k * step + n]
        dest = out[out_start + k * after:out_start + k * after + n]
        if log:
            for j in range(n):
                dest[j] = row[j] - (peaks[j] + np.log(totals[j]))
        else:
            for j in range(n):
                dest[j] = np.exp(row[j] - peaks[j]) / totals[j]


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})
def softmax_rows(x, out, shape, strides, offset, step, size, after, log, across, lo, hi):
    """Softmax of lines lo <= q < hi (shape/strides: the kept dimensions, coalesced)."""
    ndim = shape.size
    inner, inner_step = shape[ndim - 1], strides[ndim - 1]
    index = np.empty(ndim, np.int64)
    scratch = np.empty(BLOCK, x.dtype)
    peaks = np.empty(BLOCK, x.dtype)
    totals = np.empty(BLOCK, np.float64)
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
                _softmax_across(x, start + j, step, size, log, peaks[:n], totals[:n], out, out_start, after)
                j += n
        else:
            for j in range(length):
                out_start = ((q + j) // after) * size * after + (q + j) % after
                _softmax_along(x, start + j * inner_step, step, size, log, scratch, out, out_start, after)
        q += length
        column = 0
        next_row(index, shape)


@njit(cache=True, parallel=True, error_model="numpy")
def softmax_parallel(x, out, shape, strides, offset, step, size, after, log, across, lines, chunks):
    for chunk in prange(chunks):
        lo, hi = chunk_bounds(chunk, chunks, lines)
        softmax_rows(x, out, shape, strides, offset, step, size, after, log, across, lo, hi)
