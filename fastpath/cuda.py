"""The `cuda` backend: the primitives of `teachgrad.kernels.reference` as numba.cuda kernels.

Tensors on device "cuda" use this module (see `teachgrad.functions.dispatch.kernels`). Same
functions, same signatures, same results (within float rounding) as the reference, with one
difference: a tensor's storage, and every buffer a primitive returns, is a 1-D numba.cuda
*device array* living in GPU memory. Values stay on the GPU from one operation to the next;
only `from_host`/`to_host` (used by `.to()`, `.cpu()`, `.item()`, printing) cross to the CPU.
Positions for take/scatter_add/put arrive as host numpy arrays (teachgrad computes index math
with numpy) and are copied to the GPU here.

This module is the host side of each primitive: it checks the operands, picks the dtype a kernel
computes in and coalesces the layout (`fastpath/routing.py`, shared with the numba CPU backend),
allocates the output and launches the kernel:

    cuda_elementwise.py  unary, binary, comparisons, where, casts, fills
    cuda_reduce.py       sum, prod, max, min, argmax, argmin along a dim
    cuda_softmax.py      fused softmax and log-softmax
    cuda_scan.py         cumsum (running sums), one thread per line
    cuda_matmul.py       tiled, batched matrix product
    cuda_gather.py       take, scatter_add (atomic), put, assign

Kernel launches return at once (the GPU works through them in order); copying a result to the
host waits for them. `teachgrad.cuda.synchronize()` waits explicitly, for timing.
"""

from __future__ import annotations

import copyreg
import sys

import numpy as np
from numba import cuda
from numba.core import config

from teachgrad.fastpath import cuda_elementwise as elementwise
from teachgrad.fastpath import opcodes
from teachgrad.fastpath import cuda_gather as gather
from teachgrad.fastpath import cuda_matmul as matmul_kernels
from teachgrad.fastpath import cuda_reduce as reduction
from teachgrad.fastpath import cuda_scan as scan
from teachgrad.fastpath import cuda_softmax as softmax_kernels
from teachgrad.fastpath.cuda_layout import MAX_BLOCKS, SIMULATOR, THREADS, blocks_for
from teachgrad.fastpath.routing import (BOOL, FLOAT64, INT64, arithmetic_dtype, check_assign_shapes, check_count,
                                        check_matmul_shapes, check_op, check_positions, check_same_shape, coalesce,
                                        empty_line_result, float_result_dtype, is_float, line_layout, one_line,
                                        reduction_dtype, row_major)
from teachgrad.strides import StridedArray, numel

if SIMULATOR:
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray as DeviceArray
else:
    DeviceArray = cuda.cudadrv.devicearray.DeviceNDArray

# Small tensors get small grids on purpose; numba would warn about "under-utilization" at each launch.
config.CUDA_LOW_OCCUPANCY_WARNINGS = 0

if SIMULATOR:
    # The simulator runs each CUDA thread as a Python thread, and a barrier (syncthreads) waits
    # for the interpreter to switch threads, every 5 ms by default: switching every 0.1 ms makes
    # kernels with barriers (reductions, softmax, matmul) about 10x faster there.
    sys.setswitchinterval(min(sys.getswitchinterval(), 1e-4))

UNARY = {"identity": None, **opcodes.UNARY, "logical_not": opcodes.NOT}  # logical_not is a comparison: x == 0
FLOAT_VALUED = opcodes.FLOAT_VALUED
BINARY = opcodes.BINARY
COMPARISONS = opcodes.COMPARISONS
REDUCTIONS = opcodes.REDUCTIONS

# Reductions: split a line over several blocks (then combine in a second launch) when there are
# fewer lines than REDUCE_TARGET_BLOCKS and the line is longer than SPLIT_LENGTH elements.
REDUCE_TARGET_BLOCKS = 8 if SIMULATOR else 1024
SPLIT_LENGTH = 4 * THREADS
MATMUL_MAX_BLOCKS = 2 if SIMULATOR else 65535


# --- storage: device arrays, to and from the host ---

def empty(size: int, dtype: np.dtype):
    """An uninitialised 1-D device array."""
    return cuda.device_array(size, np.dtype(dtype))


