"""`out=` on the function forms, with PyTorch's rules: resize, dtype check, not differentiable.

Messages are PyTorch 2.13's, as printed by /tmp/torchenv; values are checked against numpy.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import teachgrad as tg

A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], dtype=np.float32)
B = np.array([[2.0, 1.0, -1.0], [3.0, 0.25, 2.0]], dtype=np.float32)

RESIZED = ("An output with one or more elements was resized since it had shape [5], which does not match the "
           "required output shape [2, 3]. This behavior is deprecated, and in a future PyTorch release outputs will "
           "not be resized unless they have zero elements. You can explicitly reuse an out tensor t by resizing it, "
           "inplace, to zero elements with t.resize_(0).")
NOT_DIFFERENTIABLE = ("{}(): functions with out=... arguments don't support automatic differentiation, but one of "
                      "the arguments requires grad.")

CALLS = {  # name -> the call with out=, given a, b and out
    "add": lambda a, b, out: tg.add(a, b, alpha=2, out=out),
    "sub": lambda a, b, out: tg.sub(a, b, out=out),
    "mul": lambda a, b, out: tg.mul(a, b, out=out),
    "div": lambda a, b, out: tg.div(a, b, out=out),
    "pow": lambda a, b, out: tg.pow(a, 2, out=out),
    "maximum": lambda a, b, out: tg.maximum(a, b, out=out),
    "clamp": lambda a, b, out: tg.clamp(a, -1.0, 1.0, out=out),
    "exp": lambda a, b, out: tg.exp(a, out=out),
    "neg": lambda a, b, out: tg.neg(a, out=out),
    "abs": lambda a, b, out: tg.abs(a, out=out),
    "tanh": lambda a, b, out: tg.tanh(a, out=out),
    "sigmoid": lambda a, b, out: tg.sigmoid(a, out=out),
    "matmul": lambda a, b, out: tg.matmul(a, b.T, out=out),
    "mm": lambda a, b, out: tg.mm(a, b.T, out=out),
    "sum": lambda a, b, out: tg.sum(a, 1, out=out),
    "mean": lambda a, b, out: tg.mean(a, 0, keepdim=True, out=out),
    "prod": lambda a, b, out: tg.prod(a, 1, out=out),
    "cat": lambda a, b, out: tg.cat([a, b], 1, out=out),
    "stack": lambda a, b, out: tg.stack([a, b], out=out),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_out_receives_the_result_and_is_returned(name: str) -> None:
    a, b = tg.tensor(A), tg.tensor(B)
    expected = CALLS[name](a, b, None)
    out = tg.empty(0)
    assert CALLS[name](a, b, out) is out
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_out_values_match_numpy() -> None:
    out = tg.empty(2, 3)
    tg.mul(tg.tensor(A), tg.tensor(B), out=out)
    np.testing.assert_array_equal(out.numpy(), A * B)


def test_an_empty_out_is_resized_without_a_warning() -> None:
    out = tg.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.add(tg.tensor(A), tg.tensor(B), out=out)
    assert out.shape == (2, 3)


def test_an_out_with_elements_and_another_shape_is_resized_with_pytorchs_warning() -> None:
    out = tg.empty(5)
    with pytest.warns(UserWarning, match=re.escape(RESIZED)):
        tg.add(tg.tensor(A), tg.tensor(B), out=out)
    np.testing.assert_array_equal(out.numpy(), A + B)


def test_a_result_that_cannot_be_cast_to_outs_dtype_is_refused() -> None:
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired output type Long$"):
        tg.exp(tg.tensor(A), out=tg.empty(2, 3, dtype=tg.int64))


def test_an_integer_result_is_converted_into_a_float_out() -> None:
    out = tg.empty(2, dtype=tg.float32)
    tg.add(tg.tensor([1, 2]), tg.tensor([3, 4]), out=out)
    assert out.dtype is tg.float32 and out.tolist() == [4.0, 6.0]


def test_an_input_that_requires_grad_is_refused() -> None:
    a = tg.tensor(A, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(NOT_DIFFERENTIABLE.format("matmul"))):
        tg.matmul(a, tg.tensor(B).T, out=tg.empty(0))


def test_an_out_that_requires_grad_is_refused() -> None:
    out = tg.empty(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(NOT_DIFFERENTIABLE.format("add"))):
        tg.add(tg.tensor(A), tg.tensor(B), out=out)


def test_inputs_that_require_grad_are_accepted_under_no_grad() -> None:
    a, out = tg.tensor(A, requires_grad=True), tg.empty(0)
    with tg.no_grad():
        tg.add(a, tg.tensor(B), out=out)
    assert out.requires_grad is False
    np.testing.assert_array_equal(out.numpy(), A + B)


def test_out_may_be_one_of_the_inputs() -> None:
    a = tg.tensor(A)
    tg.add(a, a, out=a)
    np.testing.assert_array_equal(a.numpy(), A + A)


PAIR_CALLS = {  # name -> the call returning (values, indices), given a and out
    "max": lambda a, out: tg.max(a, 1, out=out),
    "min": lambda a, out: tg.min(a, 0, keepdim=True, out=out),
    "sort": lambda a, out: tg.sort(a, 1, descending=True, out=out),
    "topk": lambda a, out: tg.topk(a, 2, out=out),
    "median": lambda a, out: tg.median(a, 1, out=out),
}


@pytest.mark.parametrize("name", list(PAIR_CALLS))
def test_a_values_and_indices_result_is_written_into_out_pair(name: str) -> None:
    a = tg.tensor(A)
    expected = PAIR_CALLS[name](a, None)
    values, indices = tg.empty(0), tg.empty(0, dtype=tg.int64)
    result = PAIR_CALLS[name](a, (values, indices))
    assert result.values is values and result.indices is indices and type(result) is type(expected)
    np.testing.assert_array_equal(values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())


def test_max_out_needs_a_pair_of_tensors() -> None:
    # PyTorch 2.13: torch.max(x, 1, out=(v,)) raises TypeError "expected tuple of 2 elements but got 1"
    with pytest.raises(TypeError, match=re.escape("max(): expected out=(values, indices), a tuple of 2 elements but got 1")):
        tg.max(tg.tensor(A), 1, out=(tg.empty(0),))


def test_max_out_pair_is_not_differentiable() -> None:
    a = tg.tensor(A, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(NOT_DIFFERENTIABLE.format("max"))):
        tg.max(a, 1, out=(tg.empty(0), tg.empty(0, dtype=tg.int64)))


def test_max_without_dim_takes_a_single_out_tensor() -> None:
    out = tg.empty(0)
    assert tg.max(tg.tensor(A), out=out) is out and out.item() == 4.0


def test_resizing_an_out_pair_warns_at_the_callers_line() -> None:
    with pytest.warns(UserWarning) as caught:
        tg.sort(tg.tensor(A), out=(tg.empty(5), tg.empty(5, dtype=tg.int64)))
    assert {w.filename for w in caught} == {__file__}
