"""Speed of the numba CPU kernels next to numpy, in the same run.

- matmul float32, n = 64, 256, 1024: numba's packed-panel kernel vs numpy's matmul (OpenBLAS).
- elementwise add with broadcasting, 1M elements: (S, S) + (S, 1), and a transposed input.
- sum along each dimension of a 2048 x 2048 float32 array, and the full sum of 1e7 float32.
- add on four elements: the fixed cost of one call.

Goals (issue 6): matmul >= 0.8x numpy's GFLOP/s at n = 256 and 1024; elementwise and sums
>= 1.0x numpy. The numba side is timed through the backend's primitives (`fastpath.cpu`), so the
Python work per call (planning the layout, allocating the output) is included. Every result is
checked against numpy's (sums against float64 sums), so the untimed default run tests the kernels.
"""

from __future__ import annotations

import numpy as np
import pytest

import teachgrad.fastpath  # noqa: F401  (sets NUMBA_SLP_VECTORIZE first)
from teachgrad.fastpath import cpu
from teachgrad.strides import StridedArray, contiguous_strides

F32 = np.dtype(np.float32)
S = 1024  # (S, S) = 1M elements


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def strided(array: np.ndarray) -> StridedArray:
    """A StridedArray viewing a numpy array (any strides) over its base buffer."""
    base = array if array.base is None else array.base
    offset = (array.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // array.itemsize
    return StridedArray(base.reshape(-1), array.shape, tuple(s // array.itemsize for s in array.strides), offset)


@pytest.mark.parametrize("n", [64, 256, 1024])
@pytest.mark.parametrize("impl", ["numba", "numpy"])
def test_matmul_float32(measure, impl, n, rng):
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    if impl == "numba":
        sa, sb = strided(a), strided(b)
        fn = lambda: cpu.matmul(sa, sb, F32)  # noqa: E731
    else:
        fn = lambda: a @ b  # noqa: E731
    measure(f"matmul float32 n={n}", impl, fn, rounds={64: 2000, 256: 200, 1024: 15}[n], expected=a @ b, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("impl", ["numba", "numpy"])
def test_add_broadcast_column(measure, impl, rng):
    x, y = rng.random((S, S), dtype=np.float32), rng.random((S, 1), dtype=np.float32)
    if impl == "numba":
        sx, sy = strided(x), StridedArray(y.reshape(-1), (S, S), (1, 0), 0)
        fn = lambda: cpu.binary("add", sx, sy, F32)  # noqa: E731
    else:
        fn = lambda: x + y  # noqa: E731
    measure("add (S,S)+(S,1), 1M float32", impl, fn, rounds=200, expected=x + y)


@pytest.mark.parametrize("impl", ["numba", "numpy", "numpy row-major out"])
def test_add_transposed_input(measure, impl, rng):
    """x.T + y: numpy returns a column-major result here (its cheapest layout); the primitive
    must return row-major, which `np.add(..., order="C")` also does."""
    x, y = rng.random((S, S), dtype=np.float32), rng.random((S, 1), dtype=np.float32)
    if impl == "numba":
        sx, sy = strided(x.T), StridedArray(y.reshape(-1), (S, S), (1, 0), 0)
        fn = lambda: cpu.binary("add", sx, sy, F32)  # noqa: E731
    elif impl == "numpy":
        fn = lambda: x.T + y  # noqa: E731
    else:
        fn = lambda: np.add(x.T, y, order="C")  # noqa: E731
    measure("add x.T + (S,1), 1M float32", impl, fn, rounds=100, expected=x.T + y)


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("impl", ["numba", "numpy"])
def test_sum_2048x2048(measure, impl, dim, rng):
    z = rng.random((2048, 2048), dtype=np.float32)
    if impl == "numba":
        sz = StridedArray(z.reshape(-1), z.shape, contiguous_strides(z.shape), 0)
        fn = lambda: cpu.reduce("sum", sz, dim, F32)  # noqa: E731
    else:
        fn = lambda: z.sum(axis=dim)  # noqa: E731
    measure(f"sum 2048x2048 float32 dim={dim}", impl, fn, rounds=100, expected=z.sum(axis=dim, dtype=np.float64))


@pytest.mark.parametrize("impl", ["numba", "numpy"])
def test_sum_1e7(measure, impl, rng):
    z = rng.random(10**7, dtype=np.float32)
    if impl == "numba":
        sz = StridedArray(z, z.shape, (1,), 0)
        fn = lambda: cpu.reduce("sum", sz, 0, F32)  # noqa: E731
    else:
        fn = z.sum
    measure("sum 1e7 float32", impl, fn, rounds=50, expected=z.sum(dtype=np.float64))


@pytest.mark.parametrize("impl", ["numba", "numpy"])
def test_add_tiny(measure, impl):
    """Four elements: nothing but the cost of a call (planning, dispatch, allocation)."""
    x = np.arange(4, dtype=np.float32)
    if impl == "numba":
        sx = StridedArray(x, (2, 2), (2, 1), 0)
        fn = lambda: cpu.binary("add", sx, sx, F32)  # noqa: E731
    else:
        x2 = x.reshape(2, 2)
        fn = lambda: x2 + x2  # noqa: E731
    measure("add (2,2)+(2,2): per-call overhead", impl, fn, rounds=20000, expected=[0.0, 2.0, 4.0, 6.0])
