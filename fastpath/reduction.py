"""Reductions along one dimension (sum, prod, max, min, argmax, argmin), compiled.

The output has one element per *line*: the elements that differ only in the reduced dimension.
The kept dimensions are walked with the row helpers of `fastpath/rows.py`; a line starts at
`row_start(...)` and steps by `step` (the reduced dimension's stride). Two loop orders:

- **along** (the reduced dimension is the innermost in memory, `step == 1`, or nothing better
  fits): one output at a time, a plain loop over its line. For a sum that loop is a chain of
  additions, `total = ((x0 + x1) + x2) + ...`; LLVM may only split it into 16 parallel partial
  sums (SIMD) when allowed to *reassociate* the additions: the `fastmath={"reassoc"}` flag
  (measured 10x on sums). Only that flag: full fastmath also assumes "no NaN", which would
  delete the NaN checks that max/argmax need.
- **across** (the kept innermost dimension is contiguous, e.g. summing a (2048, 2048) array
  over dim 0): a block of up to `BLOCK` neighbouring outputs at once, adding one contiguous
  row of the input to the block per step of the reduced dimension. Plain elementwise SIMD
  code, and the block of partial results stays in the L1 cache.

Strided lines are read through `rows.load_block` (copied into a small contiguous scratch
block), so the loops only ever see contiguous memory.

Accurate sums (blocked summation). Adding 1e7 float32 numbers one after the other into one
float32 total loses digits: once the total is large, each small addend is rounded to the
total's precision (`full((10**7,), 0.1).sum()` came out as 999198). The sums here add at most
`SUM_CHUNK` elements of a line (or `SUM_ROWS` rows, across) in x's dtype, where SIMD keeps many
short partial sums, and add each chunk's sum into `values`, which for float sums is float64
(`fastpath.cpu` allocates it so): the error then no longer grows with the length of the line,
like numpy's pairwise summation, and the inner loops stay float32 SIMD code.

NaN rules (as the reference): max/min are NaN when the line holds a NaN; argmax/argmin return
the index of the first NaN, else of the first largest (smallest) value.

Threads: `reduce_parallel` splits the outputs among threads, or, when there are fewer outputs
than threads (a full sum of a long vector), splits each line into one piece per thread and
combines the partial results in order.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from teachgrad.fastpath.rows import BLOCK, chunk_bounds, first_row, load_block, next_row, row_start

from teachgrad.fastpath.opcodes import ARGMAX, ARGMIN, MAX, PROD, SUM  # the codes (shared: opcodes.py)

# Elements of a line summed in x's dtype before the chunk's sum goes into the wider total (the
# SIMD partial sums of a chunk then hold at most 64 elements each), and rows of the across loop.
SUM_CHUNK = BLOCK
SUM_ROWS = 32


@njit(inline="always")
def _replaces(op, best, value):
    """True when `value` (seen later in the line) becomes the new max/min/argmax/argmin."""
    if best != best:  # a NaN already won
        return False
    if value != value:
        return True
    if op == MAX or op == ARGMAX:
        return value > best
    return value < best


@njit(inline="always")
def _chunk_sum(block, zero):
    """zero + block[0] + block[1] + ... in block's dtype (reassociated into SIMD partial sums)."""
    total = zero
    for j in range(block.size):
        total += block[j]
    return total


@njit(inline="always")
def _sum_across(x, start, step, k0, k1, partial, values):
    """Sum n = values.size neighbouring lines at once: SUM_ROWS rows at a time into `partial`
    (x's dtype), each such partial sum then added into values (float64 for float sums)."""
    n = values.size
    for j in range(n):
        values[j] = 0
    for k in range(k0, k1, SUM_ROWS):
        first = x[start + k * step:start + k * step + n]
        for j in range(n):
            partial[j] = first[j]
        for r in range(k + 1, min(k + SUM_ROWS, k1)):
            row = x[start + r * step:start + r * step + n]
            for j in range(n):
                partial[j] += row[j]
        for j in range(n):
            values[j] += partial[j]


@njit(inline="always")
def _reduce_along(op, x, start, step, k0, k1, scratch, values, indices, i):
    """Reduce the line x[start + k * step], k0 <= k < k1, into values[i] (and indices[i])."""
    if op == SUM:
        values[i] = 0
        total = values[i]  # in values' dtype: float64 for float sums
        scratch[0] = 0
        zero = scratch[0]  # in x's dtype, where each chunk is summed
        for k in range(k0, k1, SUM_CHUNK):
            n = min(SUM_CHUNK, k1 - k)
            total += _chunk_sum(load_block(x, start + k * step, step, n, scratch), zero)
        values[i] = total
        return
    if op == PROD:
        values[i] = 1
        total = values[i]
        for k in range(k0, k1, BLOCK):
            n = min(BLOCK, k1 - k)
            block = load_block(x, start + k * step, step, n, scratch)
            for j in range(n):
                total *= block[j]
        values[i] = total
        return
    best, where = x[start + k0 * step], k0
    for k in range(k0, k1, BLOCK):
        n = min(BLOCK, k1 - k)
        block = load_block(x, start + k * step, step, n, scratch)
        for j in range(n):
            if _replaces(op, best, block[j]):
                best, where = block[j], k + j
    values[i] = best
    if op == ARGMAX or op == ARGMIN:
        indices[i] = where


