"""The cuda backend computes what the reference backend computes (numba's CUDA simulator).

Each primitive of `teachgrad.fastpath.cuda` is compared with `teachgrad.kernels.reference` on
StridedArrays of every layout the index math handles (contiguous, transposed, sliced with an
offset, broadcast with stride 0, empty, 0-d) and each dtype, with NaN and infinities where the
reference defines them. Shapes are chosen so that every launch path runs: lines longer than a
block (the two-pass reduction), lines side by side (one thread per line), several matmul tiles,
repeated scatter positions (atomic adds). Under the simulator a block has `cuda_layout.THREADS`
(4) threads and a matmul tile is 4 x 4, so these shapes stay small.

Tolerances per result dtype: int64 and bool exactly; float64 rtol 1e-12 (sums: scaled by the sum
of |x|); float32 rtol 2e-6, atol 1e-6. NaN must be NaN in the same places.
"""

from __future__ import annotations

import builtins
import zlib

import numpy as np
import pytest

from teachgrad.kernels import reference
from teachgrad.fastpath import cuda as gpu
from teachgrad.fastpath import cuda_layout, cuda_matmul, routing
from teachgrad.strides import StridedArray, contiguous_strides, numel

F32, F64, I64, BOOL = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_)
DTYPES = [F32, F64, I64, BOOL]
LAYOUTS = ["contiguous", "transposed", "sliced", "broadcast", "empty", "scalar"]


# --- operands on the host (for the reference) and on the device (for the kernels) ---

def random_values(rng, n, dtype, special=False):
    if dtype == BOOL:
        return rng.random(n) < 0.5
    if dtype == I64:
        return rng.integers(-5, 6, n).astype(I64)
    values = rng.standard_normal(n).astype(dtype)
    if special and n >= 8:
        picks = rng.choice(n, size=max(1, n // 8), replace=False)
        values[picks] = rng.choice(np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=dtype), size=picks.size)
    return values


def make(rng, dtype, layout, special=False, shape=None):
    """A host StridedArray of `shape` in the given layout."""
    shape = {"empty": (0, 3), "scalar": ()}.get(layout, (2, 3, 4)) if shape is None else shape
    if layout == "broadcast":  # every row reads one stored row
        return StridedArray(random_values(rng, shape[-1], dtype, special), shape, (0,) * (len(shape) - 1) + (1,), 0)
    values = random_values(rng, numel(shape), dtype, special).reshape(shape)
    if layout == "transposed" and len(shape) >= 2:
        base = np.ascontiguousarray(np.swapaxes(values, -1, -2))
        strides = list(contiguous_strides(base.shape))
        strides[-1], strides[-2] = strides[-2], strides[-1]
        return StridedArray(base.reshape(-1), shape, tuple(strides), 0)
    if layout == "sliced":  # every other element of a larger buffer, after an offset of 3
        storage = random_values(rng, 3 + 2 * max(numel(shape), 1), dtype)
        storage[3:3 + 2 * numel(shape):2] = values.reshape(-1)
        return StridedArray(storage, shape, tuple(2 * s for s in contiguous_strides(shape)), 3)
    return StridedArray(np.ascontiguousarray(values).reshape(-1), shape, contiguous_strides(shape), 0)


def dev(x: StridedArray) -> StridedArray:
    """The same StridedArray with its storage copied to the device."""
    return StridedArray(gpu.from_host(x.storage) if x.storage.size else gpu.empty(0, x.storage.dtype), x.shape,
                        x.strides, x.offset)


def host(buffer) -> np.ndarray:
    return buffer.copy_to_host()


def assert_same(got, want, scale=None):
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
    close &= np.isfinite(w) | (g == w) | (np.isnan(g) & np.isnan(w))
    bad = np.flatnonzero(~close)
    assert bad.size == 0, f"{bad.size} of {got.size} differ; first at {bad[0]}: got {g[bad[0]]!r}, want {w[bad[0]]!r}"


@pytest.fixture
def rng(request):
    return np.random.default_rng(zlib.crc32(request.node.name.encode()))


# --- the operation tables and storage helpers ---

def test_backend_has_every_primitive_and_the_reference_operation_names():
    assert set(gpu.UNARY) == set(reference.UNARY)
    assert set(gpu.BINARY) == set(reference.BINARY)
    assert set(gpu.REDUCTIONS) == set(reference.REDUCTIONS)
    for name in ("unary", "binary", "where", "reduce", "matmul", "softmax", "cumsum", "take", "scatter_add", "assign", "put",
                 "add_scaled"):
        assert callable(getattr(gpu, name))


def test_backend_names_hide_no_python_builtin():
    # a primitive named `map` or `zip` would hide the builtin everywhere in the backend's module
    assert [name for name in vars(gpu) if not name.startswith("__") and hasattr(builtins, name)] == []


def test_storage_round_trips_through_the_device():
    values = np.arange(7, dtype=F32)
    storage = gpu.from_host(values)
    assert_same(gpu.to_host(storage, 2, 3), values[2:5])
    assert gpu.to_host(storage, 0, 0).shape == (0,)
    assert_same(host(gpu.full(3, 2.5, F64)), np.full(3, 2.5))
    assert_same(host(gpu.from_host(np.array([True]))), np.array([True]))  # one element: made by a fill


def test_coalesce_merges_contiguous_dims_and_drops_size_one_dims():
    assert routing.coalesce((2, 3, 4), (12, 4, 1)) == ((24,), [(1,)])
    assert routing.coalesce((2, 1, 4), (4, 4, 1), (0, 0, 1)) == ((2, 4), [(4, 1), (0, 1)])
    assert routing.coalesce((), ()) == ((1,), [(0,)])
    assert routing.coalesce((3, 4), (1, 3)) == ((3, 4), [(1, 3)])


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
            elif op in gpu.FLOAT_VALUED:
                out = F32
            else:
                out = I64 if dtype == BOOL else dtype
            yield op, dtype, out


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op,dtype,out", list(unary_cases()))
def test_unary_matches_reference(op, dtype, out, layout, rng):
    x = make(rng, dtype, layout, special=True)
    assert_same(host(gpu.unary(op, dev(x), out)), reference.unary(op, x, out))


@pytest.mark.parametrize("source", DTYPES)
@pytest.mark.parametrize("target", DTYPES)
def test_unary_identity_converts_like_reference(source, target, rng):
    for layout in ("transposed", "broadcast", "scalar"):
        x = make(rng, source, layout)
        assert_same(host(gpu.unary("identity", dev(x), target)), reference.unary("identity", x, target))


@pytest.mark.parametrize("dtype", [F32, F64])
def test_relu_of_a_negative_number_is_positive_zero_like_pytorch(dtype):
    # PyTorch 2.13: relu([-1., -0., 0., 2., nan]) = [0., -0., 0., 2., nan]
    x = StridedArray(np.array([-1.0, -0.0, 0.0, 2.0, np.nan], dtype=dtype), (5,), (1,), 0)
    out = host(gpu.unary("relu", dev(x), dtype))
    np.testing.assert_array_equal(np.signbit(out), [False, True, False, False, False])
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 2.0, np.nan])


