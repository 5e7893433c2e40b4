"""Rounding, floor division and remainder, checked against numpy's definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest

import teachgrad as tg

EDGES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -2.7, 2.7, 0.0, 3.0, -3.0, 1e20, -1e20]


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
@pytest.mark.parametrize("dtype", [tg.float32, tg.float64])
def test_rounding_matches_numpy_at_halves_and_large_values(name, dtype):
    values = np.array(EDGES, dtype=dtype.numpy)
    np.testing.assert_array_equal(getattr(tg, name)(tg.tensor(values)).numpy(), getattr(np, name)(values))


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_keeps_nan_and_infinities(name):
    out = getattr(tg.tensor([math.nan, math.inf, -math.inf]), name)().tolist()
    assert math.isnan(out[0]) and out[1:] == [math.inf, -math.inf]


def test_round_halves_go_to_the_even_neighbour():
    assert tg.tensor([0.5, 1.5, 2.5, -0.5, -1.5]).round().tolist() == [0.0, 2.0, 2.0, -0.0, -2.0]


def test_round_with_positive_decimals():
    x = np.array([1.234, -5.678, 0.125, 2.0])
    np.testing.assert_allclose(tg.tensor(x, dtype=tg.float64).round(decimals=2).numpy(), np.round(x, 2))


def test_round_with_negative_decimals_rounds_to_tens():
    assert tg.round(tg.tensor([125.0, 135.0, -1234.0]), decimals=-1).tolist() == [120.0, 140.0, -1230.0]


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_an_int64_tensor_returns_it_unchanged(name):
    out = getattr(tg.tensor([7, -7]), name)()
    assert out.dtype is tg.int64 and out.tolist() == [7, -7]


def test_round_with_decimals_refuses_integer_tensors():
    with pytest.raises(NotImplementedError, match="decimals"):
        tg.tensor([7]).round(decimals=1)


def test_frac_keeps_the_sign_of_the_input():
    np.testing.assert_allclose(tg.tensor([2.75, -2.75, 3.0]).frac().numpy(), [0.75, -0.75, 0.0])


def test_frac_refuses_integer_tensors():
    with pytest.raises(NotImplementedError, match="floating point"):
        tg.tensor([1, 2]).frac()


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_has_zero_gradient(name):
    x = tg.tensor([1.3, -0.7], requires_grad=True)
    getattr(x, name)().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_frac_has_gradient_one():
    x = tg.tensor([1.3, -0.7], requires_grad=True)
    x.frac().sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


A = np.array([7.0, -7.0, 7.5, -7.5, 0.0, 5.0])
B = np.array([2.0, 2.0, -2.0, -2.0, 3.0, -5.0])


def test_floordiv_operator_on_floats_matches_numpy():
    np.testing.assert_array_equal((tg.tensor(A) // tg.tensor(B)).numpy(), np.floor_divide(A, B))


def test_mod_operator_on_floats_takes_the_sign_of_the_divisor():
    np.testing.assert_array_equal((tg.tensor(A) % tg.tensor(B)).numpy(), np.remainder(A, B))


def test_fmod_takes_the_sign_of_the_dividend():
    np.testing.assert_array_equal(tg.fmod(tg.tensor(A), tg.tensor(B)).numpy(), np.fmod(A, B))


def test_integer_floordiv_and_mod_stay_int64_and_follow_python():
    a, b = tg.tensor([7, -7, 7, -7]), tg.tensor([2, 2, -3, -3])
    assert (a // b).dtype is tg.int64 and (a // b).tolist() == [7 // 2, -7 // 2, 7 // -3, -7 // -3]
    assert (a % b).dtype is tg.int64 and (a % b).tolist() == [7 % 2, -7 % 2, 7 % -3, -7 % -3]


def test_number_on_the_left_of_floordiv_and_mod():
    assert (7 // tg.tensor([2])).tolist() == [3]
    assert (7 % tg.tensor([-3])).tolist() == [7 % -3]


def test_integer_division_by_zero_raises():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        tg.tensor([1, 2]) // tg.tensor([0, 1])


def test_float_floordiv_by_zero_gives_signed_infinity():
    assert (tg.tensor([1.0, -1.0]) // 0.0).tolist() == [math.inf, -math.inf]


@pytest.mark.parametrize("mode, expected", [("floor", [3, -4, -4, 3]), ("trunc", [3, -3, -3, 3])])
def test_div_rounding_mode(mode, expected):
    a, b = tg.tensor([7, -7, 7, -7]), tg.tensor([2, 2, -2, -2])
    assert tg.div(a, b, rounding_mode=mode).tolist() == expected
    assert tg.div(a.double(), b.double(), rounding_mode=mode).tolist() == expected


def test_div_rejects_an_unknown_rounding_mode():
    with pytest.raises(RuntimeError, match="rounding_mode"):
        tg.div(tg.ones(2), 2, rounding_mode="nearest")


def test_remainder_gradients_are_one_and_minus_the_floor_quotient():
    a = tg.tensor([5.5, -5.5], requires_grad=True)
    b = tg.tensor([2.0, 2.0], requires_grad=True)
    (a % b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0]
    assert b.grad.tolist() == [-2.0, 3.0]


def test_isclose_compares_elementwise_with_both_tolerances():
    a = tg.tensor([1.0, 1.0, 100.0])
    b = tg.tensor([1.0 + 1e-9, 1.1, 100.0 + 1e-4])
    assert tg.isclose(a, b).tolist() == [True, False, True]
    assert tg.isclose(a, b, rtol=0.0, atol=1e-6).tolist() == [True, False, False]


def test_isclose_treats_nan_as_equal_only_when_asked():
    a = tg.tensor([math.nan, math.inf, -math.inf])
    b = tg.tensor([math.nan, math.inf, math.inf])
    assert tg.isclose(a, b).tolist() == [False, True, False]
    assert tg.isclose(a, b, equal_nan=True).tolist() == [True, True, False]


def test_isclose_on_integers():
    assert tg.isclose(tg.tensor([1, 2]), tg.tensor([1, 3])).tolist() == [True, False]


def test_math_constants_are_exported():
    assert (tg.pi, tg.e) == (math.pi, math.e)
    assert tg.inf == math.inf and math.isnan(tg.nan)
