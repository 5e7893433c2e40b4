"""The numba backend computes what the reference backend computes.

Every primitive and every operation name of `teachgrad.fastpath.cpu` is compared with
`teachgrad.kernels.reference` on random StridedArrays of every layout the kernels specialise
for (contiguous, transposed, sliced with an offset, broadcast with stride 0, empty, 0-d), for
each dtype the operation applies to. The reference is plain Python, so those comparisons use
small tensors; inputs above the parallel threshold (the threaded kernels) are compared with
numpy instead.

Tolerances, per dtype of the result:
- int64 and bool: exactly equal.
- float64: rtol 1e-12, atol 1e-12 (sums: atol scaled by the sum of |x|, order of additions differs).
- float32: rtol 2e-6, atol 1e-6 (the reference computes in float64 and rounds once; the kernels
  compute in float32, so each operation may differ by about one rounding; sums and matmuls:
  atol scaled by the sum of |terms|).
NaN must be NaN in the same places; infinities must match exactly.
"""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest

import teachgrad.fastpath  # noqa: F401  (sets NUMBA_SLP_VECTORIZE before numba compiles)
from teachgrad.kernels import reference
from teachgrad.fastpath import cpu
from teachgrad.fastpath.rows import PARALLEL_THRESHOLD
from teachgrad.strides import StridedArray, contiguous_strides, numel

F32, F64, I64, BOOL = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_)
DTYPES = [F32, F64, I64, BOOL]
FLOATS = [F32, F64]
LAYOUTS = ["contiguous", "transposed", "sliced", "broadcast", "empty", "scalar"]
BIG = 300  # 300 x 300 = 90,000 elements, above the parallel threshold
assert BIG * BIG > PARALLEL_THRESHOLD


# --- making operands ---

def random_values(rng: np.random.Generator, n: int, dtype: np.dtype, special: bool = False) -> np.ndarray:
    """n values of dtype; floats are normal (with NaN, infinities and zeros when `special`)."""
    if dtype == BOOL:
        return rng.random(n) < 0.5
    if dtype == I64:
        return rng.integers(-5, 6, n).astype(I64)
    values = rng.standard_normal(n).astype(dtype)
    if special and n >= 8:
        picks = rng.choice(n, size=max(1, n // 8), replace=False)
        values[picks] = rng.choice(np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=dtype), size=picks.size)
    return values


def strided(values: np.ndarray, shape: tuple, layout: str, rng: np.random.Generator) -> StridedArray:
    """A StridedArray of `shape` holding `values` (row-major), stored in the given layout."""
    values = values.reshape(shape)
    if layout == "transposed" and len(shape) >= 2:
        base = np.ascontiguousarray(np.swapaxes(values, -1, -2))  # stored transposed
        strides = list(contiguous_strides(base.shape))
        strides[-1], strides[-2] = strides[-2], strides[-1]
        return StridedArray(base.reshape(-1), shape, tuple(strides), 0)
    if layout == "sliced":  # every other element of a larger buffer, after an offset of 3
        storage = random_values(rng, 3 + 2 * max(numel(shape), 1), values.dtype)
        view = storage[3:3 + 2 * numel(shape):2]
        view[:] = values.reshape(-1)
        return StridedArray(storage, shape, tuple(2 * s for s in contiguous_strides(shape)), 3)
    return StridedArray(np.ascontiguousarray(values).reshape(-1), shape, contiguous_strides(shape), 0)


def broadcast(values_row: np.ndarray, shape: tuple) -> StridedArray:
    """A StridedArray of `shape` whose rows all read one stored row (stride 0 on every dim but the last)."""
    return StridedArray(values_row.copy(), shape, (0,) * (len(shape) - 1) + (1,), 0)


def shape_for(layout: str) -> tuple:
    return {"empty": (0, 3), "scalar": ()}.get(layout, (2, 3, 4))


def make(rng, dtype, layout, special=False, shape=None):
    shape = shape_for(layout) if shape is None else shape
    if layout == "broadcast":
        return broadcast(random_values(rng, shape[-1], dtype, special), shape)
    return strided(random_values(rng, numel(shape), dtype, special), shape, layout, rng)


def dense(x: StridedArray) -> np.ndarray:
    """x as an ordinary numpy array (for numpy yardsticks)."""
    item = x.storage.itemsize
    return np.lib.stride_tricks.as_strided(x.storage[x.offset:], x.shape, [s * item for s in x.strides]).copy()


def assert_same(got: np.ndarray, want: np.ndarray, scale: np.ndarray | float | None = None) -> None:
    """Equal dtype and shape; values equal within the dtype's tolerance (see the module docstring)."""
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if got.dtype.kind in "bi":
        np.testing.assert_array_equal(got, want)
        return
    rtol, atol = (2e-6, 1e-6) if got.dtype == F32 else (1e-12, 1e-12)
    if scale is not None:
        atol = atol + rtol * 4 * np.asarray(scale, dtype=np.float64)
    g, w = got.astype(np.float64), want.astype(np.float64)
    with np.errstate(invalid="ignore"):
        close = (np.abs(g - w) <= atol + rtol * np.abs(w)) | (g == w) | (np.isnan(g) & np.isnan(w))
    finite = np.isfinite(w)
    close &= finite | (g == w) | (np.isnan(g) & np.isnan(w))  # NaN where NaN, the same infinities
    bad = np.flatnonzero(~close)
    assert bad.size == 0, f"{bad.size} of {got.size} differ; first at {bad[0]}: got {g[bad[0]]!r}, want {w[bad[0]]!r}"


@pytest.fixture
def rng(request) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(request.node.name.encode()))


