"""The reference backend: every primitive as a plain Python loop over the index math.

This is the backend to read and to step through in a debugger. Each primitive takes tensors as
`StridedArray`s (storage, shape, strides, offset; see `teachgrad.strides`) and returns a new,
contiguous, flat numpy buffer holding the result in row-major order. Values are read as Python
numbers (`storage.tolist()`), computed in Python, and written once into the result.

The primitives (every backend implements exactly these, with these signatures):

    unary(op, x, out_dtype)               out[i] = f(x[i])                 ops: UNARY
    binary(op, a, b, out_dtype)           out[i] = f(a[i], b[i])           ops: BINARY
    where(cond, a, b, out_dtype)          out[i] = a[i] if cond[i] else b[i]
    reduce(op, x, dim, out_dtype)         reduce x along dim to size 1     ops: REDUCTIONS
    matmul(a, b, out_dtype)               (*batch, n, k) @ (*batch, k, m) -> (*batch, n, m)
    softmax(x, dim, log, out_dtype)       exp(x - max) / sum(exp(x - max)) along dim (or its log)
    cumsum(x, dim, out_dtype)             out[..., i, ...] = sum_{j <= i} x[..., j, ...] along dim
    take(x, positions, out_dtype)         out[i] = x.storage[positions[i]]
    scatter_add(size, positions, values, out_dtype)
                                          out = zeros(size); out[positions[i]] += values[i]
    assign(dst, src)                      write src into dst's storage, in place (same shapes)
    add_scaled(dst, src, alpha)           dst += alpha * src, in place (BLAS's axpy; same shapes and dtype)
    put(storage, positions, values)       storage[positions[i]] = values[i], in place

Callers prepare the operands: `binary` and `where` receive operands already broadcast to one shape
(broadcast dimensions have stride 0), with the same dtype (promotion happens before the kernel).

The elementwise primitives are named for how many operands the operation takes, `unary` and
`binary`, as the tables of operations they apply (UNARY, BINARY) are. (MiniTorch calls them `map`
and `zip`; here those names would hide Python's builtins `map` and `zip` inside every backend
module, and a reader would meet `builtins.zip` wherever the real one is needed.)

In pdb, typing a variable's name shows its value unless the name is one of pdb's one-letter
commands (a, b, c, d, h, j, l, n, p, q, r, s, u, w): the loops here name their variables so
that none is, except the operands `a` and `b` of the primitives' signatures, shared by every
backend: show those with `p a` and `p b`.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from teachgrad.strides import StridedArray, all_indices, contiguous_strides, numel, position

INF, NAN = math.inf, math.nan


def _safe_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _log(x: float) -> float:
    if x > 0:
        return math.log(x)
    return -INF if x == 0 else NAN


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else NAN


def _sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else NAN  # math.sin(inf) raises; IEEE gives nan


def _cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else NAN


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = _safe_exp(x)
    return e / (1.0 + e)


def _sign(x):
    if x != x:  # NaN
        return x
    return (x > 0) - (x < 0)


def _relu(x):
    return 0 if x < 0 else x  # 0, not x * 0 (which is -0.0); -0.0 and NaN pass through, as in PyTorch


def _erf_gelu(x: float) -> float:
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


def _div(x, y):
    if y != 0:
        return x / y
    if x != x or x == 0:
        return NAN
    return math.copysign(INF, x) * math.copysign(1.0, y)


def _pow(x, y):
    if isinstance(x, int) and isinstance(y, int) and y >= 0:
        return pow(x, y, 2**64)  # int64 keeps the low 64 bits only (wrap_int64 then gives the sign)
    try:
        result = x**y
    except ZeroDivisionError:  # 0 ** negative
        return INF
    except OverflowError:
        return INF
    return NAN if isinstance(result, complex) else result


def _maximum(x, y):
    if x != x or y != y:
        return NAN
    return x if x >= y else y


def _minimum(x, y):
    if x != x or y != y:
        return NAN
    return x if x <= y else y


UNARY = {
    "identity": lambda x: x,  # a copy (or, with another out_dtype, a conversion)
    "neg": operator.neg,
    "exp": _safe_exp,
    "log": _log,
    "sqrt": _sqrt,
    "sin": _sin,
    "cos": _cos,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "relu": _relu,
    "abs": abs,
    "sign": _sign,
    "gelu": _erf_gelu,
    "erf": math.erf,
    "logical_not": operator.not_,
}

BINARY = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": _div,
    "pow": _pow,
    "maximum": _maximum,
    "minimum": _minimum,
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "logical_and": lambda x, y: bool(x) and bool(y),
    "logical_or": lambda x, y: bool(x) or bool(y),
}


def _sum(row: list):
    return sum(row)


def _prod(row: list):
    return math.prod(row)


def _argmax(row: list) -> int:
    """Index of the first largest value; a NaN counts as the largest."""
    best = 0
    for k in range(1, len(row)):
        if row[best] != row[best]:
            break
        if row[k] != row[k] or row[k] > row[best]:
            best = k
    return best


def _argmin(row: list) -> int:
    """Index of the first smallest value; a NaN counts as the smallest."""
    best = 0
    for k in range(1, len(row)):
        if row[best] != row[best]:
            break
        if row[k] != row[k] or row[k] < row[best]:
            best = k
    return best


REDUCTIONS = {
    "sum": _sum,
    "prod": _prod,
    "max": lambda row: row[_argmax(row)],
    "min": lambda row: row[_argmin(row)],
    "argmax": _argmax,
    "argmin": _argmin,
}


def wrap_int64(value):
    """value as an int64 element holds it, as numba's compiled code (and PyTorch) give it.

    An integer wraps around modulo 2**64 into [-2**63, 2**63) (two's complement): 2**63 becomes
    -2**63. A float is truncated toward zero; one int64 cannot hold (inf, nan, |x| >= 2**63)
    becomes -2**63, the value the CPU's conversion instruction gives.
    """
    if isinstance(value, float):
        return int(value) if -(2.0**63) <= value < 2.0**63 else -(2**63)  # nan fails the test too
    return (value + 2**63) % 2**64 - 2**63


def _result(values: list, out_dtype: np.dtype) -> np.ndarray:
    """The computed Python values as a flat array of out_dtype (Python ints are unbounded: wrap them)."""
    if out_dtype == np.int64:
        values = [wrap_int64(v) for v in values]
    return np.array(values, dtype=out_dtype).reshape(-1)


def unary(op: str, x: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """Apply the unary function `op` to every element of x."""
    f = UNARY[op]
    values = x.storage.tolist()
    return _result([f(values[position(i, x.strides, x.offset)]) for i in all_indices(x.shape)], out_dtype)


def binary(op: str, a: StridedArray, b: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """Apply the binary function `op` to matching elements of a and b (same shape)."""
    f = BINARY[op]
    a_values, b_values = a.storage.tolist(), b.storage.tolist()
    out = []
    for index in all_indices(a.shape):
        left = a_values[position(index, a.strides, a.offset)]
        right = b_values[position(index, b.strides, b.offset)]
        out.append(f(left, right))
    return _result(out, out_dtype)


def where(cond: StridedArray, a: StridedArray, b: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """Pick a's element where cond is true, else b's (all three of one shape)."""
    c_values, a_values, b_values = cond.storage.tolist(), a.storage.tolist(), b.storage.tolist()
    out = []
    for index in all_indices(cond.shape):
        if c_values[position(index, cond.strides, cond.offset)]:
            out.append(a_values[position(index, a.strides, a.offset)])
        else:
            out.append(b_values[position(index, b.strides, b.offset)])
    return _result(out, out_dtype)


def reduce(op: str, x: StridedArray, dim: int, out_dtype: np.dtype) -> np.ndarray:
    """Reduce x along `dim`; the result has x's shape with size 1 at `dim`.

    For each output index, walk the row along `dim`: start at the row's first element and step
    by `strides[dim]`.
    """
    combine = REDUCTIONS[op]
    values = x.storage.tolist()
    size, step = x.shape[dim], x.strides[dim]
    out_shape = x.shape[:dim] + (1,) + x.shape[dim + 1 :]
    out = []
    for index in all_indices(out_shape):
        start = position(index, x.strides, x.offset)
        out.append(combine([values[start + k * step] for k in range(size)]))
    return _result(out, out_dtype)


def matmul(a: StridedArray, b: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """Batched matrix product: out[..., row, col] = sum_k a[..., row, k] * b[..., k, col].

    a is (*batch, rows, inner) and b is (*batch, inner, cols); a_row, a_col (b_row, b_col) are
    a's (b's) strides along its rows and columns.
    """
    *batch, rows, inner = a.shape
    cols = b.shape[-1]
    a_values, b_values = a.storage.tolist(), b.storage.tolist()
    a_row, a_col = a.strides[-2:]
    b_row, b_col = b.strides[-2:]
    out = []
    for batch_index in all_indices(batch):
        a_start = position(batch_index, a.strides[:-2], a.offset)
        b_start = position(batch_index, b.strides[:-2], b.offset)
        for row in range(rows):
            for col in range(cols):
                total = 0
                for k in range(inner):
                    total += a_values[a_start + row * a_row + k * a_col] * b_values[b_start + k * b_row + col * b_col]
                out.append(total)
    return _result(out, out_dtype)


def softmax(x: StridedArray, dim: int, log: bool, out_dtype: np.dtype) -> np.ndarray:
    """Softmax (or log-softmax) along `dim`, shifted by the row maximum so exp cannot overflow.

    softmax(x)_k = exp(x_k - m) / sum_j exp(x_j - m),   log_softmax(x)_k = x_k - m - log(sum_j exp(x_j - m))
    """
    values = x.storage.tolist()
    size, step = x.shape[dim], x.strides[dim]
    result = [0.0] * numel(x.shape)
    out_step = numel(x.shape[dim + 1 :])
    row_shape = x.shape[:dim] + (1,) + x.shape[dim + 1 :]
    for row_number, index in enumerate(all_indices(row_shape)):
        start = position(index, x.strides, x.offset)
        row = [values[start + k * step] for k in range(size)]
        peak = max(row)
        exps = [_safe_exp(v - peak) for v in row]
        total = sum(exps)
        out_start = (row_number // out_step) * size * out_step + row_number % out_step
        for k in range(size):
            value = row[k] - peak - math.log(total) if log else exps[k] / total
            result[out_start + k * out_step] = value
    return _result(result, out_dtype)


def cumsum(x: StridedArray, dim: int, out_dtype: np.dtype) -> np.ndarray:
    """Running sum along `dim`: out[..., i, ...] = x[..., 0, ...] + ... + x[..., i, ...].

    Each row along `dim` (as in `reduce`) is walked once, adding each element to a running total
    and writing the total. The output has x's shape, row-major: there, a row's elements are
    `out_step` apart (the number of elements of the dimensions after `dim`).
    """
    values = x.storage.tolist()
    size, step = x.shape[dim], x.strides[dim]
    result = [0] * numel(x.shape)
    out_step = numel(x.shape[dim + 1 :])
    row_shape = x.shape[:dim] + (1,) + x.shape[dim + 1 :]
    for row_number, index in enumerate(all_indices(row_shape)):
        start = position(index, x.strides, x.offset)
        out_start = (row_number // out_step) * size * out_step + row_number % out_step
        total = 0
        for k in range(size):
            total += values[start + k * step]
            result[out_start + k * out_step] = total
    return _result(result, out_dtype)


def take(x: StridedArray, positions: np.ndarray, out_dtype: np.dtype) -> np.ndarray:
    """Gather storage elements: out[i] = x.storage[positions[i]]."""
    values = x.storage.tolist()
    return _result([values[at] for at in positions.tolist()], out_dtype)


def scatter_add(size: int, positions: np.ndarray, values: StridedArray, out_dtype: np.dtype) -> np.ndarray:
    """The adjoint of `take`: start from zeros(size) and add values[i] at positions[i]."""
    out = [0] * size
    source, targets = values.storage.tolist(), positions.tolist()
    for i, index in enumerate(all_indices(values.shape)):
        out[targets[i]] += source[position(index, values.strides, values.offset)]
    return _result(out, out_dtype)


def assign(dst: StridedArray, src: StridedArray) -> None:
    """Write src's elements into dst's storage at dst's layout (in place; same shapes)."""
    source = src.storage.tolist()
    for index in all_indices(dst.shape):
        dst.storage[position(index, dst.strides, dst.offset)] = source[position(index, src.strides, src.offset)]


def add_scaled(dst: StridedArray, src: StridedArray, alpha: float) -> None:
    """dst += alpha * src, in place: alpha * src, then the sum, each rounded to dst's dtype, as
    the two operations `binary("mul")` and `binary("add")` would compute them."""
    dtype = dst.storage.dtype
    scale = StridedArray(np.array([alpha], dtype), dst.shape, (0,) * len(dst.shape), 0)
    scaled = binary("mul", src, scale, dtype)
    total = binary("add", dst, StridedArray(scaled, dst.shape, contiguous_strides(dst.shape), 0), dtype)
    assign(dst, StridedArray(total, dst.shape, contiguous_strides(dst.shape), 0))


def put(storage: np.ndarray, positions: np.ndarray, values: StridedArray) -> None:
    """Write values (row-major over values.shape) to storage[positions[i]], in place."""
    source, targets = values.storage.tolist(), positions.tolist()
    for i, index in enumerate(all_indices(values.shape)):
        storage[targets[i]] = source[position(index, values.strides, values.offset)]
