"""Float32 reductions stay as accurate as numpy's pairwise summation at any size (issue 12).

A float32 total that takes in 1e7 small addends one after the other loses their low digits
(`full((10**7,), 0.1).sum()` once gave 999198). Expected values here are float64 sums of the
same float32 inputs, computed by numpy; the tolerance, a relative error of 1e-6, is about 8
float32 roundings, where the naive running sum was off by 1e-5 to 1e-3. Run on the numba
backend (the reference backend adds Python floats, which are float64).
"""

from __future__ import annotations

import numpy as np
import pytest

import teachgrad as tg
import teachgrad.nn.functional as F

N = 10**7
RTOL = 1e-6


@pytest.fixture(autouse=True)
def numba_backend():
    with tg.backend("numba"):
        yield


@pytest.fixture(scope="module")
def values() -> np.ndarray:
    """1e7 float32 values in [0.1, 1.1): a total that grows far above each addend."""
    return (np.random.default_rng(0).random(N, dtype=np.float32) + np.float32(0.1)).astype(np.float32)


def wide(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float64)


def test_sum_of_one_long_line_split_among_threads_is_accurate() -> None:
    got = tg.full((N,), 0.1).sum().item()
    assert got == pytest.approx(N * float(np.float32(0.1)), rel=RTOL)


def test_sum_along_contiguous_lines_is_accurate(values) -> None:
    got = tg.tensor(values.reshape(2, N // 2)).sum(1).numpy()
    np.testing.assert_allclose(got, wide(values).reshape(2, N // 2).sum(1), rtol=RTOL)


def test_sum_across_the_rows_of_a_narrow_array_is_accurate() -> None:
    got = tg.full((10**6, 4), 0.1).sum(0).numpy()
    np.testing.assert_allclose(got, np.full(4, 10**6 * float(np.float32(0.1))), rtol=RTOL)


def test_sum_across_the_rows_of_a_wide_array_is_accurate(values) -> None:
    x = values.reshape(2500, 4000)
    np.testing.assert_allclose(tg.tensor(x).sum(0).numpy(), wide(x).sum(0), rtol=RTOL)


def test_sum_along_a_strided_line_is_accurate(values) -> None:
    x = values.reshape(N // 2, 2)
    np.testing.assert_allclose(tg.tensor(x).t().sum(1).numpy(), wide(x).sum(0), rtol=RTOL)


@pytest.mark.parametrize("reduce, reference", [
    (lambda t: t.mean(), lambda x: x.mean()),
    (lambda t: t.var(), lambda x: x.var(ddof=1)),
    (lambda t: t.std(), lambda x: x.std(ddof=1)),
    (lambda t: t.norm(), lambda x: np.sqrt((x * x).sum())),
    (lambda t: t.logsumexp(0), lambda x: np.log(np.exp(x).sum())),
    (lambda t: F.mse_loss(t, tg.zeros(N)), lambda x: (x * x).mean()),
], ids=["mean", "var", "std", "norm", "logsumexp", "mse_loss"])
def test_reductions_of_1e7_elements_are_accurate(values, reduce, reference) -> None:
    assert reduce(tg.tensor(values)).item() == pytest.approx(reference(wide(values)), rel=RTOL)


def test_softmax_of_1e6_elements_sums_to_one_and_matches_float64(values) -> None:
    x = values[:10**6] * np.float32(10)
    expected = np.exp(wide(x) - wide(x).max())
    expected /= expected.sum()
    got = tg.tensor(x).softmax(0)
    np.testing.assert_allclose(got.numpy(), expected, rtol=RTOL)
    assert got.sum().item() == pytest.approx(1.0, rel=RTOL)


def test_log_softmax_of_1e6_elements_matches_float64(values) -> None:
    x = values[:10**6] * np.float32(10)
    shifted = wide(x) - wide(x).max()
    expected = shifted - np.log(np.exp(shifted).sum())
    np.testing.assert_allclose(tg.tensor(x).log_softmax(0).numpy(), expected, rtol=RTOL)