def full(size: int, value, dtype: np.dtype):
    """A 1-D device array filled with value (converted as np.full converts it), by a kernel: no copy."""
    dtype = np.dtype(dtype)
    out = empty(size, dtype)
    if size:
        elementwise.fill_kernel[blocks_for(size), THREADS](out, np.full(1, value, dtype)[0])
    return out


def from_host(array: np.ndarray):
    """A device array holding a copy of a host array's elements (row-major)."""
    array = np.ascontiguousarray(array).reshape(-1)
    if array.size == 0:
        return empty(0, array.dtype)
    if array.size == 1:  # a number: a fill kernel, which (unlike a copy) does not wait for the GPU
        return full(1, array[0], array.dtype)
    return cuda.to_device(array)


def to_host(storage, offset: int, count: int) -> np.ndarray:
    """storage[offset : offset + count] copied to a new host array (waits for the GPU)."""
    if count == 0:
        return np.empty(0, storage.dtype)
    return storage[offset:offset + count].copy_to_host()


def _reduce_device_array(array) -> tuple:
    """How copy.deepcopy and pickle copy a device array: through the host, into new GPU memory.

    (Field by field, they would copy numba's raw pointer to the same memory, or fail on it;
    `copy.deepcopy(model)` copies a model's buffers this way.)
    """
    return from_host, (array.copy_to_host(),)


copyreg.pickle(DeviceArray, _reduce_device_array)
if SIMULATOR:  # the simulator's arrays hand unknown attributes to a numpy array, __deepcopy__ included
    DeviceArray.__deepcopy__ = lambda array, memo: from_host(array.copy_to_host())


# --- helpers ---

def _cast(x: StridedArray, out_dtype: np.dtype):
    """x's elements in row-major order as a new device array of out_dtype."""
    n = numel(x.shape)
    out = empty(n, out_dtype)
    if n:
        shape, (strides,) = coalesce(tuple(x.shape), tuple(x.strides))
        elementwise.cast_kernel[blocks_for(n), THREADS](x.storage, out, shape, strides, x.offset)
    return out


def _as(x: StridedArray, dtype: np.dtype) -> StridedArray:
    """x itself when it has this dtype, else a converted contiguous copy."""
    if x.storage.dtype == dtype:
        return x
    return row_major(_cast(x, dtype), x.shape)


def _finish(buffer, out_dtype: np.dtype):
    """The result in out_dtype (converted on the device when the kernel computed in another dtype)."""
    if buffer.dtype == out_dtype:
        return buffer
    return _cast(row_major(buffer, (buffer.size,)), out_dtype)


def _common(a: StridedArray, b: StridedArray) -> tuple[StridedArray, StridedArray]:
    """Both operands in one dtype (callers promote first; this is a safety net)."""
    if a.storage.dtype == b.storage.dtype:
        return a, b
    dtype = np.result_type(a.storage.dtype, b.storage.dtype)
    return _as(a, dtype), _as(b, dtype)


def _overlap(a, b) -> bool:
    """Whether two device arrays may share memory."""
    if a is b:
        return True
    try:
        start_a, start_b = a.__cuda_array_interface__["data"][0], b.__cuda_array_interface__["data"][0]
    except (AttributeError, KeyError, TypeError):  # the simulator's arrays: only `is` can tell
        return False
    return start_a < start_b + b.nbytes and start_b < start_a + a.nbytes


def _positions(positions: np.ndarray, size: int, primitive: str) -> np.ndarray:
    """positions as a flat int64 host array in [0, size), negative ones counted from the end
    like Python indexing; raises IndexError for any outside [-size, size)."""
    positions = np.ascontiguousarray(positions, dtype=np.int64).reshape(-1)
    check_positions(primitive, positions, size)
    return np.where(positions < 0, positions + size, positions)


# --- elementwise ---

def _compare(op: int, a: StridedArray, b: StridedArray, out_dtype: np.dtype):
    n = numel(a.shape)
    out = empty(n, out_dtype)
    if n:
        shape, (a_strides, b_strides) = coalesce(tuple(a.shape), tuple(a.strides), tuple(b.strides))
        elementwise.compare_kernel[blocks_for(n), THREADS](op, a.storage, b.storage, out, shape, a_strides, a.offset,
                                                           b_strides, b.offset)
    return out