# --- the operation tables ---

def test_backend_has_the_reference_operation_names():
    assert set(cpu.UNARY) == set(reference.UNARY)
    assert set(cpu.BINARY) == set(reference.BINARY)
    assert set(cpu.REDUCTIONS) == set(reference.REDUCTIONS)


def test_backend_exposes_every_primitive():
    for name in ("unary", "binary", "where", "reduce", "matmul", "softmax", "cumsum", "take", "scatter_add", "assign", "put",
                 "add_scaled"):
        assert callable(getattr(cpu, name))


@pytest.mark.parametrize("backend", [reference, cpu], ids=["reference", "numba"])
def test_backend_names_hide_no_python_builtin(backend):
    # a primitive named `map` or `zip` would hide the builtin everywhere in the backend's module
    hiding = [name for name in vars(backend) if not name.startswith("__") and hasattr(builtins, name)]
    assert hiding == []


@pytest.mark.parametrize("primitive", ["unary", "binary", "reduce"])
def test_unknown_operation_is_a_clear_error(primitive):
    x = StridedArray(np.zeros(2, F32), (2,), (1,), 0)
    call = {"unary": lambda: cpu.unary("cube", x, F32), "binary": lambda: cpu.binary("cube", x, x, F32),
            "reduce": lambda: cpu.reduce("cube", x, 0, F32)}[primitive]
    with pytest.raises(ValueError, match="unknown operation 'cube'"):
        call()


# --- unary ---

def unary_cases():
    for dtype in DTYPES:
        for op in reference.UNARY:
            if op == "identity":
                continue
            if op == "logical_not":
                out = BOOL
            elif dtype.kind == "f":
                out = dtype
            elif op in cpu.FLOAT_VALUED:
                out = F32
            else:
                out = I64 if dtype == BOOL else dtype
            yield op, dtype, out


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op,dtype,out", list(unary_cases()))
def test_unary_matches_reference(op, dtype, out, layout, rng):
    x = make(rng, dtype, layout, special=True)
    if op in ("sin", "cos"):  # the reference's math.sin raises on infinities (see the report)
        x = StridedArray(np.where(np.isinf(x.storage), 0, x.storage).astype(dtype), x.shape, x.strides, x.offset)
    assert_same(cpu.unary(op, x, out), reference.unary(op, x, out))


