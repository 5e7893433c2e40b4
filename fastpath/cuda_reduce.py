"""CUDA reductions along one dim: sum, prod, max, min, argmax, argmin.

The reduced dim splits the tensor into *lines* (one per output element). Two kernels, picked by
the layout (see `teachgrad.fastpath.cuda.reduce`):

`reduce_lines_kernel`: a block per line (or per part of a line). The block's threads walk the
line together, thread t taking elements t, t + T, t + 2T, ... (T threads per block), each keeping
its own running result. Then the block combines the T results in shared memory as a tree:
thread t combines its value with that of thread t + T/2, then t + T/4, ..., with a barrier
(`cuda.syncthreads()`) after each step, until thread 0 holds the line's result: log2(T) steps
instead of T. A line much longer than a block is split into `parts`; the first launch reduces
each part, and a second launch of the same kernel reduces the parts' results (the caller sees
only the finished values).

`reduce_columns_kernel`: a thread per line, walking its line alone. When the lines lie side by
side in memory (reducing a dim that is not the last, like summing a bias gradient over the
batch), neighbouring threads then read neighbouring elements: coalesced, without a tree.

Accuracy. A sum's running results are kept in `values`' dtype, which the host makes float64
for float inputs: each thread's running sum of a long float32 line would otherwise round every
addend to the precision of a growing total (1e6 times 0.1 summed in float32 is off by 0.3%).
The kernels read x as it is (no float64 copy of the input) and convert as they add.

argmax/argmin carry the index of the running best along with its value. Ties keep the smaller
index and a NaN counts as the extreme (the first NaN wins), as in the reference; the rule
compares indices explicitly, so the order in which the tree combines does not matter.
"""

from __future__ import annotations

from numba import cuda, int64

from teachgrad.fastpath.cuda_layout import THREADS, position

from teachgrad.fastpath.opcodes import ARGMAX, MAX, PROD, SUM  # the codes (shared: opcodes.py)


@cuda.jit(device=True)
def _replaces(op, best, best_at, value, value_at):
    """For max/min (and arg-): whether (value, value_at) replaces the running (best, best_at)."""
    if best != best:  # a NaN is kept, unless an earlier NaN comes
        return value != value and value_at < best_at
    if value != value:
        return True
    if op == MAX or op == ARGMAX:
        return value > best or (value == best and value_at < best_at)
    return value < best or (value == best and value_at < best_at)


@cuda.jit(device=True)
def _combine(op, acc, acc_at, value, value_at):
    """The running result after taking in `value` (found at index `value_at`)."""
    first = acc_at if acc_at < value_at else value_at
    if op == SUM:
        return acc + value, first
    if op == PROD:
        return acc * value, first
    if _replaces(op, acc, acc_at, value, value_at):
        return value, value_at
    return acc, acc_at


@cuda.jit(device=True)
def _start(op, zero):
    """The running result before any element: 0 for a sum and 1 for a product, in zero's dtype
    (so a float sum adds in float64), or "nothing taken yet" (index -1) for max/min/arg-."""
    if op == SUM:
        return zero, 0
    if op == PROD:
        return zero + 1, 0
    return zero, -1


@cuda.jit(device=True)
def _take(op, acc, acc_at, value, value_at):
    """_combine, where acc_at < 0 means that nothing was taken yet (then the result is value)."""
    if acc_at < 0:
        return value, value_at
    return _combine(op, acc, acc_at, value, value_at)


@cuda.jit(cache=True)
def reduce_lines_kernel(op, x, x_indices, use_indices, values, indices, kept_shape, kept_strides, offset, size, step,
                        parts, part_len, zero):
    """values[item], indices[item] = the result of part `item % parts` of line `item // parts`.

    Line l starts at position(l, kept_shape, kept_strides, offset) and has `size` elements, `step`
    apart; part p covers its elements p * part_len ... (p + 1) * part_len - 1. An element's index
    is its number along the line, or x_indices at its position when `use_indices` (the second
    pass, where x holds the first pass's results and x_indices their indices). `zero` is 0 in
    values' dtype: the running results have its type.
    """
    partial = cuda.shared.array(THREADS, values.dtype)
    partial_at = cuda.shared.array(THREADS, int64)
    t = cuda.threadIdx.x
    for item in range(cuda.blockIdx.x, values.size, cuda.gridDim.x):
        line = item // parts
        part = item - line * parts
        start = position(line, kept_shape, kept_strides, offset)
        acc, acc_at = _start(op, zero)
        end = part * part_len + part_len
        if end > size:
            end = size
        for k in range(part * part_len + t, end, THREADS):
            at = start + k * step
            acc, acc_at = _take(op, acc, acc_at, x[at], x_indices[at] if use_indices else k)
        partial[t] = acc
        partial_at[t] = acc_at
        cuda.syncthreads()
        half = THREADS // 2
        while half > 0:  # the tree: thread t takes in thread t + half's result
            if t < half and partial_at[t + half] >= 0:
                partial[t], partial_at[t] = _take(op, partial[t], partial_at[t], partial[t + half],
                                                  partial_at[t + half])
            cuda.syncthreads()
            half //= 2
        if t == 0:
            values[item] = partial[0]
            indices[item] = partial_at[0]
        cuda.syncthreads()  # shared memory is reused for the next item


@cuda.jit(cache=True)
def reduce_columns_kernel(op, x, values, indices, kept_shape, kept_strides, offset, size, step, zero):
    """values[line], indices[line] = the result of line `line`, one thread walking it (running
    result in the dtype of `zero`, 0 in values' dtype)."""
    for line in range(cuda.grid(1), values.size, cuda.gridsize(1)):
        start = position(line, kept_shape, kept_strides, offset)
        acc, acc_at = _start(op, zero)
        for k in range(size):
            acc, acc_at = _take(op, acc, acc_at, x[start + k * step], k)
        values[line] = acc
        indices[line] = acc_at