# --- binary and where ---

def binary_cases():
    for dtype in DTYPES:
        for op in reference.BINARY:
            if op in gpu.COMPARISONS:
                yield op, dtype, BOOL
            elif dtype == I64 and op == "div":
                yield op, dtype, F32
            elif dtype == BOOL and op in ("div", "pow"):
                continue
            else:
                yield op, dtype, dtype


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast", "empty", "scalar", "mixed"])
@pytest.mark.parametrize("op,dtype,out", list(binary_cases()))
def test_binary_matches_reference(op, dtype, out, layout, rng):
    if layout == "mixed":  # (2, 3, 4) op (3, 1) broadcast: stride 0 along the last dim
        a = make(rng, dtype, "transposed", special=True)
        b = StridedArray(random_values(rng, 3, dtype, special=True), (2, 3, 4), (0, 1, 0), 0)
    else:
        a, b = make(rng, dtype, layout, special=True), make(rng, dtype, layout, special=True)
    if dtype == I64 and op in ("pow", "div"):  # integer powers: exponents >= 0; no integer division by 0
        b = StridedArray(np.abs(b.storage) + (op == "div"), b.shape, b.strides, b.offset)
    assert_same(host(gpu.binary(op, dev(a), dev(b), out)), reference.binary(op, a, b, out))


def test_binary_follows_ieee_division_and_nan_rules():
    a = StridedArray(np.array([1.0, -1.0, 0.0, np.nan, 2.0, np.nan, 1.0, -8.0], F64), (8,), (1,), 0)
    b = StridedArray(np.array([0.0, 0.0, 0.0, 1.0, -0.0, 3.0, np.nan, 1 / 3], F64), (8,), (1,), 0)
    for op in ("div", "maximum", "minimum", "pow"):
        assert_same(host(gpu.binary(op, dev(a), dev(b), F64)), reference.binary(op, a, b, F64))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_where_matches_reference(dtype, layout, rng):
    cond = make(rng, BOOL, layout)
    a, b = make(rng, dtype, layout, special=True), make(rng, dtype, layout, special=True)
    assert_same(host(gpu.where(dev(cond), dev(a), dev(b), dtype)), reference.where(cond, a, b, dtype))