@pytest.mark.parametrize("source", DTYPES)
@pytest.mark.parametrize("target", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "broadcast", "scalar"])
def test_unary_identity_converts_like_reference(source, target, layout, rng):
    x = make(rng, source, layout)  # finite values: NaN has no integer value
    assert_same(cpu.unary("identity", x, target), reference.unary("identity", x, target))


@pytest.mark.parametrize("op", ["relu", "exp", "neg", "identity"])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_unary_above_parallel_threshold_matches_numpy(op, layout, rng):
    x = make(rng, F32, layout, shape=(BIG, BIG))
    want = {"relu": lambda a: np.where(a > 0, a, a * 0), "exp": np.exp, "neg": np.negative, "identity": np.copy}[op](dense(x))
    assert_same(cpu.unary(op, x, F32), want.reshape(-1))


# --- binary ---

def binary_cases():
    for dtype in DTYPES:
        for op in reference.BINARY:
            if op in cpu.COMPARISONS:
                yield op, dtype, BOOL
            elif dtype == I64 and op == "div":
                yield op, dtype, F32
            else:
                yield op, dtype, dtype


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast", "empty", "scalar", "mixed"])
@pytest.mark.parametrize("op,dtype,out", list(binary_cases()))
def test_binary_matches_reference(op, dtype, out, layout, rng):
    if layout == "mixed":  # (2, 3, 4) op (3, 1) broadcast: stride 0 along the last dimension
        a = make(rng, dtype, "transposed", special=True)
        column = random_values(rng, 3, dtype, special=True)
        b = StridedArray(column, (2, 3, 4), (0, 1, 0), 0)
    else:
        a, b = make(rng, dtype, layout, special=True), make(rng, dtype, layout, special=True)
    if op == "pow" and dtype == I64:  # integer powers: non-negative exponents (as PyTorch requires)
        b = StridedArray(np.abs(b.storage), b.shape, b.strides, b.offset)
    assert_same(cpu.binary(op, a, b, out), reference.binary(op, a, b, out))


def test_binary_follows_ieee_division_and_nan_rules():
    a = StridedArray(np.array([1.0, -1.0, 0.0, np.nan, 2.0, np.nan, 1.0], F64), (7,), (1,), 0)
    b = StridedArray(np.array([0.0, 0.0, 0.0, 1.0, -0.0, 3.0, np.nan], F64), (7,), (1,), 0)
    for op in ("div", "maximum", "minimum", "pow"):
        assert_same(cpu.binary(op, a, b, F64), reference.binary(op, a, b, F64))


def test_integer_division_by_zero_gives_inf_and_nan():
    a = StridedArray(np.array([3, -3, 0], I64), (3,), (1,), 0)
    b = StridedArray(np.zeros(3, I64), (3,), (1,), 0)
    got = cpu.binary("div", a, b, F32)
    assert_same(got, reference.binary("div", a, b, F32))
    assert got[0] == np.inf and got[1] == -np.inf and np.isnan(got[2])


@pytest.mark.parametrize("op", ["add", "mul", "gt", "maximum"])
@pytest.mark.parametrize("case", ["same_shape", "broadcast_column", "transposed"])
def test_binary_above_parallel_threshold_matches_numpy(op, case, rng):
    a = make(rng, F32, "transposed" if case == "transposed" else "contiguous", shape=(BIG, BIG))
    if case == "broadcast_column":
        b = StridedArray(random_values(rng, BIG, F32), (BIG, BIG), (1, 0), 0)
    else:
        b = make(rng, F32, "contiguous", shape=(BIG, BIG))
    fn = {"add": np.add, "mul": np.multiply, "gt": np.greater, "maximum": np.maximum}[op]
    want = fn(dense(a), dense(b)).reshape(-1)
    assert_same(cpu.binary(op, a, b, want.dtype), want)


def test_binary_rejects_operands_of_different_shapes():
    a = StridedArray(np.zeros(6, F32), (2, 3), (3, 1), 0)
    b = StridedArray(np.zeros(3, F32), (3,), (1,), 0)
    with pytest.raises(RuntimeError, match=r"\(2, 3\) and \(3,\)"):
        cpu.binary("add", a, b, F32)


