"""`warmup()`: compile every kernel of the numba backend for every dtype, ahead of time.

Each primitive of `teachgrad.fastpath.cpu` is called once per dtype on a small input (the
serial kernels) and once on an input just above the size threshold for the dtypes that have
threaded kernels (float32; matmul also float64). The compiled machine code lands in Numba's on-disk cache, so later
processes load it in milliseconds instead of compiling.
"""

from __future__ import annotations

import time

import numpy as np

from teachgrad.fastpath import cpu
from teachgrad.fastpath.rows import PARALLEL_THRESHOLD
from teachgrad.strides import StridedArray, contiguous_strides

DTYPES = (np.float32, np.float64, np.int64, np.bool_)


def _array(shape: tuple, dtype) -> StridedArray:
    n = int(np.prod(shape))
    storage = (np.arange(n) % 3).astype(dtype)
    return StridedArray(storage, shape, contiguous_strides(shape), 0)


def _transposed(x: StridedArray) -> StridedArray:
    return StridedArray(x.storage, x.shape[::-1], x.strides[::-1], x.offset)


def _warm_dtype(dtype, shape: tuple) -> None:
    x = _array(shape, dtype)
    for layout in (x, _transposed(x)):  # whole buffers (the flat kernels), and a layout to walk
        for op in cpu.UNARY:
            out = dtype if op not in cpu.FLOAT_VALUED or np.dtype(dtype).kind == "f" else np.float32
            cpu.unary(op, layout, np.bool_ if op == "logical_not" else out)
        for op in cpu.BINARY:
            cpu.binary(op, layout, layout, np.bool_ if op in cpu.COMPARISONS else dtype)
        condition = _array(shape, np.bool_)
        cpu.where(condition if layout is x else _transposed(condition), layout, layout, dtype)
    for op in cpu.REDUCTIONS:
        out = np.int64 if op in ("argmax", "argmin") or (op in ("sum", "prod") and np.dtype(dtype).kind in "bi") else dtype
        cpu.reduce(op, x, 0, out)
    cpu.cumsum(x, 0, np.int64 if np.dtype(dtype).kind in "bi" else dtype)
    if np.dtype(dtype).kind == "f":
        cpu.softmax(x, len(shape) - 1, False, dtype)
        cpu.softmax(x, 0, True, dtype)
    cpu.take(x, np.arange(2), dtype)
    positions = np.arange(x.shape[0] * x.shape[1]) % 4
    cpu.scatter_add(4, positions, x, dtype)
    cpu.put(np.zeros(4, dtype), positions, x)
    cpu.assign(_array(shape, dtype), x)


def warmup(verbose: bool = False) -> float:
    """Compile (or load from the cache) every kernel for every dtype; return the seconds taken."""
    start = time.perf_counter()
    side = int(np.ceil(np.sqrt(PARALLEL_THRESHOLD))) + 1
    for dtype in DTYPES:
        _warm_dtype(dtype, (3, 5))
        if np.dtype(dtype) in cpu.THREADED_DTYPES:
            _warm_dtype(dtype, (side, side))
        for source in DTYPES:  # every conversion
            cpu.unary("identity", _array((2, 2), source), dtype)
        small, large = _array((5, 5), dtype), _array((130, 130), dtype)
        cpu.matmul(small, small, dtype)
        rows, columns = _array((4, 40), dtype), _array((40, 40), dtype)  # `matmul_small`, both loop orders
        cpu.matmul(rows, columns, dtype)
        cpu.matmul(rows, _transposed(columns), dtype)
        if np.dtype(dtype) in cpu.MATMUL_THREADED_DTYPES:
            cpu.matmul(large, large, dtype)
        if verbose:
            print(f"warmup: {np.dtype(dtype).name} ready after {time.perf_counter() - start:.1f} s")
    return time.perf_counter() - start