def test_elementwise_work_larger_than_the_grid_is_covered_by_the_grid_stride_loop(rng):
    threads = cuda_layout.THREADS * cuda_layout.MAX_BLOCKS
    x = make(rng, F32, "transposed", shape=(5, threads + 3))
    assert_same(host(gpu.unary("exp", dev(x), F32)), reference.unary("exp", x, F32))


# --- reduce ---

def reduce_out(op, dtype):
    if op in ("argmax", "argmin") or (op in ("sum", "prod") and dtype in (I64, BOOL)):
        return I64
    return dtype


def _sum_scale(x, dim):
    return reference.reduce("sum", StridedArray(np.abs(x.storage.astype(F64)), x.shape, x.strides, x.offset), dim, F64)


@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", list(reference.REDUCTIONS))
def test_reduce_matches_reference(op, dtype, layout, dim, rng):
    x = make(rng, dtype, layout, special=(op not in ("sum", "prod")))
    out = reduce_out(op, dtype)
    got = host(gpu.reduce(op, dev(x), dim, out))
    assert_same(got, reference.reduce(op, x, dim, out), scale=_sum_scale(x, dim) if op == "sum" else None)


@pytest.mark.parametrize("op", list(reference.REDUCTIONS))
@pytest.mark.parametrize("shape,dim", [((3, 41), 1), ((41, 3), 0), ((1, 97), 1), ((2, 5, 33), 2)])
def test_reduce_of_lines_longer_than_a_block_takes_two_passes(op, shape, dim, rng):
    """Lines longer than gpu.SPLIT_LENGTH are split over blocks and their parts combined (no partial sums leak)."""
    assert shape[dim] > gpu.SPLIT_LENGTH
    x = make(rng, F64, "contiguous", special=op not in ("sum", "prod"), shape=shape)
    if op == "prod":
        x = StridedArray(np.exp(x.storage * 0.01), x.shape, x.strides, x.offset)
    out = reduce_out(op, F64)
    got = host(gpu.reduce(op, dev(x), dim, out))
    assert_same(got, reference.reduce(op, x, dim, out), scale=_sum_scale(x, dim) if op == "sum" else None)


@pytest.mark.parametrize("op", ["max", "min", "argmax", "argmin"])
def test_reduce_nan_wins_and_first_extreme_wins(op):
    rows = np.array([[1, 3, 3, 2, 3, 0, 3, 3, 1], [np.nan, 5, np.nan, 1, 5, 5, 0, 0, 0], [2, np.nan, 7, 7, 7, 1, 1, 1, 1],
                     [-np.inf] * 9], F64)
    contiguous = StridedArray(rows.reshape(-1), (4, 9), (9, 1), 0)
    transposed = StridedArray(np.ascontiguousarray(rows.T).reshape(-1), (4, 9), (1, 4), 0)
    for x in (contiguous, transposed):
        out = I64 if op.startswith("arg") else F64
        assert_same(host(gpu.reduce(op, dev(x), 1, out)), reference.reduce(op, x, 1, out))
        assert_same(host(gpu.reduce(op, dev(x), 0, out)), reference.reduce(op, x, 0, out))


@pytest.mark.parametrize("op", list(reference.REDUCTIONS))
def test_reduce_of_empty_lines(op):
    x = StridedArray(np.zeros(0, F32), (0, 3), (3, 1), 0)
    out = I64 if op.startswith("arg") else F32
    assert host(gpu.reduce(op, dev(x), 1, out)).shape == (0,)
    if op in ("max", "min"):
        with pytest.raises(IndexError):
            gpu.reduce(op, dev(x), 0, out)
    else:
        assert_same(host(gpu.reduce(op, dev(x), 0, out)), reference.reduce(op, x, 0, out))


def test_reduce_of_a_0d_tensor_is_the_value():
    x = StridedArray(np.array([4.0, 7.5], F32), (), (), 1)
    assert_same(host(gpu.reduce("sum", dev(x), 0, F32)), np.array([7.5], F32))


def _one_large_then_small(n: int) -> np.ndarray:
    """2**25 followed by ones: a float32 running sum that holds the large value rounds away every
    one added after it (float32 keeps 24 bits), so naive accumulation is off by up to n / 2**25."""
    values = np.ones(n, F32)
    values[0] = 2.0 ** 25
    return values


