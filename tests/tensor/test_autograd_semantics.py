"""Autograd semantics on tensors: accumulation, retain_graph, hooks, non-scalar backward, reuse,
broadcasting, views and indexing gradients, no_grad.

References are hand-computed values, numpy, or central finite differences in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.autograd import gradcheck

FREED_ERROR = "Trying to backward through the graph a second time"


def leaf(values, dtype=tg.float32) -> tg.Tensor:
    return tg.tensor(values, dtype=dtype, requires_grad=True)


def finite_difference_gradient(f, values: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d values by central differences; f maps a float64 array to a float."""
    grad = np.zeros_like(values)
    for index in np.ndindex(values.shape):
        plus, minus = values.copy(), values.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (f(plus) - f(minus)) / (2 * eps)
    return grad


# accumulation and retain_graph -----------------------------------------------------------------------


def test_gradients_accumulate_across_backward_calls_on_separate_graphs() -> None:
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    (w * w).sum().backward()
    assert w.grad.tolist() == [4.0, 8.0]


def test_zeroing_grad_restarts_the_accumulation() -> None:
    w = leaf([1.0, 2.0])
    (w * 2).sum().backward()
    w.grad.zero_()
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_setting_grad_to_none_restarts_the_accumulation() -> None:
    w = leaf([1.0, 2.0])
    (w * 2).sum().backward()
    w.grad = None
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_second_backward_through_a_freed_graph_raises() -> None:
    w = leaf([1.0, 2.0])
    y = (w * w).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=FREED_ERROR):
        y.backward()


def test_retain_graph_allows_a_second_backward_which_adds_the_gradient_again() -> None:
    w = leaf([1.0, 2.0])
    y = (w * w).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert w.grad.tolist() == [4.0, 8.0]


def test_graph_that_saved_nothing_can_be_walked_twice_like_in_pytorch() -> None:
    w = leaf([1.0, 2.0])
    y = (w + w).sum()
    y.backward()
    y.backward()
    assert w.grad.tolist() == [4.0, 4.0]


# hooks ----------------------------------------------------------------------------------------------------


def test_hooks_on_one_tensor_run_in_registration_order_each_seeing_the_previous_result() -> None:
    w = leaf([1.0, 2.0])
    seen = []
    w.register_hook(lambda g: g * 2)
    w.register_hook(lambda g: seen.append(g.tolist()))
    (w * 3).sum().backward()
    assert seen == [[6.0, 6.0]]
    assert w.grad.tolist() == [6.0, 6.0]


def test_hook_runs_once_per_backward() -> None:
    w = leaf([1.0, 2.0])
    calls = []
    w.register_hook(lambda g: calls.append(1))
    (w * 2).sum().backward()
    (w * 2).sum().backward()
    assert len(calls) == 2


def test_hook_on_an_intermediate_sees_the_summed_gradient_of_all_its_uses() -> None:
    w = leaf([1.0, 2.0])
    y = w * 1
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    (y * 2 + y * 3).sum().backward()
    assert seen == [[5.0, 5.0]]


# non-scalar backward ------------------------------------------------------------------------------------


def test_non_scalar_backward_computes_a_vector_jacobian_product() -> None:
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    v = tg.tensor([[1.0, 0.5], [0.0, -1.0]])
    (x * x).backward(v)
    assert x.grad.tolist() == [[2.0, 2.0], [0.0, -8.0]]


def test_matmul_backward_with_a_gradient_matches_the_matrix_rules() -> None:
    a = leaf([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], tg.float64)
    b = leaf([[1.0, -1.0, 0.5], [2.0, 0.0, 1.0]], tg.float64)
    g = np.arange(9.0).reshape(3, 3)
    (a @ b).backward(tg.tensor(g, dtype=tg.float64))
    np.testing.assert_allclose(a.grad.numpy(), g @ b.detach().numpy().T)
    np.testing.assert_allclose(b.grad.numpy(), a.detach().numpy().T @ g)


# reuse of a value -----------------------------------------------------------------------------------------


def test_value_used_twice_gets_the_sum_of_both_gradients() -> None:
    a = leaf([1.0, 2.0])
    b = a * a
    c = b + b * 3  # c = 4 a^2
    c.sum().backward()
    assert a.grad.tolist() == [8.0, 16.0]


def test_diamond_graph_gets_gradient_from_both_paths() -> None:
    a = leaf(2.0)
    b = a * 3
    d = b * b + b  # d = 9 a^2 + 3 a, dd/da = 18 a + 3
    d.backward()
    assert a.grad.item() == 39.0


def test_tensor_used_as_both_operands_gets_the_product_rule_gradient() -> None:
    x = leaf([3.0, -1.0])
    (x * x * x).sum().backward()
    assert x.grad.tolist() == [27.0, 3.0]


# broadcasting -----------------------------------------------------------------------------------------------


def test_broadcast_row_and_column_get_gradients_summed_to_their_shapes() -> None:
    row = leaf([[1.0, 2.0]])
    column = leaf([[1.0], [2.0], [3.0]])
    (row + column).sum().backward()
    assert row.grad.tolist() == [[3.0, 3.0]]
    assert column.grad.tolist() == [[2.0], [2.0], [2.0]]


