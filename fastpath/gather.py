"""Moving elements by position: take (gather), scatter_add and put, and assign (writing into a view).

These kernels do no arithmetic worth the name; what makes them fast is what makes the other
kernels fast: compiled loops instead of Python ones, index math once per row (`fastpath/rows.py`),
contiguous inner loops where the layout allows, and threads for large inputs.

- `take_rows`: out[i] = storage[positions[i]], a plain gather loop.
- `scatter_rows`: out[positions[i]] += values[i] (scatter_add) or = values[i] (put), with values
  walked row by row. It stays on one thread: two threads adding into the same position at once
  would lose updates (and for put, which of two writes to one position wins would change from
  run to run); avoiding that (atomics, one private output per thread) costs more than it saves.
- `assign_rows`: writes src into dst's layout, in place. Both are walked row by row; a
  contiguous destination row is written by a contiguous loop, anything else element by element.

The caller checks positions against the storage size first: compiled code does not check
bounds, so a bad position would read or write outside the array.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from teachgrad.fastpath.rows import BLOCK, chunk_bounds, first_row, load_block, next_row, row_start


@njit(cache=True)
def take_rows(storage, positions, out, lo, hi):
    """out[i] = storage[positions[i]] for lo <= i < hi."""
    for i in range(lo, hi):
        out[i] = storage[positions[i]]


@njit(cache=True, parallel=True)
def take_parallel(storage, positions, out, chunks):
    for chunk in prange(chunks):
        lo, hi = chunk_bounds(chunk, chunks, out.size)
        take_rows(storage, positions, out, lo, hi)


@njit(cache=True)
def scatter_rows(out, positions, values, shape, strides, offsets, add):
    """out[positions[i]] += values[i] when `add`, else out[positions[i]] = values[i]; i counts
    values' elements in row-major order, so of two writes to one position the later one wins."""
    ndim = shape.size
    inner, step = shape[ndim - 1], strides[0, ndim - 1]
    index = np.zeros(ndim, np.int64)
    scratch = np.empty(BLOCK, values.dtype)
    total = positions.size
    flat = 0
    while flat < total:
        start = row_start(index, strides[0], offsets[0])
        for k in range(0, inner, BLOCK):
            n = min(BLOCK, inner - k)
            block = load_block(values, start + k * step, step, n, scratch)
            where = positions[flat + k:flat + k + n]
            if add:
                for j in range(n):
                    out[where[j]] += block[j]
            else:
                for j in range(n):
                    out[where[j]] = block[j]
        flat += inner
        next_row(index, shape)


@njit(cache=True, error_model="numpy")
def assign_rows(dst, src, shape, strides, offsets, lo, hi):
    """dst[position of i] = src[position of i] for flat i in [lo, hi); row 0 of strides and
    offsets describes dst, row 1 src. Values are converted to dst's dtype."""
    ndim = shape.size
    inner = shape[ndim - 1]
    step_dst, step_src = strides[0, ndim - 1], strides[1, ndim - 1]
    index = np.empty(ndim, np.int64)
    scratch = np.empty(BLOCK, src.dtype)
    column = first_row(shape, lo, index)
    flat = lo
    while flat < hi:
        length = min(inner - column, hi - flat)
        start_dst = row_start(index, strides[0], offsets[0]) + column * step_dst
        start_src = row_start(index, strides[1], offsets[1]) + column * step_src
        for k in range(0, length, BLOCK):
            n = min(BLOCK, length - k)
            block = load_block(src, start_src + k * step_src, step_src, n, scratch)
            first = start_dst + k * step_dst
            if step_dst == 1:
                dest = dst[first:first + n]
                for j in range(n):
                    dest[j] = block[j]
            else:
                for j in range(n):
                    dst[first + j * step_dst] = block[j]
        flat += length
        column = 0
        next_row(index, shape)


@njit(cache=True, parallel=True)
def assign_parallel(dst, src, shape, strides, offsets, total, chunks):
    for chunk in prange(chunks):
        lo, hi = chunk_bounds(chunk, chunks, total)
        assign_rows(dst, src, shape, strides, offsets, lo, hi)
