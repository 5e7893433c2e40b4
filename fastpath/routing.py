"""How every compiled backend routes dtypes, checks operands and lays out its loops.

The numba CPU backend (`cpu.py`) and the CUDA backend (`cuda.py`) run different kernels, but
they agree on everything around a kernel, and this module is where that agreement is written:

- dtypes: which dtype a kernel computes in, given its input and the requested out_dtype (few
  dtypes, because each one is a compiled kernel more; see `cpu.py`'s docstring);
- checks: an unknown operation name, operands of different shapes, matrices that cannot be
  multiplied, positions outside the storage, a reduction over no elements;
- layout: `coalesce` (fewer, longer dimensions to walk) and `line_layout` (the lines a softmax
  or a running sum walks along one dim).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from teachgrad.strides import StridedArray, contiguous_strides, numel

INT64, BOOL, FLOAT64 = np.dtype(np.int64), np.dtype(np.bool_), np.dtype(np.float64)


# --- checks ---

def check_op(table: dict, primitive: str, op: str) -> None:
    """Raise ValueError naming the known operations when `op` is not one of `table`'s."""
    if op not in table:
        raise ValueError(f"{primitive}: unknown operation {op!r}; known: {', '.join(table)}")


def check_same_shape(primitive: str, *operands: StridedArray) -> None:
    """Raise RuntimeError unless every operand has the first one's shape (callers broadcast first)."""
    shape = operands[0].shape
    if any(o.shape != shape and tuple(o.shape) != tuple(shape) for o in operands[1:]):
        listed = " and ".join(str(tuple(o.shape)) for o in operands)
        raise RuntimeError(f"{primitive}: operands must be broadcast to one shape first, got {listed}")


def check_matmul_shapes(a: StridedArray, b: StridedArray) -> None:
    """Raise RuntimeError unless a is (*batch, n, k) and b is (*batch, k, m)."""
    if len(a.shape) < 2 or len(b.shape) < 2 or tuple(a.shape[:-2]) != tuple(b.shape[:-2]) or a.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
                           f"(expected (*batch, n, k) and (*batch, k, m))")


def check_assign_shapes(dst: StridedArray, src: StridedArray) -> None:
    if tuple(dst.shape) != tuple(src.shape):
        raise RuntimeError(f"assign: shapes {tuple(dst.shape)} and {tuple(src.shape)} differ")


def check_positions(primitive: str, positions: np.ndarray, size: int) -> None:
    """Raise IndexError naming the first of the flat int64 positions outside [-size, size)."""
    if positions.size and (positions.min() < -size or positions.max() >= size):
        bad = positions[(positions < -size) | (positions >= size)][0]
        raise IndexError(f"{primitive}: position {bad} is out of range for storage of size {size}")


def check_count(primitive: str, positions: np.ndarray, n: int) -> None:
    """Raise RuntimeError unless there is one position for each of the n values."""
    if positions.size != n:
        raise RuntimeError(f"{primitive}: {positions.size} positions for {n} values")


def empty_line_result(op: str, dim: int) -> int:
    """What reducing a line of no elements gives: 0 for sum, 1 for prod, index 0 for argmax and
    argmin; IndexError for max and min, which have no element to return."""
    if op in ("max", "min"):
        raise IndexError(f"reduce {op}: dimension {dim} has size 0, so there is no {op} to take")
    return {"sum": 0, "prod": 1, "argmax": 0, "argmin": 0}[op]


# --- dtypes ---

def is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


def wider_float(a: np.dtype, b: np.dtype) -> np.dtype:
    return a if a.itemsize >= b.itemsize else b


def float_result_dtype(dtype: np.dtype, out_dtype: np.dtype) -> np.dtype:
    """The dtype a float-valued operation (exp, softmax, ...) computes in: the wider of the
    input and output floats; float64 when neither is a float (then converted, as the reference)."""
    if is_float(dtype) and is_float(out_dtype):
        return wider_float(dtype, out_dtype)
    if is_float(out_dtype):
        return out_dtype
    return dtype if is_float(dtype) else FLOAT64


def arithmetic_dtype(dtype: np.dtype, out_dtype: np.dtype) -> np.dtype:
    """The dtype binary arithmetic computes in (as Python would, then converted to out_dtype)."""
    if is_float(out_dtype):
        return wider_float(dtype, out_dtype) if is_float(dtype) else out_dtype
    return INT64 if dtype == BOOL else dtype


def reduction_dtype(op: str, dtype: np.dtype, out_dtype: np.dtype) -> np.dtype:
    """The dtype a reduction accumulates in: sums and products of integers and bools exactly in
    int64; sums of floats in float64 (each backend's sum kernel converts as it adds), products
    of floats in the wider of the input and output floats; max/min/arg in x's dtype, except
    bool, which uses int64 too (one compiled kernel less; the result is converted back)."""
    if op in ("sum", "prod"):
        if not is_float(dtype):
            return INT64
        if op == "sum":
            return FLOAT64
        return wider_float(dtype, out_dtype) if is_float(out_dtype) else dtype
    return INT64 if dtype == BOOL else dtype


# --- layout ---

def row_major(buffer, shape: tuple) -> StridedArray:
    """A StridedArray over a freshly computed row-major buffer (a numpy or a device array)."""
    return StridedArray(buffer, tuple(shape), contiguous_strides(shape), 0)


def coalesce(shape: tuple, *strides_list: tuple) -> tuple[tuple, list[tuple]]:
    """(shape, [strides of each operand]) with size-1 dims dropped and mergeable dims merged.

    Dims d and d + 1 merge when, in every operand, stepping once along d is the same as stepping
    shape[d + 1] times along d + 1 (strides[d] == strides[d + 1] * shape[d + 1]): then walking
    both in row-major order is walking one dim of size shape[d] * shape[d + 1]. The result keeps
    the row-major order of the elements and has at least one dim.
    """
    kept = [d for d, size in enumerate(shape) if size != 1]
    if not kept:
        return (1,), [(0,) for _ in strides_list]
    out_shape = [shape[kept[0]]]
    out_strides = [[strides[kept[0]]] for strides in strides_list]
    for d in kept[1:]:
        size = shape[d]
        if all(merged[-1] == strides[d] * size for merged, strides in zip(out_strides, strides_list)):
            out_shape[-1] *= size
            for merged, strides in zip(out_strides, strides_list):
                merged[-1] = strides[d]
        else:
            out_shape.append(size)
            for merged, strides in zip(out_strides, strides_list):
                merged.append(strides[d])
    return tuple(out_shape), [tuple(merged) for merged in out_strides]


def one_line(x: StridedArray, dim: int) -> tuple[StridedArray, int]:
    """(x, dim), with a 0-d x seen as one line of one element along dim 0 (its own reduction)."""
    if len(x.shape) == 0:
        return StridedArray(x.storage, (1,), (0,), x.offset), 0
    return x, dim


def line_layout(x: StridedArray, dim: int, kept: Callable[[tuple, tuple, int], tuple]) -> tuple:
    """How softmax and cumsum walk the lines of x along `dim` (a 0-d x is one line of one
    element): (x, size and stride of `dim`, elements after it, the kept dims' shape and strides
    as `kept(shape, strides, dim)` lays them out for the backend's kernels, and whether
    neighbouring lines lie side by side in memory)."""
    x, dim = one_line(x, dim)
    dim %= len(x.shape)
    size, step = x.shape[dim], x.strides[dim]
    after = numel(x.shape[dim + 1:])
    shape, strides = kept(x.shape, x.strides, dim)
    across = after > 1 and strides[-1] == 1 and step != 1
    return x, size, step, after, shape, strides, across