def test_float32_sum_of_a_long_line_accumulates_in_float64():
    values = _one_large_then_small(4096)  # split into parts, each thread adding 128 of them
    got = host(gpu.reduce("sum", dev(StridedArray(values, (4096,), (1,), 0)), 0, F32))
    np.testing.assert_allclose(got, [values.astype(F64).sum()], rtol=1e-6)  # float64 reference


def test_float32_sum_over_lines_side_by_side_accumulates_in_float64():
    column = _one_large_then_small(1000)  # (1000, 8) summed over dim 0: one thread per column
    x = np.repeat(column[:, None], 8, axis=1)
    got = host(gpu.reduce("sum", dev(StridedArray(x.reshape(-1), x.shape, (8, 1), 0)), 0, F32))
    np.testing.assert_allclose(got, x.astype(F64).sum(0), rtol=1e-6)


@pytest.mark.parametrize("log", [False, True])
def test_float32_softmax_of_a_long_line_sums_in_float64(log):
    """exp(x - max) is 1 for the peak and 2**-25 for the rest: a float32 total that holds the 1
    loses every term added after it (a relative error near n * 2**-27 in every output)."""
    x = np.full(4000, np.log(2.0 ** -25), F32)
    x[0] = 0
    exps = np.exp(x.astype(F64))
    expected = np.log(exps / exps.sum()) if log else exps / exps.sum()  # float64 reference
    got = host(gpu.softmax(dev(StridedArray(x, (4000,), (1,), 0)), 0, log, F32))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


# --- softmax ---

@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast"])
def test_softmax_matches_reference(log, dim, layout, rng):
    x = make(rng, F64, layout)
    assert_same(host(gpu.softmax(dev(x), dim, log, F64)), reference.softmax(x, dim, log, F64))


@pytest.mark.parametrize("log", [False, True])
def test_softmax_of_long_lines_and_large_values(log, rng):
    x = make(rng, F32, "contiguous", shape=(3, 19))
    x = StridedArray(x.storage * 40, x.shape, x.strides, x.offset)  # exp would overflow without the shift
    assert_same(host(gpu.softmax(dev(x), 1, log, F32)), reference.softmax(x, 1, log, F32))
    assert_same(host(gpu.softmax(dev(x), 1, log, F64)), reference.softmax(x, 1, log, F64))


# --- cumsum ---

@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "broadcast"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cumsum_matches_reference(dtype, layout, dim, rng):
    x = make(rng, dtype, layout)
    out = I64 if dtype in (I64, BOOL) else dtype
    assert_same(host(gpu.cumsum(dev(x), dim, out)), reference.cumsum(x, dim, out))


def test_cumsum_of_empty_and_0d_tensors():
    assert host(gpu.cumsum(dev(StridedArray(np.zeros(0, F32), (0, 3), (3, 1), 0)), 0, F32)).shape == (0,)
    scalar = StridedArray(np.array([4.0, 2.5], F32), (), (), 1)
    assert_same(host(gpu.cumsum(dev(scalar), 0, F32)), np.array([2.5], F32))


def test_float32_cumsum_of_a_long_line_carries_a_float64_total():
    values = _one_large_then_small(2000)
    got = host(gpu.cumsum(dev(StridedArray(values, (2000,), (1,), 0)), 0, F32))
    np.testing.assert_allclose(got, np.cumsum(values.astype(F64)), rtol=1e-6)  # float64 reference


# --- matmul ---

@pytest.mark.parametrize("dtype", [F32, F64, I64])
@pytest.mark.parametrize("a_layout,b_layout", [("contiguous", "contiguous"), ("transposed", "contiguous"),
                                               ("contiguous", "transposed"), ("sliced", "transposed")])
def test_matmul_matches_reference(dtype, a_layout, b_layout, rng):
    n, k, m = 7, 5, 9  # several tiles of 4 x 4 (and k not a multiple of the tile depth)
    a, b = make(rng, dtype, a_layout, shape=(2, n, k)), make(rng, dtype, b_layout, shape=(2, k, m))
    want = reference.matmul(a, b, dtype)
    scale = reference.matmul(StridedArray(np.abs(a.storage), a.shape, a.strides, a.offset),
                             StridedArray(np.abs(b.storage), b.shape, b.strides, b.offset), dtype) if dtype != I64 else None
    assert_same(host(gpu.matmul(dev(a), dev(b), dtype)), want, scale=scale)