@njit(inline="always")
def _reduce_across(op, x, start, step, k0, k1, values, indices):
    """Reduce n = values.size neighbouring lines (contiguous in memory) at once, for every
    operation but the sum (`_sum_across`); `indices` is only read and written for argmax/argmin."""
    n = values.size
    first = x[start + k0 * step:start + k0 * step + n]
    for j in range(n):
        values[j] = first[j]
    arg = op == ARGMAX or op == ARGMIN
    if arg:
        for j in range(n):
            indices[j] = k0
    for k in range(k0 + 1, k1):
        row = x[start + k * step:start + k * step + n]
        if op == PROD:
            for j in range(n):
                values[j] *= row[j]
        elif arg:
            for j in range(n):
                if _replaces(op, values[j], row[j]):
                    values[j] = row[j]
                    indices[j] = k
        else:
            for j in range(n):
                if _replaces(op, values[j], row[j]):
                    values[j] = row[j]


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})
def reduce_rows(op, x, values, indices, shape, strides, offset, step, k0, k1, lo, hi):
    """Reduce the lines of outputs lo <= i < hi over k0 <= k < k1 (k0 < k1).

    shape/strides describe the kept dimensions (coalesced); `step` is the reduced dimension's
    stride. values[i] gets the sum/prod/max/min (for argmax/argmin: the best value) and
    indices[i] the argmax/argmin (indices is not touched by the other operations).
    """
    ndim = shape.size
    inner, inner_step = shape[ndim - 1], strides[ndim - 1]
    across = inner_step == 1 and step != 1
    index = np.empty(ndim, np.int64)
    scratch = np.empty(BLOCK, x.dtype)
    column = first_row(shape, lo, index)
    flat = lo
    while flat < hi:
        length = min(inner - column, hi - flat)
        start = row_start(index, strides, offset) + column * inner_step
        if across:
            for j in range(0, length, BLOCK):
                n = min(BLOCK, length - j)
                if op == SUM:
                    _sum_across(x, start + j, step, k0, k1, scratch[:n], values[flat + j:flat + j + n])
                else:
                    _reduce_across(op, x, start + j, step, k0, k1,
                                   values[flat + j:flat + j + n], indices[flat + j:flat + j + n])
        else:
            for j in range(length):
                _reduce_along(op, x, start + j * inner_step, step, k0, k1, scratch, values, indices, flat + j)
        flat += length
        column = 0
        next_row(index, shape)


@njit(cache=True, parallel=True, error_model="numpy")
def reduce_parallel(op, x, values, indices, shape, strides, offset, step, size, chunks, split_lines):
    """reduce_rows on `chunks` threads: each takes a range of outputs, or (split_lines) a
    piece of every line, whose partial results are then combined in order."""
    n_out = values.size
    parts = chunks * n_out if split_lines else 0
    arg = op == ARGMAX or op == ARGMIN
    part_values, part_indices = np.empty(parts, values.dtype), np.empty(parts if arg else 0, np.int64)
    for chunk in prange(chunks):
        if split_lines:
            k0, k1, lo, hi = size * chunk // chunks, size * (chunk + 1) // chunks, 0, n_out
            dest_values = part_values[chunk * n_out:(chunk + 1) * n_out]
            dest_indices = part_indices[chunk * n_out:(chunk + 1) * n_out] if arg else part_indices
        else:
            k0, k1 = 0, size
            lo, hi = chunk_bounds(chunk, chunks, n_out)
            dest_values, dest_indices = values, indices
        if lo < hi:
            reduce_rows(op, x, dest_values, dest_indices, shape, strides, offset, step, k0, k1, lo, hi)
    if not split_lines:
        return
    for i in range(n_out):  # combine the pieces in order, so the first NaN / maximum still wins
        best, where = part_values[i], part_indices[i]
        for chunk in range(1, chunks):
            value = part_values[chunk * n_out + i]
            if op == SUM:
                best += value
            elif op == PROD:
                best *= value
            elif _replaces(op, best, value):
                best, where = value, part_indices[chunk * n_out + i]
        values[i] = best
        indices[i] = where
