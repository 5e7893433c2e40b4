"""PyTorch APIs that tutorials use, checked against numpy or hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.autograd import gradcheck


def test_zero_dim_tensor_formats_as_its_number():
    assert f"{tg.tensor(0.123456):.3f}" == "0.123"
    assert "{:.1f}".format(tg.tensor(2.25)) == "2.2"
    assert f"{tg.tensor(2.5)}" == "2.5"


def test_tensor_with_dims_formats_as_repr():
    assert f"{tg.tensor([1.0])}" == repr(tg.tensor([1.0]))


def test_numpy_scalars_combine_like_python_numbers():
    t = tg.tensor([1.0, 2.0])
    assert (t + np.float32(1.0)).tolist() == [2.0, 3.0]
    assert (t + np.float64(1.0)).dtype is tg.float32
    out = np.float64(2.0) * t
    assert isinstance(out, tg.Tensor) and out.tolist() == [2.0, 4.0]


def test_where_with_two_numbers_gives_their_dtype():
    cond = tg.tensor([True, False])
    assert tg.where(cond, 1, 0).tolist() == [1, 0] and tg.where(cond, 1, 0).dtype is tg.int64
    assert tg.where(cond, 1.5, 0).dtype is tg.float32


def test_where_with_only_a_condition_is_nonzero_as_tuple():
    rows, cols = tg.where(tg.tensor([[0, 3], [4, 0]]) > 0)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]


def test_sort_returns_values_and_indices_stable_for_ties():
    values, indices = tg.tensor([3.0, 1.0, 2.0, 1.0]).sort()
    assert values.tolist() == [1.0, 1.0, 2.0, 3.0] and indices.tolist() == [1, 3, 2, 0]


def test_sort_descending_along_a_dim_matches_numpy():
    x = np.random.default_rng(0).uniform(-1, 1, (3, 4))
    values, indices = tg.tensor(x).sort(dim=0, descending=True)
    np.testing.assert_allclose(values.numpy(), -np.sort(-x, 0))
    np.testing.assert_array_equal(indices.numpy(), np.argsort(-x, 0, kind="stable"))


def test_argsort_gives_the_sort_indices():
    assert tg.argsort(tg.tensor([[2, 0, 1]]), dim=1, descending=True).tolist() == [[0, 2, 1]]


def test_topk_gives_the_k_largest_or_smallest():
    v = tg.tensor([1.0, 4.0, 2.0, 8.0])
    assert tg.topk(v, 2).values.tolist() == [8.0, 4.0] and tg.topk(v, 2).indices.tolist() == [3, 1]
    assert v.topk(1, largest=False).indices.tolist() == [0]


def test_topk_rejects_k_larger_than_the_dim():
    with pytest.raises(RuntimeError, match="out of range"):
        tg.ones(3).topk(4)


def test_sort_gradient_goes_back_to_the_source_positions():
    x = tg.tensor([[0.3, -1.2, 0.8]], dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda t: t.sort(dim=1).values * tg.tensor([1.0, 2.0, 3.0], dtype=tg.float64), (x,))


def test_cumsum_matches_numpy_and_keeps_ints_as_int64():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(tg.cumsum(tg.tensor(x), dim=1).numpy(), np.cumsum(x, 1))
    out = tg.tensor([1, 2, 3]).cumsum(0)
    assert out.dtype is tg.int64 and out.tolist() == [1, 3, 6]


def test_cumsum_gradient_is_the_reversed_running_sum():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.cumsum(0).sum().backward()
    assert x.grad.tolist() == [3.0, 2.0, 1.0]


@pytest.mark.parametrize("backend, n", [("numba", 10**6), ("reference", 10**5)])
def test_cumsum_of_a_long_vector_is_a_running_sum_that_matches_numpy(backend, n):
    """A running sum, not a product with an n x n matrix (which needed 3.6 TiB for 1e6 elements);
    float32 totals are carried in float64, so the last one is as accurate as numpy's float64."""
    x = np.random.default_rng(0).random(n, dtype=np.float32)
    with tg.backend(backend):
        got = tg.tensor(x).cumsum(0)
    assert got.dtype is tg.float32
    np.testing.assert_allclose(got.numpy(), np.cumsum(x.astype(np.float64)), rtol=1e-6)


