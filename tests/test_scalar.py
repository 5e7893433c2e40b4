"""Scalar: every operation's value and gradient, comparisons, and the errors bad input gets.

Gradients are checked against central finite differences of the same formula written with
plain floats and the `math` module, so the reference does not depend on teachgrad.
"""

from __future__ import annotations

import math
from typing import Callable

import pytest

from teachgrad import Scalar


def central_difference(f: Callable[..., float], args: list[float], i: int, h: float = 1e-6) -> float:
    """Approximate df/d args[i] by (f(x + h) - f(x - h)) / 2h."""
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# name -> (teachgrad version, plain-float reference, input values)
# Every input of the teachgrad version is a Scalar that requires grad; Python numbers inside the
# lambdas exercise the mixed and reflected forms.
OPERATIONS: dict[str, tuple[Callable, Callable, list[float]]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, [1.3, -0.7]),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, [1.3, -0.7]),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, [1.3, -0.7]),
    "div": (lambda a, b: a / b, lambda a, b: a / b, [1.3, -0.7]),
    "pow_scalar_exponent": (lambda a, b: a**b, lambda a, b: a**b, [1.7, 0.6]),
    "pow_scalar_negative_exponent": (lambda a, b: a**b, lambda a, b: a**b, [0.8, -1.5]),
    "add_number": (lambda a: a + 2.5, lambda a: a + 2.5, [1.3]),
    "sub_number": (lambda a: a - 2.5, lambda a: a - 2.5, [1.3]),
    "mul_number": (lambda a: a * 2.5, lambda a: a * 2.5, [1.3]),
    "div_number": (lambda a: a / 2.5, lambda a: a / 2.5, [1.3]),
    "radd_number": (lambda a: 2.5 + a, lambda a: 2.5 + a, [1.3]),
    "rsub_number": (lambda a: 2.5 - a, lambda a: 2.5 - a, [1.3]),
    "rmul_number": (lambda a: 2.5 * a, lambda a: 2.5 * a, [1.3]),
    "rdiv_number": (lambda a: 2.5 / a, lambda a: 2.5 / a, [1.3]),
    "rpow_number": (lambda a: 2.5**a, lambda a: 2.5**a, [1.3]),
    "pow_int_number": (lambda a: a**3, lambda a: a**3, [1.3]),
    "pow_int_number_negative_base": (lambda a: a**3, lambda a: a**3, [-1.3]),
    "pow_fractional_number": (lambda a: a**0.5, lambda a: a**0.5, [1.3]),
    "pow_negative_number": (lambda a: a**-2, lambda a: a**-2, [1.3]),
    "neg": (lambda a: -a, lambda a: -a, [1.3]),
    "exp": (lambda a: a.exp(), math.exp, [0.4]),
    "log": (lambda a: a.log(), math.log, [0.4]),
    "tanh": (lambda a: a.tanh(), math.tanh, [0.4]),
    "sigmoid_positive": (lambda a: a.sigmoid(), sigmoid, [0.8]),
    "sigmoid_negative": (lambda a: a.sigmoid(), sigmoid, [-2.1]),
    "relu_positive": (lambda a: a.relu(), lambda a: max(a, 0.0), [0.8]),
    "relu_negative": (lambda a: a.relu(), lambda a: max(a, 0.0), [-0.8]),
    "composite": (
        lambda a, b: (a * b + a.exp() / b).tanh() - (a**2 + 1).log() * b.sigmoid(),
        lambda a, b: math.tanh(a * b + math.exp(a) / b) - math.log(a**2 + 1) * sigmoid(b),
        [0.3, 1.2],
    ),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_forward_value_matches_plain_float_formula(name: str) -> None:
    op, reference, values = OPERATIONS[name]
    out = op(*[Scalar(v, requires_grad=True) for v in values])
    assert isinstance(out, Scalar)
    assert out.data == pytest.approx(reference(*values), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", OPERATIONS)
def test_gradient_matches_central_finite_differences(name: str) -> None:
    op, reference, values = OPERATIONS[name]
    inputs = [Scalar(v, requires_grad=True) for v in values]
    op(*inputs).backward()
    for i, x in enumerate(inputs):
        expected = central_difference(reference, values, i)
        assert x.grad == pytest.approx(expected, rel=1e-6, abs=1e-8), f"d{name}/d(input {i})"


def test_gradient_is_a_python_float() -> None:
    a = Scalar(1.5, requires_grad=True)
    (a * a).backward()
    assert type(a.grad) is float


def test_result_of_inputs_without_grad_does_not_require_grad() -> None:
    out = Scalar(2.0) * Scalar(3.0) + 1.0
    assert out.requires_grad is False
    assert out.grad_fn is None


def test_result_of_input_requiring_grad_records_its_operation() -> None:
    a = Scalar(2.0, requires_grad=True)
    out = a * 3.0
    assert out.requires_grad is True
    assert out.is_leaf is False
    assert out.grad_fn.name() == "MulBackward0"


def test_python_number_operand_gets_no_gradient_and_stays_a_number() -> None:
    a = Scalar(2.0, requires_grad=True)
    (3.0 * a).backward()
    assert a.grad == 3.0
    assert a.grad_fn is None  # a is still the leaf it was


# comparisons -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "compare, expected",
    [
        (lambda a, b: a < b, True),
        (lambda a, b: a <= b, True),
        (lambda a, b: a > b, False),
        (lambda a, b: a >= b, False),
        (lambda a, b: a == b, False),
        (lambda a, b: a != b, True),
    ],
    ids=["lt", "le", "gt", "ge", "eq", "ne"],
)
def test_comparison_of_scalars_gives_a_bool(compare: Callable, expected: bool) -> None:
    a, b = Scalar(1.0, requires_grad=True), Scalar(2.0, requires_grad=True)
    result = compare(a, b)
    assert type(result) is bool
    assert result is expected


