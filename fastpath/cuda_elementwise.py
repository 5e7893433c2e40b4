"""Elementwise CUDA kernels: unary and binary operations, comparisons, where, casts and fills.

Each kernel is a grid-stride loop (see `cuda_layout`): thread t handles elements t, t + T,
t + 2T, ... (T threads in the grid), finds each operand's element with `position` and writes
out[i]. Consecutive threads handle consecutive elements, so a warp (32 threads that execute
together) reads and writes 32 neighbouring values at once: the memory access is *coalesced*.

The operation is an integer code (the same idea as the CPU kernels in `elementwise.py`): one
compiled kernel per dtype serves every operation, and since all threads take the same branch it
costs next to nothing. Each branch stores straight into `out`, so the value is converted once,
to out's dtype, as the reference converts its Python results.

The scalar helpers (`_exp`, `_log`, `_sqrt`, `_sin`, `_cos`) check their domain themselves: the GPU would give
nan/inf anyway, but the simulator runs Python's `math`, which raises instead.
"""

from __future__ import annotations

import math

from numba import cuda

from teachgrad.fastpath.cuda_layout import position

# The operation codes the kernels switch on (shared with the other backend):
from teachgrad.fastpath.opcodes import (
    ABS, ADD, COS, DIV, EQ, ERF, EXP, GE, GELU, GT, LE, LOG, LOGICAL_AND, LOGICAL_OR, LT, MAXIMUM, MINIMUM, MUL, NE, NEG,
    POW, RELU, SIGMOID, SIGN, SIN, SQRT, SUB, TANH,
)

EXP_LIMIT = 709.0  # exp(x) overflows float64 above about 709.78


# --- the scalar functions (same rules as the reference backend) ---

@cuda.jit(device=True)
def _exp(x):
    if x > EXP_LIMIT:
        return math.inf
    return math.exp(x)


@cuda.jit(device=True)
def _log(x):
    if x > 0:
        return math.log(x)
    if x == 0:
        return -math.inf
    return math.nan


@cuda.jit(device=True)
def _sqrt(x):
    if x >= 0:
        return math.sqrt(x)
    return math.nan


@cuda.jit(device=True)
def _sin(x):
    if math.isfinite(x):
        return math.sin(x)
    return math.nan


@cuda.jit(device=True)
def _cos(x):
    if math.isfinite(x):
        return math.cos(x)
    return math.nan


@cuda.jit(device=True)
def _sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow on either side."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@cuda.jit(device=True)
def _sign(x):
    """-1, 0 or 1; NaN stays NaN."""
    if x != x:
        return x
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0


@cuda.jit(device=True)
def _maximum(a, b):
    """The larger of a and b; NaN if either is NaN."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a >= b else b


@cuda.jit(device=True)
def _minimum(a, b):
    """The smaller of a and b; NaN if either is NaN."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a <= b else b


@cuda.jit(device=True)
def _store_unary(op, x, out, i):
    """out[i] = op(x)."""
    if op == NEG:
        out[i] = -x
    elif op == EXP:
        out[i] = _exp(x)
    elif op == LOG:
        out[i] = _log(x)
    elif op == SQRT:
        out[i] = _sqrt(x)
    elif op == SIN:
        out[i] = _sin(x)
    elif op == COS:
        out[i] = _cos(x)
    elif op == TANH:
        out[i] = math.tanh(x)
    elif op == SIGMOID:
        out[i] = _sigmoid(x)
    elif op == RELU:
        out[i] = 0 if x < 0 else x  # NaN and -0.0 pass through (x * 0 would give -0.0 for x < 0)
    elif op == ABS:
        out[i] = abs(x)
    elif op == SIGN:
        out[i] = _sign(x)
    elif op == GELU:
        out[i] = 0.5 * x * (1.0 + math.erf(x * 0.7071067811865476))
    elif op == ERF:
        out[i] = math.erf(x)


@cuda.jit(device=True)
def _store_binary(op, a, b, out, i):
    """out[i] = op(a, b)."""
    if op == ADD:
        out[i] = a + b
    elif op == SUB:
        out[i] = a - b
    elif op == MUL:
        out[i] = a * b
    elif op == DIV:
        out[i] = a / b
    elif op == POW:
        out[i] = a ** b
    elif op == MAXIMUM:
        out[i] = _maximum(a, b)
    elif op == MINIMUM:
        out[i] = _minimum(a, b)


@cuda.jit(device=True)
def _compare(op, a, b):
    if op == EQ:
        return a == b
    if op == NE:
        return a != b
    if op == LT:
        return a < b
    if op == LE:
        return a <= b
    if op == GT:
        return a > b
    if op == GE:
        return a >= b
    if op == LOGICAL_AND:
        return a != 0 and b != 0
    if op == LOGICAL_OR:
        return a != 0 or b != 0
    return a == 0  # NOT


# --- the kernels ---

@cuda.jit(cache=True)
def unary_kernel(op, x, out, shape, strides, offset):
    """out[i] = op(x[i])."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        _store_unary(op, x[position(i, shape, strides, offset)], out, i)


@cuda.jit(cache=True)
def binary_kernel(op, a, b, out, shape, a_strides, a_offset, b_strides, b_offset):
    """out[i] = op(a[i], b[i])."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        left = a[position(i, shape, a_strides, a_offset)]
        right = b[position(i, shape, b_strides, b_offset)]
        _store_binary(op, left, right, out, i)


@cuda.jit(cache=True)
def compare_kernel(op, a, b, out, shape, a_strides, a_offset, b_strides, b_offset):
    """out[i] = op(a[i], b[i]), a bool."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        left = a[position(i, shape, a_strides, a_offset)]
        right = b[position(i, shape, b_strides, b_offset)]
        out[i] = _compare(op, left, right)


@cuda.jit(cache=True)
def where_kernel(cond, a, b, out, shape, c_strides, c_offset, a_strides, a_offset, b_strides, b_offset):
    """out[i] = a[i] if cond[i] else b[i]."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        if cond[position(i, shape, c_strides, c_offset)]:
            out[i] = a[position(i, shape, a_strides, a_offset)]
        else:
            out[i] = b[position(i, shape, b_strides, b_offset)]


@cuda.jit(cache=True)
def cast_kernel(x, out, shape, strides, offset):
    """out[i] = x[i] converted to out's dtype (a contiguous copy when the dtypes are equal)."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        out[i] = x[position(i, shape, strides, offset)]


@cuda.jit(cache=True)
def fill_kernel(out, value):
    """out[i] = value for every i."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        out[i] = value