# --- where ---

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_where_matches_reference(dtype, layout, rng):
    cond = make(rng, BOOL, layout)
    a, b = make(rng, dtype, layout, special=True), make(rng, dtype, layout, special=True)
    assert_same(cpu.where(cond, a, b, dtype), reference.where(cond, a, b, dtype))


def test_where_above_parallel_threshold_matches_numpy(rng):
    cond, a = make(rng, BOOL, "transposed", shape=(BIG, BIG)), make(rng, F32, "contiguous", shape=(BIG, BIG))
    b = StridedArray(np.zeros(1, F32), (BIG, BIG), (0, 0), 0)
    assert_same(cpu.where(cond, a, b, F32), np.where(dense(cond), dense(a), 0).astype(F32).reshape(-1))


# --- reduce ---

def reduce_out(op, dtype):
    if op in ("argmax", "argmin") or (op in ("sum", "prod") and dtype in (I64, BOOL)):
        return I64
    return dtype


@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", list(reference.REDUCTIONS))
def test_reduce_matches_reference(op, dtype, layout, dim, rng):
    x = make(rng, dtype, layout, special=(op not in ("sum", "prod")))
    out = reduce_out(op, dtype)
    want = reference.reduce(op, x, dim, out)
    scale = reference.reduce("sum", StridedArray(np.abs(x.storage.astype(F64)), x.shape, x.strides, x.offset), dim, F64)
    assert_same(cpu.reduce(op, x, dim, out), want, scale=scale if op == "sum" else None)


@pytest.mark.parametrize("op", ["max", "min", "argmax", "argmin"])
def test_reduce_nan_wins_and_first_extreme_wins(op):
    rows = np.array([[1, 3, 3, 2], [np.nan, 5, np.nan, 1], [2, np.nan, 7, 7], [-np.inf, -np.inf, -np.inf, -np.inf]], F64)
    for x in (strided(rows, (4, 4), "contiguous", None), strided(rows.T.copy(), (4, 4), "transposed", None)):
        dim = 1 if x.strides == (4, 1) else 0
        out = I64 if op.startswith("arg") else F64
        assert_same(cpu.reduce(op, x, dim, out), reference.reduce(op, x, dim, out))


@pytest.mark.parametrize("op", list(reference.REDUCTIONS))
def test_reduce_of_empty_lines(op):
    x = StridedArray(np.zeros(0, F32), (0, 3), (3, 1), 0)
    out = I64 if op.startswith("arg") else F32
    assert cpu.reduce(op, x, 1, out).shape == (0,)  # no lines: nothing to reduce
    if op in ("max", "min"):  # lines of length 0 have no max
        with pytest.raises(IndexError):
            reference.reduce(op, x, 0, out)
        with pytest.raises(IndexError):
            cpu.reduce(op, x, 0, out)
    else:
        assert_same(cpu.reduce(op, x, 0, out), reference.reduce(op, x, 0, out))


def test_reduce_of_a_0d_tensor_is_the_value():
    x = StridedArray(np.array([4.0, 7.5], F32), (), (), 1)
    assert_same(cpu.reduce("sum", x, 0, F32), np.array([7.5], F32))


@pytest.mark.parametrize("op", ["sum", "max", "argmax", "argmin"])
@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_reduce_above_parallel_threshold_matches_numpy(op, dim, layout, rng):
    x = make(rng, F32, layout, shape=(BIG, BIG))
    a = dense(x)
    want = {"sum": np.sum, "max": np.max, "argmax": np.argmax, "argmin": np.argmin}[op](a, axis=dim)
    out = I64 if op.startswith("arg") else F32
    scale = np.abs(a).sum(axis=dim) if op == "sum" else None
    assert_same(cpu.reduce(op, x, dim, out), want.astype(out).reshape(-1), scale=scale)