def test_matmul_with_a_broadcast_batch_and_empty_or_zero_depth_operands(rng):
    a = make(rng, F64, "contiguous", shape=(3, 4, 2))
    b = StridedArray(random_values(rng, 6, F64), (3, 2, 3), (0, 3, 1), 0)  # one matrix seen 3 times
    assert_same(host(gpu.matmul(dev(a), dev(b), F64)), reference.matmul(a, b, F64))
    no_depth = gpu.matmul(dev(StridedArray(np.zeros(0, F64), (3, 0), (0, 1), 0)),
                          dev(StridedArray(np.zeros(0, F64), (0, 2), (2, 1), 0)), F64)
    assert_same(host(no_depth), np.zeros(6))
    no_rows = gpu.matmul(dev(StridedArray(np.zeros(0, F64), (0, 3), (3, 1), 0)), dev(a)._replace(shape=(3, 2),
                         strides=(2, 1)), F64)
    assert host(no_rows).shape == (0,)


def test_matmul_with_the_tile_sizes_of_a_real_gpu(monkeypatch, rng):
    """The simulator reads the tile constants when the kernel runs: use the 64 x 64 tiles of a real GPU."""
    for name, value in {"BM": 64, "BN": 64, "BK": 8, "TM": 4, "TN": 4}.items():
        monkeypatch.setattr(cuda_matmul, name, value)
    monkeypatch.setattr(cuda_matmul, "BLOCK", (16, 16))
    a, b = make(rng, F32, "contiguous", shape=(66, 9)), make(rng, F32, "transposed", shape=(9, 3))
    assert_same(host(gpu.matmul(dev(a), dev(b), F32)), reference.matmul(a, b, F32), scale=1.0)


# --- take, scatter_add, assign, put ---

@pytest.mark.parametrize("dtype", DTYPES)
def test_take_and_scatter_add_match_reference(dtype, rng):
    x = make(rng, dtype, "contiguous", shape=(10,))
    positions = rng.integers(-10, 10, 13)  # repeats, and negative positions counted from the end
    assert_same(host(gpu.take(dev(x), positions, dtype)), reference.take(x, positions, dtype))
    values = make(rng, dtype, "transposed", shape=(3, 4))
    targets = rng.integers(0, 5, 12)  # repeated targets: atomic adds
    out = F64 if dtype == F64 else (F32 if dtype == F32 else I64)
    assert_same(host(gpu.scatter_add(5, targets, dev(values), out)), reference.scatter_add(5, targets, values, out))


def test_take_out_of_range_is_an_index_error():
    x = StridedArray(np.zeros(4, F32), (4,), (1,), 0)
    with pytest.raises(IndexError, match="position 4 is out of range"):
        gpu.take(dev(x), np.array([0, 4]), F32)


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "broadcast", "sliced"])
def test_assign_writes_through_the_destination_layout(layout, rng):
    dst = make(rng, F32, "sliced", shape=(2, 3, 4))
    src = make(rng, F32, layout, shape=(2, 3, 4))
    device_dst = dev(dst)
    gpu.assign(device_dst, dev(src))
    reference.assign(dst, src)
    assert_same(host(device_dst.storage), dst.storage)


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "broadcast"])
def test_add_scaled_writes_through_the_destination_layout(layout, rng):
    dst = make(rng, F32, "sliced", shape=(2, 3, 4))
    src = make(rng, F32, layout, shape=(2, 3, 4))
    device_dst = dev(dst)
    gpu.add_scaled(device_dst, dev(src), -0.3)
    reference.add_scaled(dst, src, -0.3)
    assert_same(host(device_dst.storage), dst.storage)


def test_assign_between_overlapping_views_reads_the_source_first():
    storage = np.arange(8, dtype=F64)
    expected = storage.copy()
    dst, src = StridedArray(expected, (7,), (1,), 1), StridedArray(expected, (7,), (1,), 0)
    reference.assign(dst, src)
    device_storage = gpu.from_host(storage)
    gpu.assign(StridedArray(device_storage, (7,), (1,), 1), StridedArray(device_storage, (7,), (1,), 0))
    assert_same(host(device_storage), expected)


def test_put_writes_values_at_positions(rng):
    storage = np.zeros(9, F64)
    values = make(rng, F64, "transposed", shape=(2, 3))
    positions = np.array([8, 0, -2, 3, 4, 5])
    device_storage = gpu.from_host(storage)
    gpu.put(device_storage, positions, dev(values))
    reference.put(storage, positions, values)
    assert_same(host(device_storage), storage)