def test_bias_added_to_every_row_gets_the_column_sums() -> None:
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    bias = leaf([0.0, 0.0, 0.0])
    ((x + bias) * x).sum().backward()
    assert bias.grad.tolist() == [5.0, 7.0, 9.0]


def test_zero_dim_tensor_broadcast_to_a_matrix_gets_the_total() -> None:
    w = leaf([1.0, 2.0])
    scale = leaf(3.0)
    (w * scale).sum().backward()
    assert scale.grad.shape == ()
    assert scale.grad.item() == 3.0
    assert w.grad.tolist() == [3.0, 3.0]


def test_broadcast_gradient_of_a_product_matches_numpy() -> None:
    a_values, b_values = np.arange(6.0).reshape(2, 1, 3), np.arange(1.0, 5.0).reshape(4, 1)
    a, b = leaf(a_values, tg.float64), leaf(b_values, tg.float64)
    (a * b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.broadcast_to(b_values.sum(), (2, 1, 3)))
    np.testing.assert_allclose(b.grad.numpy(), np.full((4, 1), a_values.sum()))


def test_batched_matmul_gradient_is_summed_over_broadcast_batches() -> None:
    a = leaf(np.ones((2, 3, 4)), tg.float64)
    b = leaf(np.ones((4, 5)), tg.float64)
    (a @ b).sum().backward()
    assert b.grad.shape == (4, 5)
    np.testing.assert_allclose(b.grad.numpy(), np.full((4, 5), 6.0))
    np.testing.assert_allclose(a.grad.numpy(), np.full((2, 3, 4), 5.0))


# views and indexing -------------------------------------------------------------------------------------------

VIEW_CHAINS = [
    ("transpose + reshape", lambda x: x.transpose(0, 1).reshape(6), lambda a: a.T.reshape(6)),
    ("permute + unsqueeze + expand", lambda x: x.permute(1, 0).unsqueeze(0).expand(2, 3, 2),
     lambda a: np.broadcast_to(a.T[None], (2, 3, 2))),
    ("view + slice", lambda x: x.view(-1)[2:], lambda a: a.reshape(-1)[2:]),
    ("flatten + None + squeeze", lambda x: x.flatten()[None].squeeze(0), lambda a: a.reshape(-1)),
    ("t + narrow", lambda x: x.t().narrow(0, 1, 2), lambda a: a.T[1:3]),
    ("split + cat", lambda x: tg.cat(list(x.split(1, dim=1))[::-1], dim=1), lambda a: a[:, ::-1]),
    ("repeat", lambda x: x.repeat(2, 1), lambda a: np.tile(a, (2, 1))),
    ("advanced index of a view", lambda x: x.T[[0, 2, 2]], lambda a: a.T[[0, 2, 2]]),
    ("boolean mask of a slice", lambda x: x[:, 1:][x[:, 1:] > 2.5], lambda a: a[:, 1:][a[:, 1:] > 2.5]),
]


@pytest.mark.parametrize("name, chain, numpy_chain", VIEW_CHAINS, ids=[c[0] for c in VIEW_CHAINS])
def test_gradient_through_views_and_indexing_matches_finite_differences(name, chain, numpy_chain) -> None:
    values = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    weights_for = lambda n: np.linspace(-1.0, 2.0, n)  # noqa: E731  (a non-uniform upstream gradient)

    def loss(a: np.ndarray) -> float:
        out = np.asarray(numpy_chain(a))
        return float((out.reshape(-1) * weights_for(out.size)).sum())

    x = leaf(values, tg.float64)
    out = chain(x)
    np.testing.assert_allclose(out.detach().numpy(), numpy_chain(values))
    (out.reshape(-1) * tg.tensor(weights_for(out.numel()), dtype=tg.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), finite_difference_gradient(loss, values), atol=1e-6)


