"""The `numba` CPU backend: the primitives of `teachgrad.kernels.reference`, compiled.

Same functions, same signatures, same results (within float rounding); see the reference
module's docstring for what each primitive computes. This module is the Python side of each
primitive: it checks the operands, picks the dtype a kernel computes in (`fastpath/routing.py`,
shared with the CUDA backend), prepares the layout (`fastpath/rows.py`), chooses the serial or
the threaded kernel, and allocates the output.
The loops themselves are in the kernel modules:

    elementwise.py  unary, binary, where, casts    reduction.py  sum, prod, max, min, argmax, argmin
    matmul.py       batched matrix product         softmax.py    softmax and log-softmax
    gather.py       take, scatter_add, put, assign scan.py       cumsum (running sums)

Dtypes. Kernels are compiled once per dtype they compute in, and compiling costs about a second
per kernel, so operations are routed through few dtypes, the way the reference's Python numbers
are: bool operands of arithmetic compute as int64 (True + True == 2), integer operands of
float-valued operations (exp, or division into a float result) are converted to the float
out_dtype first, and a result is converted to out_dtype at the end when it differs.

Threads. A kernel runs on all threads when its work reaches `rows.PARALLEL_THRESHOLD` elements
and it computes in float32 (matmul: `MATMUL_PARALLEL_FLOPS` multiply-adds, in float32 or
float64). The other dtypes stay serial: float64 serves gradient checks on small tensors, int64
and bool hold labels, indices and masks, and each threaded variant would add one to two
seconds to the first, compiling run (measured: 62 s to compile everything with threaded
float64 kernels, 53 s without). "All threads" is `numba.get_num_threads()`, and when that is 1
every primitive calls its serial kernel, never the threaded one on one thread: a DataLoader
worker sets it to 1 and must never enter the thread pool (docs/performance.md, "Threading layers").
"""

from __future__ import annotations

import numba
import numpy as np

from teachgrad.fastpath import elementwise, gather, opcodes, reduction, scan
from teachgrad.fastpath import matmul as matmul_kernels
from teachgrad.fastpath import softmax as softmax_kernels
from teachgrad.fastpath.routing import (BOOL, FLOAT64, INT64, arithmetic_dtype, check_assign_shapes, check_count,
                                        check_matmul_shapes, check_op, check_positions, check_same_shape,
                                        empty_line_result, float_result_dtype, is_float, line_layout, one_line,
                                        reduction_dtype, row_major)
from teachgrad.fastpath.rows import chunk_count, plan_kept, plan_rows
from teachgrad.strides import StridedArray, numel, row_major_strides

UNARY = {"identity": None, **opcodes.UNARY, "logical_not": None}  # identity: `_cast`; logical_not: see `unary`
FLOAT_VALUED = opcodes.FLOAT_VALUED
BINARY = opcodes.BINARY
COMPARISONS = opcodes.COMPARISONS
REDUCTIONS = opcodes.REDUCTIONS

THREADED_DTYPES = (np.dtype(np.float32),)
MATMUL_THREADED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
MATMUL_PARALLEL_FLOPS = 128 * 128 * 128

# Placeholders for operands a kernel does not read (one per dtype, never written).
_UNUSED = {np.dtype(t): np.zeros(1, t) for t in (np.float32, np.float64, np.int64, np.bool_)}


def _unused(dtype: np.dtype) -> np.ndarray:
    array = _UNUSED.get(dtype)
    return array if array is not None else np.zeros(1, dtype)


def _storage(x: StridedArray) -> np.ndarray:
    """x's storage as a 1-D C-contiguous array (the layout every kernel is compiled for)."""
    storage = x.storage
    return storage if storage.flags.c_contiguous else np.ascontiguousarray(storage)


def _threads(n: int, dtype: np.dtype) -> int:
    """1 for the serial kernel, else the number of pieces for the threaded one."""
    return chunk_count(n) if dtype in THREADED_DTYPES else 1


# --- conversion (unary "identity") ---