def unary(op: str, x: StridedArray, out_dtype: np.dtype):
    """Apply the unary function `op` to every element of x."""
    check_op(UNARY, "unary", op)
    out_dtype = np.dtype(out_dtype)
    if op == "identity":
        return _cast(x, out_dtype)
    if op == "logical_not":
        return _compare(opcodes.NOT, x, x, out_dtype)
    dtype = x.storage.dtype
    if op in FLOAT_VALUED:
        compute = float_result_dtype(dtype, out_dtype)
    else:
        compute = INT64 if dtype == BOOL else dtype
    x = _as(x, compute)
    n = numel(x.shape)
    out = empty(n, out_dtype)  # the kernel converts each result to out's dtype as it stores it
    if n:
        shape, (strides,) = coalesce(tuple(x.shape), tuple(x.strides))
        elementwise.unary_kernel[blocks_for(n), THREADS](UNARY[op], x.storage, out, shape, strides, x.offset)
    return out


def binary(op: str, a: StridedArray, b: StridedArray, out_dtype: np.dtype):
    """Apply the binary function `op` to matching elements of a and b (same shape)."""
    check_op(BINARY, "binary", op)
    check_same_shape("binary", a, b)
    out_dtype = np.dtype(out_dtype)
    a, b = _common(a, b)
    if op in COMPARISONS:
        return _compare(BINARY[op], a, b, out_dtype)
    compute = arithmetic_dtype(a.storage.dtype, out_dtype)
    if op == "pow" and not is_float(compute):  # integer powers as the reference: via Python-like floats
        compute = FLOAT64
    a, b = _as(a, compute), _as(b, compute)
    n = numel(a.shape)
    out = empty(n, out_dtype)
    if n:
        shape, (a_strides, b_strides) = coalesce(tuple(a.shape), tuple(a.strides), tuple(b.strides))
        elementwise.binary_kernel[blocks_for(n), THREADS](BINARY[op], a.storage, b.storage, out, shape, a_strides,
                                                          a.offset, b_strides, b.offset)
    return out


def where(cond: StridedArray, a: StridedArray, b: StridedArray, out_dtype: np.dtype):
    """Pick a's element where cond is true, else b's (all three of one shape)."""
    check_same_shape("where", cond, a, b)
    out_dtype = np.dtype(out_dtype)
    n = numel(a.shape)
    out = empty(n, out_dtype)
    if n:
        shape, (c_strides, a_strides, b_strides) = coalesce(tuple(a.shape), tuple(cond.strides), tuple(a.strides),
                                                            tuple(b.strides))
        elementwise.where_kernel[blocks_for(n), THREADS](cond.storage, a.storage, b.storage, out, shape, c_strides,
                                                         cond.offset, a_strides, a.offset, b_strides, b.offset)
    return out


# --- reductions and softmax ---

def _without(values: tuple, dim: int) -> tuple:
    return tuple(values[:dim]) + tuple(values[dim + 1:])


def _kept(shape: tuple, strides: tuple, dim: int) -> tuple[tuple, tuple]:
    """Shape and strides of the dims other than `dim`, coalesced: the layout of the lines along `dim`."""
    kept_shape, (kept_strides,) = coalesce(_without(shape, dim), _without(strides, dim))
    return kept_shape, kept_strides