def test_gradient_of_a_composite_expression_passes_gradcheck() -> None:
    x = leaf(np.array([[0.3, -1.2, 0.8], [1.5, 0.1, -0.4]]), tg.float64)
    w = leaf(np.array([[0.5, -0.3], [0.2, 0.9], [-1.1, 0.4]]), tg.float64)

    def f(x, w):
        h = (x @ w).tanh() + x[:, :2] * x.sum(dim=1, keepdim=True)
        return h.log_softmax(dim=1)[[0, 1], [1, 0]] * h.T.softmax(dim=0)[0]

    assert gradcheck(f, (x, w), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_max_along_a_dim_sends_the_gradient_to_the_largest_element_only() -> None:
    x = leaf([[1.0, 5.0, 3.0], [7.0, 2.0, 0.0]])
    values, indices = x.max(dim=1)
    assert indices.tolist() == [1, 0]
    assert not indices.requires_grad
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


# no_grad and detach ------------------------------------------------------------------------------------------


def test_operations_under_no_grad_record_nothing() -> None:
    w = leaf([1.0, 2.0])
    with tg.no_grad():
        y = w * 2
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_no_grad_restores_grad_mode_when_the_block_raises() -> None:
    with pytest.raises(ValueError):
        with tg.no_grad():
            raise ValueError("inside")
    assert tg.is_grad_enabled()


def test_no_grad_as_a_decorator_disables_recording_only_inside_the_function() -> None:
    w = leaf([1.0])

    @tg.no_grad()
    def double(t):
        return t * 2

    assert not double(w).requires_grad
    assert tg.is_grad_enabled()
    assert (w * 2).requires_grad


def test_enable_grad_records_inside_no_grad() -> None:
    w = leaf([1.0])
    with tg.no_grad():
        with tg.enable_grad():
            y = w * 2
    assert y.requires_grad


def test_set_grad_enabled_false_as_a_context_manager_records_nothing() -> None:
    w = leaf([1.0])
    with tg.set_grad_enabled(False):
        y = w * 2
    assert not y.requires_grad
    assert tg.is_grad_enabled()


def test_backward_itself_records_no_graph_on_the_gradients() -> None:
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    assert not w.grad.requires_grad and w.grad.grad_fn is None


def test_gradient_of_a_float32_leaf_is_float32() -> None:
    w = leaf([1.0, 2.0])
    (w * 2).sum().backward()
    assert w.grad.dtype is tg.float32


def test_gradient_accumulates_in_place_into_the_existing_grad_tensor() -> None:
    w = leaf([1.0, 2.0])
    (w * 2).sum().backward()
    grad = w.grad
    (w * 3).sum().backward()
    assert w.grad is grad
    assert grad.tolist() == [5.0, 5.0]


def test_gradient_accumulates_into_an_assigned_expanded_grad_without_writing_through_it() -> None:
    w = leaf([1.0, 2.0])
    ones = tg.tensor([1.0])
    w.grad = ones.expand(2)
    (w * 3).sum().backward()
    assert w.grad.tolist() == [4.0, 4.0]
    assert ones.tolist() == [1.0]


def doubling_function_whose_backward_returns(gradient):
    """A custom Function y = 2x whose backward returns `gradient`, whatever it is."""

    class MyFn(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return gradient

    return MyFn


@pytest.mark.parametrize("returned, input_shape, message", [
    # PyTorch 2.13's messages, printed by /tmp/torchenv for the same Function
    ((), (2,), "Function MyFnBackward returned an invalid gradient at index 0 - got [] but expected shape compatible with [2]"),
    ((3,), (2,), "Function MyFnBackward returned an invalid gradient at index 0 - got [3] but expected shape compatible with [2]"),
    ((2, 3), (6,), "Function MyFnBackward returned an invalid gradient at index 0 - got [2, 3] but expected shape compatible with [6]"),
])
def test_custom_backward_returning_a_gradient_of_an_incompatible_shape_raises_naming_it(returned, input_shape, message) -> None:
    x = tg.ones(input_shape, requires_grad=True)
    y = doubling_function_whose_backward_returns(tg.ones(returned)).apply(x)
    with pytest.raises(RuntimeError) as error:
        y.sum().backward()
    assert str(error.value) == message


def test_custom_backward_returning_a_broadcast_gradient_is_summed_to_the_input_shape() -> None:
    # PyTorch sums a gradient of shape (2, 3) for an input of shape (1, 3): x.grad == [[2, 2, 2]]
    x = tg.ones((1, 3), requires_grad=True)
    doubling_function_whose_backward_returns(tg.ones((2, 3))).apply(x).sum().backward()
    assert tuple(x.grad.shape) == (1, 3)
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 2.0, 2.0]])


def test_custom_backward_returning_another_dtype_is_converted_to_the_input_dtype() -> None:
    x = tg.ones(2, requires_grad=True)
    hidden, seen = x * 1, []
    hidden.register_hook(lambda grad: seen.append(grad.dtype))
    doubling_function_whose_backward_returns(tg.ones(2, dtype=tg.float64)).apply(hidden).sum().backward()
    assert seen == [tg.float32]


def test_custom_backward_returning_a_number_for_a_tensor_input_raises_like_pytorch() -> None:
    y = doubling_function_whose_backward_returns(1.0).apply(tg.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match=r"expected Variable or None \(got float\)"):
        y.sum().backward()


# autograd.grad and inference_mode -----------------------------------------------------------------


def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = tg.autograd.grad((x ** 2).sum(), x)
    assert g.tolist() == [2.0, 4.0, 6.0] and x.grad is None


def test_autograd_grad_with_respect_to_an_intermediate():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    mid = x * 3
    g_mid, g_x = tg.autograd.grad((mid ** 2).sum(), [mid, x])
    assert g_mid.tolist() == [6.0, 12.0] and g_x.tolist() == [18.0, 36.0]


def test_autograd_grad_of_an_unused_input_needs_allow_unused():
    x, y = tg.ones(2, requires_grad=True), tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        tg.autograd.grad(x.sum(), [x, y])
    assert tg.autograd.grad(x.sum(), [x, y], allow_unused=True)[1] is None


def test_inference_mode_stops_recording_as_context_and_decorator():
    x = tg.ones(2, requires_grad=True)
    with tg.inference_mode():
        assert not (x * 2).requires_grad

    @tg.inference_mode()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert (x * 2).requires_grad