def _cast(x: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """x's elements in row-major order as a new buffer of out_dtype."""
    n = numel(x.shape)
    out = np.empty(n, out_dtype)
    if n == 0:
        return out
    shape, strides, offsets = plan_rows(x.shape, [x])
    chunks = _threads(n, out.dtype) if x.storage.dtype == out.dtype else 1
    if chunks == 1:
        elementwise.cast_rows(_storage(x), out, shape, strides, offsets, 0, n)
    else:
        elementwise.cast_parallel(_storage(x), out, shape, strides, offsets, chunks)
    return out


def _as(x: StridedArray, dtype: np.dtype) -> StridedArray:
    """x itself when it has this dtype, else a converted contiguous copy."""
    if x.storage.dtype == dtype:
        return x
    return row_major(_cast(x, dtype), x.shape)


def _finish(buffer: np.ndarray, out_dtype: np.dtype) -> np.ndarray:
    """The result buffer in out_dtype (converted when the kernel computed in another dtype)."""
    if buffer.dtype == out_dtype:
        return buffer
    return _cast(StridedArray(buffer, (buffer.size,), (1,), 0), out_dtype)


# --- elementwise ---

def _elementwise(op: int, x: StridedArray, y: StridedArray | None, cond: StridedArray | None) -> np.ndarray:
    """Run `elementwise_rows` (or its threaded variant) on operands of one dtype and shape."""
    dtype = x.storage.dtype
    n = numel(x.shape)
    out = np.empty(n, dtype)
    if n == 0:
        return out
    operands = [x, y if y is not None else x, cond if cond is not None else x]
    shape, strides, offsets = plan_rows(x.shape, operands)
    y_storage = _storage(y) if y is not None else _unused(dtype)
    cond_storage = _storage(cond) if cond is not None else _unused(BOOL)
    chunks = _threads(n, dtype)
    if chunks == 1:
        elementwise.elementwise_rows(op, _storage(x), y_storage, cond_storage, out, shape, strides, offsets, 0, n)
    else:
        elementwise.elementwise_parallel(op, _storage(x), y_storage, cond_storage, out, shape, strides, offsets, chunks)
    return out


def _compare(op: int, a: StridedArray, b: StridedArray) -> np.ndarray:
    n = numel(a.shape)
    out = np.empty(n, BOOL)
    if n == 0:
        return out
    shape, strides, offsets = plan_rows(a.shape, [a, b])
    chunks = _threads(n, a.storage.dtype)
    if chunks == 1:
        elementwise.compare_rows(op, _storage(a), _storage(b), out, shape, strides, offsets, 0, n)
    else:
        elementwise.compare_parallel(op, _storage(a), _storage(b), out, shape, strides, offsets, chunks)
    return out


# --- the whole-buffer lane: most calls of a training step have no layout to walk ---

def _whole(x: StridedArray, n: int) -> np.ndarray | None:
    """x's elements as the buffer a flat kernel reads (`elementwise.flat_rows`): all n of them in
    row-major order, one number (a broadcast value), or one period (the trailing dims
    contiguous, the leading ones broadcast: a bias row); None when x needs the general kernels."""
    storage, strides, shape = x.storage, x.strides, x.shape
    if x.offset == 0 and storage.size == n and strides == row_major_strides(shape):
        return storage
    if not any(strides):
        return storage[x.offset:x.offset + 1]
    lead = 0
    while lead < len(shape) and (strides[lead] == 0 or shape[lead] == 1):
        lead += 1
    trailing = shape[lead:]
    if 0 < lead < len(shape) and strides[lead:] == row_major_strides(trailing):
        period = numel(trailing)
        return storage[x.offset:x.offset + period]
    return None


def _flat(code: int, x: StridedArray, y: StridedArray, out_dtype: np.dtype, compare: bool,
          cond: StridedArray | None = None) -> np.ndarray | None:
    """Run `code` through `elementwise.flat_rows` (or `flat_compare_rows`) when every operand
    is a whole buffer or a number, x and y of one dtype that the result keeps (bool for
    comparisons); None when the general, layout-walking kernels are needed."""
    n = numel(x.shape)
    a, b = _whole(x, n), _whole(y, n)
    if a is None or b is None or n == 0 or a.dtype is not b.dtype:
        return None
    if (BOOL if compare else a.dtype) is not out_dtype or (a.dtype is BOOL and not compare):
        return None  # (dtypes compared by identity: numpy's are singletons; any other goes the general way)
    c = _whole(cond, n) if cond is not None else _unused(BOOL)
    if c is None or c.dtype is not BOOL:
        return None
    out = np.empty(n, out_dtype)
    chunks = _threads(n, a.dtype)
    if compare:
        if chunks == 1:
            elementwise.flat_compare_rows(code, a, b, out, 0, n)
        else:
            elementwise.flat_compare_parallel(code, a, b, out, chunks)
    elif chunks == 1:
        elementwise.flat_rows(code, a, b, c, out, 0, n)
    else:
        elementwise.flat_parallel(code, a, b, c, out, chunks)
    return out


def unary(op: str, x: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """Apply the unary function `op` to every element of x."""
    check_op(UNARY, "unary", op)
    code = UNARY[op]
    if code is not None:
        out = _flat(code, x, x, out_dtype, False)
        if out is not None:
            return out
    out_dtype = np.dtype(out_dtype)
    if op == "identity":
        return _cast(x, out_dtype)
    if op == "logical_not":  # not x  ==  (x == 0), compared with a broadcast zero
        zero = StridedArray(np.zeros(1, x.storage.dtype), x.shape, (0,) * len(x.shape), 0)
        return _finish(_compare(elementwise.EQ, x, zero), out_dtype)
    dtype = x.storage.dtype
    if op in FLOAT_VALUED:
        compute = float_result_dtype(dtype, out_dtype)
    else:
        compute = INT64 if dtype == BOOL else dtype
    return _finish(_elementwise(UNARY[op], _as(x, compute), None, None), out_dtype)


def _common(a: StridedArray, b: StridedArray) -> tuple[StridedArray, StridedArray]:
    """Both operands in one dtype (callers promote first; this is a safety net)."""
    if a.storage.dtype == b.storage.dtype:
        return a, b
    dtype = np.result_type(a.storage.dtype, b.storage.dtype)
    return _as(a, dtype), _as(b, dtype)


def binary(op: str, a: StridedArray, b: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """Apply the binary function `op` to matching elements of a and b (same shape)."""
    check_op(BINARY, "binary", op)
    check_same_shape("binary", a, b)
    out = _flat(BINARY[op], a, b, out_dtype, op in COMPARISONS)
    if out is not None:
        return out
    out_dtype = np.dtype(out_dtype)
    a, b = _common(a, b)
    if op in COMPARISONS:
        return _finish(_compare(BINARY[op], a, b), out_dtype)
    compute = arithmetic_dtype(a.storage.dtype, out_dtype)
    return _finish(_elementwise(BINARY[op], _as(a, compute), _as(b, compute), None), out_dtype)


def where(cond: StridedArray, a: StridedArray, b: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """Pick a's element where cond is true, else b's (all three of one shape)."""
    check_same_shape("where", cond, a, b)
    out = _flat(elementwise.WHERE, a, b, out_dtype, False, cond)
    if out is not None:
        return out
    out_dtype = np.dtype(out_dtype)
    a, b = _common(a, b)
    compute = INT64 if a.storage.dtype == BOOL else a.storage.dtype
    out = _elementwise(elementwise.WHERE, _as(a, compute), _as(b, compute), _as(cond, BOOL))
    return _finish(out, out_dtype)


# --- reductions and softmax ---

def reduce(op: str, x: StridedArray, dim: int, out_dtype: np.dtype) -> np.ndarray:
    """Reduce x along `dim`; the result has x's shape with size 1 at `dim`."""
    check_op(REDUCTIONS, "reduce", op)
    out_dtype = np.dtype(out_dtype)
    x, dim = one_line(x, dim)
    dim %= len(x.shape)
    size = x.shape[dim]
    n_out = numel(x.shape) // size if size else numel(x.shape[:dim] + x.shape[dim + 1:])
    if n_out == 0:
        return np.empty(0, out_dtype)
    if size == 0:
        return np.full(n_out, empty_line_result(op, dim), out_dtype)
    if op == "sum" and x.storage.dtype == BOOL:  # the chunks of a line are summed in x's dtype
        x = _as(x, INT64)
    values = np.empty(n_out, reduction_dtype(op, x.storage.dtype, out_dtype))
    indices = np.empty(n_out, INT64)  # written by argmax/argmin only
    shape, strides = plan_kept(x.shape, x.strides, dim)
    step = x.strides[dim]
    chunks = _threads(n_out * size, x.storage.dtype)
    if chunks == 1:
        reduction.reduce_rows(REDUCTIONS[op], _storage(x), values, indices, shape, strides, x.offset, step,
                              0, size, 0, n_out)
    else:
        # Split every line among the threads when there are too few lines to share out, and when
        # the lines lie side by side in memory (each thread then streams whole rows of x):
        across = strides[-1] == 1 and step != 1
        split_lines = size >= chunks and (n_out < chunks or (across and size >= 64 * chunks))
        reduction.reduce_parallel(REDUCTIONS[op], _storage(x), values, indices, shape, strides, x.offset, step,
                                  size, chunks, split_lines)
    return _finish(indices if op in ("argmax", "argmin") else values, out_dtype)


def _along_lines(x: StridedArray, dim: int, compute: np.dtype) -> tuple:
    """For a softmax or running sum along `dim`, computed in `compute`: x in that dtype, the
    output buffer, and the layout of x's lines (`routing.line_layout`; None when x is empty)."""
    x = _as(x, compute)
    out = np.empty(numel(x.shape), compute)
    if out.size == 0:
        return x, out, None
    x, *layout = line_layout(x, dim, plan_kept)
    return x, out, layout


def softmax(x: StridedArray, dim: int, log: bool, out_dtype: np.dtype) -> np.ndarray:
    """Softmax (or log-softmax) along `dim`, shifted by the line maximum so exp cannot overflow."""
    out_dtype = np.dtype(out_dtype)
    compute = float_result_dtype(x.storage.dtype, out_dtype)
    x, out, layout = _along_lines(x, dim, compute)
    if layout is None:
        return _finish(out, out_dtype)
    size, step, after, shape, strides, across = layout
    n = out.size
    lines = n // size
    chunks = _threads(n, compute)
    if chunks == 1:
        softmax_kernels.softmax_rows(_storage(x), out, shape, strides, x.offset, step, size, after, bool(log), across,
                                     0, lines)
    else:
        softmax_kernels.softmax_parallel(_storage(x), out, shape, strides, x.offset, step, size, after, bool(log),
                                         across, lines, chunks)
    return _finish(out, out_dtype)


def cumsum(x: StridedArray, dim: int, out_dtype: np.dtype) -> np.ndarray:
    """Running sum along `dim`: out[..., i, ...] = sum_{j <= i} x[..., j, ...] (x's shape)."""
    out_dtype = np.dtype(out_dtype)
    compute = arithmetic_dtype(x.storage.dtype, out_dtype)
    x, out, layout = _along_lines(x, dim, compute)
    if layout is None:
        return _finish(out, out_dtype)
    size, step, after, shape, strides, across = layout
    n = out.size
    zero = FLOAT64.type(0) if is_float(compute) else compute.type(0)  # the running totals' dtype
    lines = n // size
    chunks = _threads(n, compute)
    if chunks == 1:
        scan.cumsum_rows(_storage(x), out, shape, strides, x.offset, step, size, after, across, zero, 0, lines)
    else:
        scan.cumsum_parallel(_storage(x), out, shape, strides, x.offset, step, size, after, across, zero, lines, chunks)
    return _finish(out, out_dtype)


# --- matmul ---

def _batch_offsets(x: StridedArray, batch: tuple) -> np.ndarray:
    """The storage offset of every matrix of the batch, in row-major batch order."""
    if not batch:
        return np.array([x.offset], dtype=np.int64)
    offsets = np.full(1, x.offset, dtype=np.int64)
    for size, stride in zip(batch, x.strides[:len(batch)]):
        offsets = (offsets[:, None] + np.arange(size, dtype=np.int64) * stride).reshape(-1)
    return offsets


SMALL_MATMUL = 1 << 17  # multiply-adds per matrix below which packing may cost more than it saves


def _small_product(n: int, k: int, m: int, a_col: int, b_row: int, b_col: int) -> bool:
    """Whether `matmul_small` beats the packed kernel, by the measurements in docs/performance.md:
    one dot product per output when b is transposed (a linear layer's weight.t()) and rows are
    long enough (k >= 32); the i-p-j loop when b's rows are contiguous, long (m >= 32) and
    there are few of them to share a packed b (n <= 16)."""
    if n * k * m > SMALL_MATMUL:
        return False
    if b_col != 1 and b_row == 1 and a_col == 1:
        return k >= 32
    return b_col == 1 and m >= 32 and n <= 16


def matmul(a: StridedArray, b: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """Batched matrix product: out[..., i, j] = sum_p a[..., i, p] * b[..., p, j]."""
    out_dtype = np.dtype(out_dtype)
    check_matmul_shapes(a, b)
    a, b = _common(a, b)
    compute = arithmetic_dtype(a.storage.dtype, out_dtype)
    a, b = _as(a, compute), _as(b, compute)
    *batch, n, k = a.shape
    m = b.shape[-1]
    count = numel(batch)
    if count * n * m == 0:
        return np.empty(0, out_dtype)
    if k == 0:
        return np.zeros(count * n * m, out_dtype)
    out = np.empty(count * n * m, compute)
    a_offsets, b_offsets = _batch_offsets(a, tuple(batch)), _batch_offsets(b, tuple(batch))
    a_row, a_col = a.strides[-2:]
    b_row, b_col = b.strides[-2:]
    if _small_product(n, k, m, a_col, b_row, b_col):
        matmul_kernels.matmul_small(_storage(a), a_offsets, a_row, a_col, _storage(b), b_offsets, b_row, b_col,
                                    out, n, k, m)
        return _finish(out, out_dtype)
    size_a, size_b = matmul_kernels.packed_sizes(n, k, m)
    big = compute in MATMUL_THREADED_DTYPES and count * n * m * k >= MATMUL_PARALLEL_FLOPS
    threads = numba.get_num_threads() if big else 1
    if threads == 1:
        matmul_kernels.matmul_serial(_storage(a), a_offsets, a_row, a_col, _storage(b), b_offsets, b_row, b_col,
                                     out, n, k, m, size_a, size_b)
    else:
        pieces = 1 if count >= threads else threads  # enough matrices, or split each one's rows
        rows = -(-n // pieces)  # ceil(n / pieces), rounded up to whole micro-kernel tiles:
        piece_rows = -(-rows // matmul_kernels.MR) * matmul_kernels.MR
        matmul_kernels.matmul_parallel(_storage(a), a_offsets, a_row, a_col, _storage(b), b_offsets, b_row, b_col,
                                       out, n, k, m, size_a, size_b, -(-n // piece_rows), piece_rows)
    return _finish(out, out_dtype)


# --- take, scatter_add, put, assign ---

_CHECKED: dict = {}  # id -> (positions, size, flat): read-only positions already checked


def _positions(positions: np.ndarray, size: int, primitive: str) -> np.ndarray:
    """positions as a flat int64 array, checked to lie in [-size, size) like Python indexing.

    Read-only positions cannot change, so each is checked once (convolution's im2col positions
    are the same read-only array every step, and checking them costs two passes over them)."""
    checked = _CHECKED.get(id(positions))
    if checked is not None and checked[0] is positions and checked[1] == size:
        return checked[2]
    flat = np.ascontiguousarray(positions, dtype=np.int64).reshape(-1)
    check_positions(primitive, flat, size)
    if isinstance(positions, np.ndarray) and not positions.flags.writeable:
        if len(_CHECKED) >= 256:
            _CHECKED.clear()
        _CHECKED[id(positions)] = (positions, size, flat)  # (holding it keeps its id from being reused)
    return flat


def take(x: StridedArray, positions: np.ndarray, out_dtype: np.dtype) -> np.ndarray:
    """Gather storage elements: out[i] = x.storage[positions[i]]."""
    out_dtype = np.dtype(out_dtype)
    storage = _storage(x)
    positions = _positions(positions, storage.size, "take")
    out = np.empty(positions.size, storage.dtype)
    chunks = _threads(positions.size, storage.dtype)
    if chunks == 1:
        gather.take_rows(storage, positions, out, 0, positions.size)
    else:
        gather.take_parallel(storage, positions, out, chunks)
    return _finish(out, out_dtype)


def scatter_add(size: int, positions: np.ndarray, values: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """The adjoint of `take`: start from zeros(size) and add values[i] at positions[i]."""
    out_dtype = np.dtype(out_dtype)
    n = numel(values.shape)
    positions = _positions(positions, size, "scatter_add")
    check_count("scatter_add", positions, n)
    accumulate = out_dtype if is_float(out_dtype) else INT64  # bool: count, then convert
    out = np.zeros(size, accumulate)
    if n:
        values = _as(values, accumulate)
        shape, strides, offsets = plan_rows(values.shape, [values])
        gather.scatter_rows(out, positions, _storage(values), shape, strides, offsets, True)
    return _finish(out, out_dtype)


def assign(dst: StridedArray, src: StridedArray) -> None:
    """Write src's elements into dst's storage at dst's layout (in place; same shapes)."""
    check_assign_shapes(dst, src)
    n = numel(dst.shape)
    if n == 0:
        return
    if np.may_share_memory(dst.storage, src.storage):  # read all of src before writing (as the reference)
        src = row_major(_cast(src, src.storage.dtype), src.shape)
    if not dst.storage.flags.c_contiguous:
        raise RuntimeError("assign: the destination storage must be a contiguous 1-D array")
    shape, strides, offsets = plan_rows(dst.shape, [dst, src])
    chunks = _threads(n, dst.storage.dtype)
    if chunks == 1:
        gather.assign_rows(dst.storage, _storage(src), shape, strides, offsets, 0, n)
    else:
        gather.assign_parallel(dst.storage, _storage(src), shape, strides, offsets, n, chunks)



def add_scaled(dst: StridedArray, src: StridedArray, alpha: float) -> None:
    """dst += alpha * src, in place (same shapes and dtype): one kernel over whole buffers
    (a gradient accumulated, an optimizer's update), else binary("mul"), binary("add") and assign."""
    check_same_shape("add_scaled", dst, src)
    n = numel(dst.shape)
    target, source = _whole(dst, n), _whole(src, n)
    if target is not None and target.size == n and source is not None and source.size == n \
            and target.dtype is source.dtype and not np.may_share_memory(target, source):
        chunks = _threads(n, target.dtype)
        if chunks == 1:
            elementwise.add_scaled_rows(target, source, float(alpha), 0, n)
        else:
            elementwise.add_scaled_parallel(target, source, float(alpha), chunks)
        return
    dtype = dst.storage.dtype
    scale = StridedArray(np.array([alpha], dtype), dst.shape, (0,) * len(dst.shape), 0)
    scaled = row_major(binary("mul", src, scale, dtype), dst.shape)
    assign(dst, row_major(binary("add", dst, scaled, dtype), dst.shape))


def put(storage: np.ndarray, positions: np.ndarray, values: StridedArray) -> None:
    """Write values (row-major over values.shape) to storage[positions[i]], in place."""
    n = numel(values.shape)
    positions = _positions(positions, storage.size, "put")
    check_count("put", positions, n)
    if n == 0:
        return
    if not storage.flags.c_contiguous:
        raise RuntimeError("put: the destination storage must be a contiguous 1-D array")
    if np.may_share_memory(storage, values.storage):  # read all values before writing (as the reference)
        values = row_major(_cast(values, values.storage.dtype), values.shape)
    shape, strides, offsets = plan_rows(values.shape, [values])
    gather.scatter_rows(storage, positions, _storage(values), shape, strides, offsets, False)