def test_cumsum_takes_a_dtype_for_its_result_like_pytorch():
    out = tg.tensor([True, False, True]).cumsum(0, dtype=tg.float64)
    # torch 2.13: tensor([1., 1., 2.], dtype=torch.float64)
    assert out.dtype is tg.float64 and out.tolist() == [1.0, 1.0, 2.0]


def test_cumsum_gradient_of_a_matrix_along_dim_0_is_the_reversed_running_sum_of_g():
    x = tg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    g = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    x.cumsum(0).backward(tg.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), np.flip(np.cumsum(np.flip(g, 0), 0), 0))  # numpy reference


def test_nonzero_lists_coordinates_in_row_major_order():
    x = tg.tensor([[0.0, 1.0], [2.0, 0.0]])
    assert tg.nonzero(x).tolist() == [[0, 1], [1, 0]]
    assert [t.tolist() for t in x.nonzero(as_tuple=True)] == [[0, 1], [1, 0]]


def test_unique_with_inverse_and_counts():
    values, inverse, counts = tg.unique(tg.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3] and inverse.tolist() == [2, 0, 2, 1] and counts.tolist() == [1, 1, 2]


def test_norm_of_each_order_matches_numpy():
    x = np.array([[3.0, -4.0], [1.0, 2.0]])
    t = tg.tensor(x)
    assert t.norm().item() == pytest.approx(np.linalg.norm(x))
    np.testing.assert_allclose(t.norm(p=1, dim=1).numpy(), np.abs(x).sum(1))
    assert tg.norm(t, p=float("inf")).item() == 4.0
    np.testing.assert_allclose(t.norm(p=3, dim=0, keepdim=True).numpy(), np.linalg.norm(x, 3, axis=0, keepdims=True))


def test_tril_and_triu_match_numpy():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(tg.tril(tg.tensor(x)).numpy(), np.tril(x))
    np.testing.assert_array_equal(tg.tensor(x).triu(diagonal=1).numpy(), np.triu(x, 1))


def test_tril_keeps_infinities_outside_the_zeroed_part():
    x = tg.full((2, 2), float("-inf")).tril()
    assert x.tolist() == [[float("-inf"), 0.0], [float("-inf"), float("-inf")]]


def test_diag_diagonal_trace_outer():
    m = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert tg.diag(tg.tensor([1.0, 2.0])).tolist() == [[1.0, 0.0], [0.0, 2.0]]
    assert tg.diag(tg.tensor([5.0]), 1).tolist() == [[0.0, 5.0], [0.0, 0.0]]
    assert m.diagonal().tolist() == [1.0, 4.0] and tg.diag(m, -1).tolist() == [3.0]
    assert tg.trace(m).item() == 5.0
    assert tg.outer(tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0])).tolist() == [[3.0, 4.0], [6.0, 8.0]]


def test_log_variants_and_expm1():
    x = tg.tensor([1.0, 8.0])
    np.testing.assert_allclose(tg.log2(x).numpy(), [0.0, 3.0], atol=1e-6)
    np.testing.assert_allclose(x.log10().numpy(), np.log10([1.0, 8.0]), rtol=1e-6)
    np.testing.assert_allclose(tg.log1p(x).numpy(), np.log1p([1.0, 8.0]), rtol=1e-6)
    np.testing.assert_allclose(tg.expm1(x).numpy(), np.expm1([1.0, 8.0]), rtol=1e-6)


def test_type_as_converts_to_the_other_dtype():
    assert tg.tensor([1, 2]).type_as(tg.tensor([0.5])).dtype is tg.float32


def test_hstack_and_vstack():
    a, b = tg.ones(2, 1), tg.zeros(2, 2)
    assert tg.hstack([a, b]).shape == (2, 3)
    assert tg.vstack([tg.ones(3), tg.zeros(3)]).shape == (2, 3)
    assert tg.hstack([tg.ones(2), tg.ones(3)]).shape == (5,)


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


def test_autograd_grad_refuses_create_graph():
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="higher-order"):
        tg.autograd.grad(x.sum(), x, create_graph=True)


def test_inference_mode_stops_recording_as_context_and_decorator():
    x = tg.ones(2, requires_grad=True)
    with tg.inference_mode():
        assert not (x * 2).requires_grad

    @tg.inference_mode()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert (x * 2).requires_grad