def test_comparison_with_python_numbers_works_both_ways() -> None:
    a = Scalar(2.0, requires_grad=True)
    assert a == 2.0 and a == 2 and 2.0 == a
    assert a < 3 and 3 > a and a >= 2.0 and 1.5 <= a


def test_comparison_records_no_graph_and_gives_no_gradient() -> None:
    a = Scalar(2.0, requires_grad=True)
    b = Scalar(2.0, requires_grad=True)
    assert a == b  # compares values
    assert not hasattr(a == b, "grad_fn")
    assert a.grad is None and b.grad is None
    assert a.is_leaf and b.is_leaf


def test_scalar_is_never_equal_to_a_string_or_none() -> None:
    a = Scalar(3.0)
    assert (a == "3") is False
    assert (a == None) is False  # noqa: E711 (testing __eq__ itself)
    assert a != "3"


def test_ordering_a_scalar_against_a_string_raises_type_error() -> None:
    with pytest.raises(TypeError, match="Scalar"):
        Scalar(1.0) < "2"  # noqa: B015


def test_equal_scalars_stay_distinct_keys_in_a_dict() -> None:
    a, b = Scalar(1.0), Scalar(1.0)
    assert len({a: 0, b: 1}) == 2  # hashed by identity, as graph code relies on


# errors ----------------------------------------------------------------------------------


def test_log_of_negative_number_raises_value_error_naming_the_value() -> None:
    with pytest.raises(ValueError, match=r"-2\.5"):
        Scalar(-2.5, requires_grad=True).log()


def test_log_of_zero_raises_value_error() -> None:
    with pytest.raises(ValueError, match="positive"):
        Scalar(0.0).log()


def test_scalar_of_a_string_raises_type_error_naming_the_type() -> None:
    with pytest.raises(TypeError, match="str"):
        Scalar("x")


def test_scalar_of_a_bool_raises_type_error() -> None:
    with pytest.raises(TypeError, match="bool"):
        Scalar(True)


def test_arithmetic_with_a_string_raises_type_error_naming_the_type() -> None:
    with pytest.raises(TypeError, match="str"):
        Scalar(1.0) + "x"


def test_division_by_zero_raises_zero_division_error() -> None:
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Scalar(1.0, requires_grad=True) / 0


def test_negative_base_with_fractional_exponent_raises_value_error() -> None:
    with pytest.raises(ValueError, match="negative base"):
        Scalar(-2.0, requires_grad=True) ** 0.5


def test_backward_on_leaf_that_does_not_require_grad_raises_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        Scalar(2.0).backward()


def test_backward_on_result_that_does_not_require_grad_raises_runtime_error() -> None:
    out = Scalar(2.0) * Scalar(3.0)
    with pytest.raises(RuntimeError, match="does not require grad"):
        out.backward()


def test_backward_on_leaf_that_requires_grad_sets_its_grad_to_one() -> None:
    a = Scalar(2.0, requires_grad=True)
    a.backward()
    assert a.grad == 1.0


def test_detach_gives_a_leaf_with_the_same_value_and_no_grad() -> None:
    a = Scalar(2.0, requires_grad=True)
    d = (a * 3.0).detach()
    assert d.data == 6.0
    assert d.is_leaf and not d.requires_grad
