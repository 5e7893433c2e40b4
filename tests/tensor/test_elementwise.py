"""Elementwise operations' PyTorch semantics beyond forward values (which the op registry checks):
the sign of zero results and of zero gradients, on every CPU backend (np.signbit tells 0.0 from -0.0)."""

from __future__ import annotations

import numpy as np
import pytest

import teachgrad as tg

BACKENDS = tg.available_backends()


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("dtype", [tg.float32, tg.float64])
def test_relu_of_a_negative_number_is_positive_zero_like_pytorch(backend_name, dtype):
    # PyTorch 2.13: relu([-1., 0., -0., 2., nan]) = [0., 0., -0., 2., nan]: -0.0 and nan pass through
    with tg.backend(backend_name):
        out = tg.tensor([-1.0, 0.0, -0.0, 2.0, float("nan")], dtype=dtype).relu().numpy()
    np.testing.assert_array_equal(np.signbit(out), [False, False, True, False, False])
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 2.0, np.nan])


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_relu_of_a_negative_integer_is_zero(backend_name):
    with tg.backend(backend_name):
        out = tg.tensor([-3, 0, 4]).relu()
    assert out.dtype is tg.int64 and out.tolist() == [0, 0, 4]


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize(
    "op", [lambda x: x.relu(), lambda x: x.sign(), lambda x: x.floor(), lambda x: x.ceil(), lambda x: x.round(),
           lambda x: x.trunc(), lambda x: x.clamp(-0.5, 0.5), lambda x: x // 0.7],
    ids=["relu", "sign", "floor", "ceil", "round", "trunc", "clamp", "floor_divide"])
def test_zero_gradients_are_positive_zeros_like_pytorch(backend_name, op):
    # PyTorch 2.13 gives +0.0 wherever these gradients are 0, also for a negative incoming gradient
    x = tg.tensor([-1.5, -0.0, 0.0, 0.2, 2.5], dtype=tg.float64, requires_grad=True)
    with tg.backend(backend_name):
        (op(x) * -1.0).sum().backward()
    grad = x.grad.numpy()
    assert not np.signbit(grad[grad == 0]).any(), grad


# log variants -------------------------------------------------------------------------------------


def test_log_variants_and_expm1():
    x = tg.tensor([1.0, 8.0])
    np.testing.assert_allclose(tg.log2(x).numpy(), [0.0, 3.0], atol=1e-6)
    np.testing.assert_allclose(x.log10().numpy(), np.log10([1.0, 8.0]), rtol=1e-6)
    np.testing.assert_allclose(tg.log1p(x).numpy(), np.log1p([1.0, 8.0]), rtol=1e-6)
    np.testing.assert_allclose(tg.expm1(x).numpy(), np.expm1([1.0, 8.0]), rtol=1e-6)


def test_hyperbolic_functions_keep_their_digits_near_zero() -> None:
    # PyTorch 2.13: sinh(1e-3) = 0.0010000001639127731, asinh(1e-4) = 1.0000000e-04 in float32
    assert tg.sinh(tg.tensor([1e-3])).item() == 0.0010000001639127731
    np.testing.assert_allclose(tg.asinh(tg.tensor([1e-4, -1e4])).tolist(), [1e-4, -9.903487552536127], rtol=1e-7)
    assert tg.cosh(tg.tensor([0.0])).item() == 1.0


def test_asinh_gradient_at_zero_is_one() -> None:
    x = tg.tensor([0.0], requires_grad=True)
    x.asinh().sum().backward()
    assert x.grad.tolist() == [1.0]