@pytest.mark.parametrize("op", ["sum", "argmax", "max"])
def test_reduce_of_one_long_line_splits_it_among_threads(op, rng):
    values = random_values(rng, 200_000, F32)
    values[123_457] = 50.0
    values[150_000] = 50.0  # a tie: the first one wins
    x = StridedArray(values, (values.size,), (1,), 0)
    out = I64 if op == "argmax" else F32
    want = {"sum": np.sum, "argmax": np.argmax, "max": np.max}[op](values)
    assert_same(cpu.reduce(op, x, 0, out), np.array([want], out), scale=np.abs(values).sum() if op == "sum" else None)


# --- matmul ---

def matmul_operands(rng, dtype, case):
    if case == "batched_broadcast":  # (2, 3, 4) @ (2, 4, 5) with b's batch dimension of stride 0
        a = make(rng, dtype, "contiguous", shape=(2, 3, 4))
        b0 = random_values(rng, 20, dtype)
        return a, StridedArray(b0, (2, 4, 5), (0, 5, 1), 0)
    shapes = {"square": ((5, 5), (5, 5)), "edges": ((7, 18), (18, 21)), "batched": ((2, 3, 4), (2, 4, 5)),
              "k_zero": ((3, 0), (0, 2)), "n_zero": ((0, 4), (4, 2)), "row_vector": ((1, 9), (9, 1))}
    shape_a, shape_b = shapes[case.replace("_transposed", "")]
    layout_a = "transposed" if case.endswith("_transposed") else "contiguous"
    a = make(rng, dtype, layout_a, shape=shape_a)
    b = make(rng, dtype, "sliced", shape=shape_b)
    return a, b


@pytest.mark.parametrize("case", ["square", "edges", "edges_transposed", "batched", "batched_broadcast",
                                  "k_zero", "n_zero", "row_vector"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_matches_reference(dtype, case, rng):
    a, b = matmul_operands(rng, dtype, case)
    out = I64 if dtype == BOOL else dtype
    want = reference.matmul(a, b, out)
    scale = None
    if dtype.kind == "f" and want.size:
        scale = (np.abs(dense(a)).astype(F64) @ np.abs(dense(b)).astype(F64)).reshape(-1)
    assert_same(cpu.matmul(a, b, out), want, scale=scale)


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_matmul_above_parallel_threshold_matches_numpy(layout, rng):
    a = make(rng, F32, layout, shape=(BIG, 257))
    b = make(rng, F32, "contiguous", shape=(257, 130))
    want = dense(a).astype(F64) @ dense(b).astype(F64)
    scale = np.abs(dense(a)).astype(F64) @ np.abs(dense(b)).astype(F64)
    assert_same(cpu.matmul(a, b, F32), want.astype(F32).reshape(-1), scale=scale.reshape(-1))


def test_batched_matmul_above_parallel_threshold_matches_numpy(rng):
    a, b = make(rng, F32, "contiguous", shape=(3, 130, 70)), make(rng, F32, "transposed", shape=(3, 70, 140))
    want = np.einsum("bik,bkj->bij", dense(a).astype(F64), dense(b).astype(F64))
    scale = np.einsum("bik,bkj->bij", np.abs(dense(a)).astype(F64), np.abs(dense(b)).astype(F64))
    assert_same(cpu.matmul(a, b, F32), want.astype(F32).reshape(-1), scale=scale.reshape(-1))


@pytest.mark.parametrize("b_layout", ["contiguous", "transposed", "sliced"])
@pytest.mark.parametrize("shapes", [((10, 40), (40, 50)), ((3, 6, 40), (3, 40, 33)), ((16, 64), (64, 10))])
@pytest.mark.parametrize("dtype", [F32, F64, I64])
def test_small_matmuls_match_reference_in_every_loop_order(dtype, shapes, b_layout, rng):
    """Shapes `matmul_small` takes (one dot product per output when b is transposed, the i-p-j loop
    when b's rows are contiguous), and a strided b, which it leaves to the packed kernel."""
    (shape_a, shape_b), (n, k), m = shapes, shapes[0][-2:], shapes[1][-1]
    a, b = make(rng, dtype, "contiguous", shape=shape_a), make(rng, dtype, b_layout, shape=shape_b)
    assert cpu._small_product(n, k, m, a.strides[-1], b.strides[-2], b.strides[-1]) == (
        b_layout == "transposed" or (b_layout == "contiguous" and n <= 16 and m >= 32))
    want = reference.matmul(a, b, dtype)
    scale = (np.abs(dense(a)).astype(F64) @ np.abs(dense(b)).astype(F64)).reshape(-1) if dtype.kind == "f" else None
    assert_same(cpu.matmul(a, b, dtype), want, scale=scale)


def test_matmul_rejects_mismatched_shapes():
    a = StridedArray(np.zeros(6, F32), (2, 3), (3, 1), 0)
    b = StridedArray(np.zeros(8, F32), (4, 2), (2, 1), 0)
    with pytest.raises(RuntimeError, match=r"\(2, 3\) and \(4, 2\)"):
        cpu.matmul(a, b, F32)


# --- softmax ---

@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_matches_reference(dtype, layout, dim, log, rng):
    x = make(rng, dtype, layout)
    assert_same(cpu.softmax(x, dim, log, dtype), reference.softmax(x, dim, log, dtype))


def test_softmax_of_lines_with_infinities_and_nan():
    rows = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, 0.0, 1.0], [np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0],
                     [-np.inf, -np.inf, -np.inf]], F64)
    x = strided(rows, (5, 3), "contiguous", None)
    for log in (False, True):
        assert_same(cpu.softmax(x, 1, log, F64), reference.softmax(x, 1, log, F64))