def reduce(op: str, x: StridedArray, dim: int, out_dtype: np.dtype):
    """Reduce x along `dim`; the result has x's shape with size 1 at `dim`."""
    check_op(REDUCTIONS, "reduce", op)
    out_dtype = np.dtype(out_dtype)
    x, dim = one_line(x, dim)
    size = x.shape[dim]
    n_out = numel(_without(x.shape, dim))
    if n_out == 0:
        return empty(0, out_dtype)
    if size == 0:
        return full(n_out, empty_line_result(op, dim), out_dtype)
    accumulate = reduction_dtype(op, x.storage.dtype, out_dtype)
    if not (op == "sum" and is_float(x.storage.dtype)):  # float sums read x as it is
        x = _as(x, accumulate)
    kept_shape, kept_strides = _kept(x.shape, x.strides, dim)
    step = x.strides[dim]
    code, zero = REDUCTIONS[op], accumulate.type(0)
    values, indices = empty(n_out, accumulate), empty(n_out, INT64)
    lines_side_by_side = step != 1 and kept_strides[-1] == 1 and n_out > 1
    if lines_side_by_side and (n_out >= size or n_out >= 2 * THREADS):
        reduction.reduce_columns_kernel[blocks_for(n_out), THREADS](code, x.storage, values, indices, kept_shape,
                                                                    kept_strides, x.offset, size, step, zero)
    else:
        parts = 1
        if n_out < REDUCE_TARGET_BLOCKS and size > SPLIT_LENGTH:
            parts = min(-(-size // SPLIT_LENGTH), max(1, REDUCE_TARGET_BLOCKS // n_out))
        part_len = -(-size // parts)
        parts = -(-size // part_len)
        if parts > 1:  # first pass: one result per part of each line
            partial, partial_at = empty(n_out * parts, accumulate), empty(n_out * parts, INT64)
            reduction.reduce_lines_kernel[min(n_out * parts, MAX_BLOCKS), THREADS](
                code, x.storage, partial_at, False, partial, partial_at, kept_shape, kept_strides, x.offset, size, step,
                parts, part_len, zero)
            # second pass: each line's `parts` results, side by side, with their indices
            reduction.reduce_lines_kernel[min(n_out, MAX_BLOCKS), THREADS](
                code, partial, partial_at, True, values, indices, (n_out,), (parts,), 0, parts, 1, 1, parts, zero)
        else:
            reduction.reduce_lines_kernel[min(n_out, MAX_BLOCKS), THREADS](
                code, x.storage, indices, False, values, indices, kept_shape, kept_strides, x.offset, size, step, 1,
                size, zero)
    return _finish(indices if op in ("argmax", "argmin") else values, out_dtype)


def _along_lines(x: StridedArray, dim: int, compute: np.dtype) -> tuple:
    """For a softmax or running sum along `dim`, computed in `compute`: x in that dtype, the
    output buffer, and the layout of x's lines (`routing.line_layout`; None when x is empty)."""
    x = _as(x, compute)
    out = empty(numel(x.shape), compute)
    if out.size == 0:
        return x, out, None
    x, *layout = line_layout(x, dim, _kept)
    return x, out, layout


def softmax(x: StridedArray, dim: int, log: bool, out_dtype: np.dtype):
    """Softmax (or log-softmax) along `dim`, shifted by the line maximum so exp cannot overflow."""
    out_dtype = np.dtype(out_dtype)
    compute = float_result_dtype(x.storage.dtype, out_dtype)
    x, out, layout = _along_lines(x, dim, compute)
    if layout is None:
        return _finish(out, out_dtype)
    size, step, after, kept_shape, kept_strides, _ = layout
    n = out.size
    softmax_kernels.softmax_kernel[min(n // size, MAX_BLOCKS), THREADS](
        x.storage, out, kept_shape, kept_strides, x.offset, size, step, after, bool(log))
    return _finish(out, out_dtype)


def cumsum(x: StridedArray, dim: int, out_dtype: np.dtype):
    """Running sum along `dim`: out[..., i, ...] = sum_{j <= i} x[..., j, ...] (x's shape)."""
    out_dtype = np.dtype(out_dtype)
    compute = arithmetic_dtype(x.storage.dtype, out_dtype)
    x, out, layout = _along_lines(x, dim, compute)
    if layout is None:
        return _finish(out, out_dtype)
    size, step, after, kept_shape, kept_strides, _ = layout
    n = out.size
    zero = FLOAT64.type(0) if is_float(compute) else compute.type(0)  # the running totals' dtype
    scan.cumsum_kernel[blocks_for(n // size), THREADS](x.storage, out, kept_shape, kept_strides, x.offset, size, step,
                                                       after, zero)
    return _finish(out, out_dtype)


# --- matmul ---

def matmul(a: StridedArray, b: StridedArray, out_dtype: np.dtype):
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
        return empty(0, out_dtype)
    if k == 0:
        return full(count * n * m, 0, out_dtype)
    batch_shape, (a_batch, b_batch) = coalesce(tuple(batch), tuple(a.strides[:-2]), tuple(b.strides[:-2]))
    a_row, a_col = a.strides[-2:]
    b_row, b_col = b.strides[-2:]
    out = empty(count * n * m, out_dtype)
    tiles = count * -(-n // matmul_kernels.BM) * -(-m // matmul_kernels.BN)
    matmul_kernels.matmul_kernel[min(tiles, MATMUL_MAX_BLOCKS), matmul_kernels.BLOCK](
        a.storage, b.storage, out, n, k, m, batch_shape, a_batch, a.offset, b_batch, b.offset, a_row, a_col, b_row, b_col)
    return out


# --- take, scatter_add, assign, put ---

def take(x: StridedArray, positions: np.ndarray, out_dtype: np.dtype):
    """Gather storage elements: out[i] = x.storage[positions[i]]."""
    out_dtype = np.dtype(out_dtype)
    positions = _positions(positions, x.storage.size, "take")
    out = empty(positions.size, out_dtype)
    if positions.size:
        gather.take_kernel[blocks_for(positions.size), THREADS](x.storage, from_host(positions), out)
    return out


def scatter_add(size: int, positions: np.ndarray, values: StridedArray, out_dtype: np.dtype):
    """The adjoint of `take`: start from zeros(size) and add values[i] at positions[i]."""
    out_dtype = np.dtype(out_dtype)
    n = numel(values.shape)
    positions = _positions(positions, size, "scatter_add")
    check_count("scatter_add", positions, n)
    accumulate = out_dtype if is_float(out_dtype) else INT64  # bool: count, then convert
    out = full(size, 0, accumulate)
    if n:
        values = _as(values, accumulate)
        shape, (strides,) = coalesce(tuple(values.shape), tuple(values.strides))
        gather.scatter_add_kernel[blocks_for(n), THREADS](out, from_host(positions), values.storage, shape, strides,
                                                          values.offset)
    return _finish(out, out_dtype)


def assign(dst: StridedArray, src: StridedArray) -> None:
    """Write src's elements into dst's storage at dst's layout (in place; same shapes)."""
    check_assign_shapes(dst, src)
    n = numel(dst.shape)
    if n == 0:
        return
    if _overlap(dst.storage, src.storage):  # read all of src before writing (as the reference)
        src = row_major(_cast(src, src.storage.dtype), src.shape)
    shape, (dst_strides, src_strides) = coalesce(tuple(dst.shape), tuple(dst.strides), tuple(src.strides))
    gather.assign_kernel[blocks_for(n), THREADS](dst.storage, src.storage, n, shape, dst_strides, dst.offset,
                                                 src_strides, src.offset)


def add_scaled(dst: StridedArray, src: StridedArray, alpha: float) -> None:
    """dst += alpha * src, in place: the kernels of binary("mul"), binary("add") and assign, as the
    reference computes it (each result rounded to dst's dtype)."""
    dtype = dst.storage.dtype
    scale = StridedArray(full(1, alpha, dtype), dst.shape, (0,) * len(dst.shape), 0)
    scaled = row_major(binary("mul", src, scale, dtype), dst.shape)
    assign(dst, row_major(binary("add", dst, scaled, dtype), dst.shape))


def put(storage, positions: np.ndarray, values: StridedArray) -> None:
    """Write values (row-major over values.shape) to storage[positions[i]], in place.

    With a position given twice, which value lands there is not defined (threads race); the
    reference keeps the last.
    """
    positions = _positions(positions, storage.size, "put")
    n = numel(values.shape)
    check_count("put", positions, n)
    if n == 0:
        return
    if _overlap(storage, values.storage):
        values = row_major(_cast(values, values.storage.dtype), values.shape)
    shape, (strides,) = coalesce(tuple(values.shape), tuple(values.strides))
    gather.put_kernel[blocks_for(n), THREADS](storage, from_host(positions), values.storage, shape, strides,
                                              values.offset)
