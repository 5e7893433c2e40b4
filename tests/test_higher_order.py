"""Higher-order gradients: the backward pass recorded as a graph (`create_graph=True`) and differentiated.

Expected values come from calculus done in numpy (float64) or from finite differences of numpy code.
"""

from __future__ import annotations

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.autograd import Function, functional, gradgradcheck, once_differentiable


def f64(values, requires_grad: bool = True) -> tg.Tensor:
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_backward_with_create_graph_leaves_a_grad_that_can_be_differentiated():
    x = f64([1.0, 2.0, -3.0])
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None
    np.testing.assert_allclose(x.grad.detach().numpy(), 3 * x.detach().numpy() ** 2)
    (second,) = tg.autograd.grad(x.grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * x.detach().numpy())


def test_grad_without_create_graph_returns_a_gradient_without_a_graph():
    x = f64([1.0, 2.0])
    (g,) = tg.autograd.grad((x ** 3).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


def test_third_derivative_of_sin_is_minus_cos():
    x = f64([0.3, 1.1, -2.0])
    (d1,) = tg.autograd.grad(x.sin().sum(), x, create_graph=True)
    (d2,) = tg.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = tg.autograd.grad(d2.sum(), x)
    np.testing.assert_allclose(d3.numpy(), -np.cos(x.detach().numpy()), rtol=1e-12)


def _penalty_numpy(x: np.ndarray, w: np.ndarray) -> float:
    """||d/dx sum(tanh(x @ w))||^2, the input-gradient penalty, by hand: d/dx = (1 - tanh^2) @ w^T."""
    return float(((1 - np.tanh(x @ w) ** 2) @ w.T).__pow__(2).sum())


def test_gradient_penalty_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x_np, w_np = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    x, w = f64(x_np), f64(w_np)
    (dx,) = tg.autograd.grad((x @ w).tanh().sum(), x, create_graph=True)
    (dx * dx).sum().backward()
    eps, expected = 1e-6, np.zeros_like(w_np)
    for index in np.ndindex(w_np.shape):
        step = np.zeros_like(w_np)
        step[index] = eps
        expected[index] = (_penalty_numpy(x_np, w_np + step) - _penalty_numpy(x_np, w_np - step)) / (2 * eps)
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-6, atol=1e-8)


def test_hessian_of_a_sum_of_cubes_is_diagonal_6x():
    x = np.array([1.0, -2.0, 0.5])
    hessian = functional.hessian(lambda t: (t ** 3).sum(), f64(x, requires_grad=False))
    np.testing.assert_allclose(hessian.numpy(), np.diag(6 * x))


def test_hessian_of_a_quadratic_form_is_a_plus_a_transposed():
    rng = np.random.default_rng(1)
    a, x = rng.standard_normal((3, 3)), rng.standard_normal(3)
    hessian = functional.hessian(lambda t: t @ f64(a, False) @ t, f64(x, requires_grad=False))
    np.testing.assert_allclose(hessian.numpy(), a + a.T, rtol=1e-12)


def test_hessian_of_a_softmax_output_matches_the_formula():
    x = np.array([0.3, 1.2, -0.4])
    s = np.exp(x) / np.exp(x).sum()
    first = np.eye(3)[0] - s  # d s_0 / dx_j = s_0 (delta_0j - s_j)
    expected = s[0] * (np.outer(first, first) - (np.diag(s) - np.outer(s, s)))
    hessian = functional.hessian(lambda t: t.softmax(0)[0], f64(x, requires_grad=False))
    np.testing.assert_allclose(hessian.numpy(), expected, rtol=1e-10, atol=1e-14)


def test_hvp_is_the_hessian_times_v():
    rng = np.random.default_rng(2)
    a, x, v = rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal(3)
    value, product = functional.hvp(lambda t: t @ f64(a, False) @ t, f64(x, False), f64(v, False))
    np.testing.assert_allclose(value.numpy(), x @ a @ x)
    np.testing.assert_allclose(product.numpy(), (a + a.T) @ v, rtol=1e-12)


def test_jacobian_jvp_and_vjp_of_an_elementwise_square_agree_with_2x():
    x, v = np.array([1.0, -2.0, 3.0]), np.array([0.5, 1.0, -1.0])
    jacobian = np.diag(2 * x)
    np.testing.assert_allclose(functional.jacobian(lambda t: t * t, f64(x, False)).numpy(), jacobian)
    np.testing.assert_allclose(functional.jvp(lambda t: t * t, f64(x, False), f64(v, False))[1].numpy(), jacobian @ v)
    np.testing.assert_allclose(functional.vjp(lambda t: t * t, f64(x, False), f64(v, False))[1].numpy(), v @ jacobian)


def test_jacobian_of_a_matrix_vector_product_with_tuple_inputs():
    rng = np.random.default_rng(3)
    m, x = rng.standard_normal((2, 3)), rng.standard_normal(3)
    d_m, d_x = functional.jacobian(lambda a, b: a @ b, (f64(m, False), f64(x, False)))
    np.testing.assert_allclose(d_x.numpy(), m)  # d(Mx)_i / dx_j = M_ij
    np.testing.assert_allclose(d_m.numpy(), np.einsum("ij,k->ijk", np.eye(2), x))  # d(Mx)_i / dM_jk = [i==j] x_k


class Cube(Function):
    """forward: out = x**3;  backward: dL/dx = 3 * x**2 * g"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * g


class CubeOnce(Cube):
    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * g


def test_once_differentiable_backward_still_gives_the_first_derivative():
    x = f64([2.0, -1.0])
    CubeOnce.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 3.0])


def test_once_differentiable_refuses_a_second_derivative_with_pytorchs_message():
    x = f64([2.0, -1.0])
    (g,) = tg.autograd.grad((CubeOnce.apply(x) * x).sum(), x, create_graph=True)
    # PyTorch 2.13 prints: trying to differentiate twice a function that was marked with @once_differentiable
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable \\(CubeOnceBackward\\)"):
        g.sum().backward()


def test_a_builtin_op_without_a_second_derivative_refuses_naming_itself():
    x, w, b = f64([[1.0, 2.0]]), f64([[0.5, -1.0]]), f64([0.1])
    (dx,) = tg.autograd.grad(tg.nn.functional.linear(x, w, b).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable \\(AddmmBackward0\\)"):
        (dx * dx).sum().backward()


class CubeWithConstantDerivative(Cube):
    """x**3 whose backward detaches x: right first derivative, second derivative silently 0."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x.detach() ** 2 * g


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = f64([0.5, -1.5])
    assert tg.autograd.gradcheck(CubeWithConstantDerivative.apply, x)
    assert not gradgradcheck(CubeWithConstantDerivative.apply, x, raise_exception=False)


def test_gradgradcheck_passes_a_correct_second_derivative():
    assert gradgradcheck(Cube.apply, f64([0.5, -1.5]))
