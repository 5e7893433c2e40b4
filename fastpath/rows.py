"""Walking a strided tensor one row at a time: the index math of the compiled kernels.

The reference backend computes `position(index, strides, offset)` for every element: a
multiply-add per dimension per element, and a loop the compiler cannot turn into SIMD
instructions. Measured here, that is 25-70x slower than numpy. The kernels of the fast path do
the same index math once per *row* (a run along the last dimension), then run a plain loop over
the row, which LLVM compiles to vector instructions (16 float32 per AVX-512 instruction).

A layout is prepared in Python, once per call (`plan_rows`):

- size-1 dimensions are dropped (they never move the position), and neighbouring dimensions are
  merged when every operand steps through them evenly (`stride[d] == stride[d + 1] * shape[d + 1]`).
  A contiguous tensor of any shape becomes one long row; `(S, S) + (S, 1)` stays two-dimensional,
  with stride 0 along the broadcast dimension of the second operand.
- shape, strides and offsets are handed over as int64 arrays, so one compiled kernel serves every
  number of dimensions (a tuple would compile one kernel per length).

The compiled helpers walk it:

- `first_row(shape, flat, index)`: the multi-index of the row holding output element `flat`;
- `row_start(index, strides, offset)`: where that row starts in an operand's storage;
- `next_row(index, shape)`: step the multi-index to the next row, like an odometer;
- `load_block(storage, start, stride, n, scratch)`: `n` elements of a row as a contiguous array:
  the storage itself when the row is contiguous, else a copy in a small scratch buffer (stride 0,
  a broadcast value, fills it). So the loop that applies an operation only ever sees contiguous
  arrays, and one loop per operation is enough for every layout.

A transposed operand is the hard case: along a row its elements are a whole row of storage
apart, so reading one row touches a new cache line (and a new 4 KB memory page) per element,
and uses 4 of the line's 64 bytes. The elementwise kernels therefore take up to `TILE_ROWS` rows
at a time (`group_size`) and copy such an operand into a (rows, columns) tile column by column
(`load_tile`): neighbouring rows are neighbours in storage, so each cache line fetched is used
16 times (a (1024, 1024) transposed add: 2.5 ms without tiles, 0.43 ms with; see
docs/performance.md).
`row_of` then hands out each row of the group: a slice of storage, a filled broadcast block,
or a row of the tile.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
from numba import njit

from teachgrad.fastpath.routing import coalesce

# Elements per block of a row: scratch buffers of this size stay in the L1 cache.
BLOCK = 1024
# Rows gathered together when an operand is strided along the row (a transposed operand).
TILE_ROWS = 16
# Length of a tile's rows in memory: BLOCK plus 16, so that the rows of a tile are not exactly
# 4 KB (a power of two) apart. Addresses 4 KB apart share one set of the L1 cache, which holds
# only 8 lines per set: 16 tile rows would keep evicting each other (measured: 2x slower).
TILE_WIDTH = BLOCK + 16
# Below this many elements a kernel runs on one thread: handing work to the thread pool costs
# about 1 us per call and does not pay for less work. Measured for the flat add (serial against
# two threads): 1.7 / 2.4 us at 8,192 elements, 2.8 / 2.9 us at 16,384, 5.8 / 3.9 us at 32,768
# (docs/performance.md, "Threads for small tensors").
PARALLEL_THRESHOLD = 1 << 14


_PLANS: dict = {}  # layouts repeat from call to call (same shapes every training step)


def plan_rows(shape: Sequence[int], operands: Sequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shape, strides, offsets) as int64 arrays for walking `operands` (StridedArrays) by rows.

    Plans are remembered (the kernels never write to them): building one costs about 4 us,
    looking one up about 0.5 us, and a training loop asks for the same few again and again.
    """
    key = (tuple(shape), *[(tuple(op.strides), op.offset) for op in operands])
    plan = _PLANS.get(key)
    if plan is None:
        merged_shape, merged_strides = coalesce(shape, *[op.strides for op in operands])
        plan = (
            np.array(merged_shape, dtype=np.int64),
            np.array(merged_strides, dtype=np.int64),
            np.array([op.offset for op in operands], dtype=np.int64),
        )
        if len(_PLANS) >= 4096:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def plan_kept(shape: Sequence[int], strides: Sequence[int], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Shape and strides (int64 arrays) of the dimensions other than `dim`, coalesced: the
    layout of the lines a reduction or softmax along `dim` walks. Remembered like `plan_rows`."""
    key = (tuple(shape), tuple(strides), dim)
    plan = _PLANS.get(key)
    if plan is None:
        kept = [d for d in range(len(shape)) if d != dim]
        merged_shape, (merged_strides,) = coalesce(tuple(shape[d] for d in kept), tuple(strides[d] for d in kept))
        plan = np.array(merged_shape, dtype=np.int64), np.array(merged_strides, dtype=np.int64)
        if len(_PLANS) >= 4096:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def chunk_count(n: int) -> int:
    """How many pieces to split `n` elements of work into: 1 (serial) below the threshold."""
    return 1 if n < PARALLEL_THRESHOLD else numba.get_num_threads()


@njit(cache=True)
def chunk_bounds(chunk: int, chunks: int, total: int) -> tuple[int, int]:
    """The flat range [lo, hi) of piece `chunk`; bounds are multiples of 16 elements, so two
    threads never write into the same 64-byte cache line."""
    lo = (total * chunk // chunks) & ~15
    hi = total if chunk == chunks - 1 else (total * (chunk + 1) // chunks) & ~15
    return lo, hi


@njit(cache=True)
def first_row(shape, flat, index):
    """Set `index` to the multi-index of the row holding flat element `flat`; return the column."""
    ndim = shape.size
    inner = shape[ndim - 1]
    row = flat // inner
    for d in range(ndim - 2, -1, -1):
        index[d] = row % shape[d]
        row //= shape[d]
    index[ndim - 1] = 0
    return flat % inner


@njit(cache=True)
def row_start(index, strides, offset):
    """Where the row at `index` starts: offset + sum(index[d] * strides[d]) (index[-1] is 0)."""
    position = offset
    for d in range(index.size - 1):
        position += index[d] * strides[d]
    return position


@njit(cache=True)
def next_row(index, shape):
    """Step `index` to the next row in row-major order (the last dimension is the row itself)."""
    for d in range(index.size - 2, -1, -1):
        index[d] += 1
        if index[d] < shape[d]:
            return
        index[d] = 0


@njit(cache=True)
def load_block(storage, start, stride, n, scratch):
    """Elements start, start + stride, ... (n of them) as a contiguous array."""
    if stride == 1:
        return storage[start:start + n]
    block = scratch[:n]
    if stride == 0:
        value = storage[start]
        for j in range(n):
            block[j] = value
    else:
        for j in range(n):
            block[j] = storage[start + j * stride]
    return block


@njit(cache=True)
def group_size(shape, index, column, flat, hi):
    """How many whole rows, starting at this one, to process together (at most TILE_ROWS, all
    with the same index in the dimensions before the second-to-last, all below `hi`)."""
    ndim = shape.size
    inner = shape[ndim - 1]
    if ndim < 2 or column != 0:
        return 1
    rows = min(TILE_ROWS, shape[ndim - 2] - index[ndim - 2], (hi - flat) // inner)
    return max(rows, 1)


@njit(cache=True)
def load_tile(storage, start, stride, row_stride, rows, n, tile):
    """tile[r, j] = storage[start + r * row_stride + j * stride] for r < rows, j < n, read with
    the row index innermost: for a transposed operand (row_stride 1) that reads contiguously."""
    for j in range(n):
        column = start + j * stride
        for r in range(rows):
            tile[r, j] = storage[column + r * row_stride]


@njit(cache=True)
def row_of(storage, start, stride, row_stride, r, n, tile):
    """Row r of a group as a contiguous array: in place when contiguous, a filled block for
    stride 0, else row r of the tile that `load_tile` filled."""
    first = start + r * row_stride
    if stride == 1:
        return storage[first:first + n]
    block = tile[r if stride != 0 else 0, :n]
    if stride == 0:
        value = storage[first]
        for j in range(n):
            block[j] = value
    return block