def test_softmax_of_empty_and_0d_tensors():
    empty = StridedArray(np.zeros(0, F32), (0, 3), (3, 1), 0)
    assert cpu.softmax(empty, 1, False, F32).shape == (0,)
    scalar = StridedArray(np.array([2.5], F32), (), (), 0)
    assert_same(cpu.softmax(scalar, 0, False, F32), np.array([1.0], F32))


def test_softmax_of_expanded_lines_keeps_each_group_apart(rng):
    base = random_values(rng, 6, F64)  # (2, 3) expanded to (2, 4, 3) along dim 1: strides (3, 0, 1)
    x = StridedArray(base, (2, 4, 3), (3, 0, 1), 0)
    assert_same(cpu.softmax(x, 1, False, F64), reference.softmax(x, 1, False, F64))


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_above_parallel_threshold_matches_numpy(dim, log, rng):
    x = make(rng, F32, "contiguous", shape=(BIG, BIG))
    a = dense(x).astype(F64)
    shifted = a - a.max(axis=dim, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    want = (shifted - lse) if log else np.exp(shifted - lse)
    assert_same(cpu.softmax(x, dim, log, F32), want.astype(F32).reshape(-1))


# --- cumsum ---

def cumsum_out(dtype):
    return I64 if dtype in (I64, BOOL) else dtype


@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cumsum_matches_reference(dtype, layout, dim, rng):
    x = make(rng, dtype, layout)
    out = cumsum_out(dtype)
    assert_same(cpu.cumsum(x, dim, out), reference.cumsum(x, dim, out))


def test_cumsum_of_empty_and_0d_tensors():
    empty = StridedArray(np.zeros(0, F32), (0, 3), (3, 1), 0)
    assert cpu.cumsum(empty, 0, F32).shape == (0,)
    scalar = StridedArray(np.array([4.0, 2.5], F32), (), (), 1)
    assert_same(cpu.cumsum(scalar, 0, F32), np.array([2.5], F32))


@pytest.mark.parametrize("dim", [0, 1])
def test_cumsum_above_parallel_threshold_matches_numpy(dim, rng):
    x = make(rng, F32, "contiguous", shape=(BIG, BIG))
    assert_same(cpu.cumsum(x, dim, F32), np.cumsum(dense(x).astype(F64), dim).astype(F32).reshape(-1))


# --- take, scatter_add, assign ---

@pytest.mark.parametrize("dtype", DTYPES)
def test_take_matches_reference(dtype, rng):
    x = make(rng, dtype, "sliced")
    positions = rng.integers(-x.storage.size, x.storage.size, 17)
    assert_same(cpu.take(x, positions, dtype), reference.take(x, positions, dtype))


def test_take_above_parallel_threshold_matches_numpy(rng):
    storage = random_values(rng, 1000, F32)
    positions = rng.integers(0, 1000, BIG * BIG)
    assert_same(cpu.take(StridedArray(storage, (1000,), (1,), 0), positions, F32), storage[positions])


def test_take_rejects_positions_outside_the_storage():
    x = StridedArray(np.zeros(4, F32), (4,), (1,), 0)
    with pytest.raises(IndexError, match="position 4"):
        cpu.take(x, np.array([0, 4]), F32)


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast", "scalar"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_scatter_add_matches_reference(dtype, layout, rng):
    values = make(rng, dtype, layout)
    positions = rng.integers(0, 5, numel(values.shape))  # many repeats
    out = I64 if dtype == BOOL else dtype
    assert_same(cpu.scatter_add(5, positions, values, out), reference.scatter_add(5, positions, values, out))


def test_scatter_add_above_parallel_threshold_matches_numpy(rng):
    values = make(rng, F32, "transposed", shape=(BIG, BIG))
    positions = rng.integers(0, 50, BIG * BIG)
    want = np.zeros(50, F64)
    np.add.at(want, positions, dense(values).reshape(-1).astype(F64))
    scale = np.zeros(50, F64)
    np.add.at(scale, positions, np.abs(dense(values).reshape(-1)).astype(F64))
    assert_same(cpu.scatter_add(50, positions, values, F32), want.astype(F32), scale=scale)


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast", "scalar"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_put_matches_reference(dtype, layout, rng):
    values = make(rng, dtype, layout)
    positions = rng.integers(-7, 7, numel(values.shape))  # repeats: the later write wins
    storage = random_values(rng, 7, dtype)
    want = storage.copy()
    reference.put(want, positions, values)
    cpu.put(storage, positions, values)
    assert_same(storage, want)


def test_put_from_an_overlapping_view_reads_the_values_first():
    storage = np.arange(6, dtype=F64)
    want = storage.copy()
    positions = np.array([1, 2, 3])
    reference.put(want, positions, StridedArray(want, (3,), (1,), 0))
    cpu.put(storage, positions, StridedArray(storage, (3,), (1,), 0))
    assert_same(storage, want)


def test_put_rejects_positions_outside_the_storage():
    with pytest.raises(IndexError, match="position 9"):
        cpu.put(np.zeros(4, F32), np.array([9]), StridedArray(np.ones(1, F32), (1,), (1,), 0))


def assign_case(rng, dtype, layout, size=4):
    """A destination view (every other column of a (size, 2*size) buffer) and a source."""
    storage = random_values(rng, 2 * size * size + 1, dtype)
    dst = StridedArray(storage, (size, size), (2 * size, 2), 1)
    src = make(rng, dtype, layout, shape=(size, size))
    return dst, src


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_assign_matches_reference(dtype, layout, rng):
    dst, src = assign_case(rng, dtype, layout)
    want = dst.storage.copy()
    reference.assign(StridedArray(want, dst.shape, dst.strides, dst.offset), src)
    cpu.assign(dst, src)
    assert_same(dst.storage, want)


def test_assign_converts_to_the_destination_dtype(rng):
    dst = StridedArray(np.zeros(6, F32), (2, 3), (3, 1), 0)
    src = make(rng, F64, "transposed", shape=(2, 3))
    want = dst.storage.copy()
    reference.assign(StridedArray(want, dst.shape, dst.strides, dst.offset), src)
    cpu.assign(dst, src)
    assert_same(dst.storage, want)


def test_assign_between_overlapping_views_reads_the_source_first():
    storage = np.arange(8, dtype=F64)
    want = storage.copy()
    dst, src = StridedArray(storage, (6,), (1,), 2), StridedArray(storage, (6,), (1,), 0)  # x[2:] = x[:6]
    reference.assign(StridedArray(want, (6,), (1,), 2), StridedArray(want, (6,), (1,), 0))
    cpu.assign(dst, src)
    assert_same(storage, want)


def test_assign_above_parallel_threshold_matches_numpy(rng):
    dst, src = assign_case(rng, F32, "transposed", size=BIG)
    want = dense(dst)
    want[:] = dense(src)
    cpu.assign(dst, src)
    assert_same(dense(dst), want)


# --- add_scaled ---

def add_scaled_case(rng, dtype, layout, size=4, contiguous_dst=False):
    """A destination (a whole buffer, or every other column of a (size, 2*size) buffer) and a source."""
    if contiguous_dst:
        dst = StridedArray(random_values(rng, size * size, dtype), (size, size), (size, 1), 0)
    else:
        dst = StridedArray(random_values(rng, 2 * size * size + 1, dtype), (size, size), (2 * size, 2), 1)
    return dst, make(rng, dtype, layout, shape=(size, size))


@pytest.mark.parametrize("contiguous_dst", [True, False])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_add_scaled_matches_reference(dtype, layout, contiguous_dst, rng):
    dst, src = add_scaled_case(rng, dtype, layout, contiguous_dst=contiguous_dst)
    want = dst.storage.copy()
    reference.add_scaled(StridedArray(want, dst.shape, dst.strides, dst.offset), src, -0.3)
    cpu.add_scaled(dst, src, -0.3)
    assert_same(dst.storage, want)


def test_add_scaled_rounds_like_a_product_then_a_sum_in_float32(rng):
    """The whole-buffer kernel computes in the buffers' dtype, as binary("mul") then binary("add")."""
    dst, src = add_scaled_case(rng, F32, "contiguous", contiguous_dst=True)
    want = dst.storage + (np.float32(0.1) * src.storage).astype(F32)
    cpu.add_scaled(dst, src, 0.1)
    assert_same(dst.storage, want)


def test_add_scaled_above_parallel_threshold_matches_numpy(rng):
    dst, src = add_scaled_case(rng, F32, "contiguous", size=BIG, contiguous_dst=True)
    want = dst.storage + np.float32(2.0) * src.storage
    cpu.add_scaled(dst, src, 2.0)
    assert_same(dst.storage, want)


# --- compiling ---

def test_first_compilation_prints_one_line_and_a_warm_cache_prints_none(tmp_path):
    """A fresh cache compiles (one line on stderr); the next process loads it silently."""
    script = ("import numpy as np; from teachgrad.fastpath import cpu; from teachgrad.strides import StridedArray; "
              "x = StridedArray(np.arange(4), (4,), (1,), 0); "
              "cpu.take(x, np.arange(4), np.int64); cpu.take(x, np.arange(2), np.int64)")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
            for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert len([line for line in runs[0].stderr.splitlines() if "compiling" in line]) == 1
    assert "compiling" not in runs[1].stderr


# --- step 1 of the fast path: the reference loop, compiled ---

@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast"])
def test_the_compiled_reference_loop_adds_like_the_reference(layout, rng):
    from teachgrad.fastpath import plain
    a, b = make(rng, F64, layout, shape=(3, 4, 5)), make(rng, F64, "transposed", shape=(3, 4, 5))
    out = np.empty(60, F64)
    plain.add_plain(a.storage, np.array(a.strides), a.offset, b.storage, np.array(b.strides), b.offset,
                    np.array(a.shape), out)
    assert_same(out, reference.binary("add", a, b, F64))


def test_index_of_walks_the_indices_in_row_major_order():
    from teachgrad.strides import all_indices, index_of
    shape, index = (2, 3, 4), [0, 0, 0]
    walked = []
    for flat in range(24):
        index_of(flat, shape, index)
        walked.append(tuple(index))
    assert walked == list(all_indices(shape))
