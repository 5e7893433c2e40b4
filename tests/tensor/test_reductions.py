"""Reductions' PyTorch semantics beyond forward values (which the op registry checks): which dims
an empty `dim` means, keepdim shapes, the (values, indices) result and where gradients go on ties."""

from __future__ import annotations

import re

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.autograd import gradcheck


def matrix(requires_grad: bool = False) -> tg.Tensor:
    return tg.tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 7.0]], requires_grad=requires_grad)


@pytest.mark.parametrize("empty", [(), []], ids=["tuple", "list"])
@pytest.mark.parametrize(
    "reduce, expected",
    [(lambda x, d: x.sum(dim=d), 25.0), (lambda x, d: x.mean(dim=d), 25.0 / 6), (lambda x, d: x.amax(dim=d), 7.0),
     (lambda x, d: x.var(dim=d), 6.566666603088379)],
    ids=["sum", "mean", "amax", "var"],
)
def test_an_empty_dim_list_reduces_over_all_dims_like_pytorch(reduce, expected, empty) -> None:
    out = reduce(matrix(), empty)
    assert out.shape == ()
    assert out.item() == pytest.approx(expected)


def test_sum_over_an_empty_dim_list_with_keepdim_keeps_every_dim_as_size_one() -> None:
    assert matrix().sum(dim=(), keepdim=True).tolist() == [[25.0]]


def test_keepdim_keeps_reduced_dims_as_size_one() -> None:
    assert matrix().sum(dim=1, keepdim=True).shape == (2, 1)
    assert matrix().mean(dim=(0, 1), keepdim=True).shape == (1, 1)


def test_var_correction_zero_and_unbiased_false_divide_by_n() -> None:
    x = matrix()
    assert x.var(dim=1, correction=0).tolist() == pytest.approx([8 / 3, 50 / 9])
    assert x.var(dim=1, unbiased=False).tolist() == pytest.approx([8 / 3, 50 / 9])
    assert x.var(dim=1).tolist() == pytest.approx([4.0, 25 / 3])


def test_max_with_dim_returns_values_and_indices_by_name_and_position() -> None:
    result = matrix().max(dim=1)
    values, indices = result
    assert result.values.tolist() == values.tolist() == [5.0, 7.0]
    assert result.indices.tolist() == indices.tolist() == [1, 0]
    assert indices.dtype is tg.int64


def test_max_over_everything_shares_the_gradient_between_ties() -> None:
    x = matrix(requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0], [0.5, 0.0, 0.5]]


def test_max_along_a_dim_gives_the_whole_gradient_to_the_first_maximum() -> None:
    x = matrix(requires_grad=True)
    x.max(dim=1).values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_argmax_without_dim_indexes_the_flattened_tensor() -> None:
    assert matrix().argmax().item() == 3
    assert matrix().argmin(dim=1).tolist() == [0, 1]


def _value_and_grad(reduce, values, **kwargs):
    x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    out = reduce(x, **kwargs)
    out.sum().backward()
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"p": 1}, {"p": 3, "dim": 1}, {"p": 0.5}],
                         ids=["all", "dim", "p=1", "p=3 dim", "p=0.5"])
def test_norm_of_zeros_has_gradient_zero_like_pytorch(kwargs) -> None:
    # PyTorch 2.13: norm backward is masked to 0 where the norm (or, for p < 1, x) is 0
    value, grad = _value_and_grad(lambda x, **k: x.norm(**k), np.zeros((2, 3)), **kwargs)
    assert np.all(value == 0.0)
    np.testing.assert_array_equal(grad, np.zeros((2, 3)))


def test_norm_gradient_is_x_over_the_norm_away_from_zero() -> None:
    value, grad = _value_and_grad(lambda x: x.norm(dim=1), [[3.0, -4.0], [0.0, 0.0]])
    np.testing.assert_allclose(value, [5.0, 0.0])
    np.testing.assert_allclose(grad, [[0.6, -0.8], [0.0, 0.0]])


def test_norm_with_negative_p_matches_pytorch() -> None:
    # PyTorch 2.13: tensor([1., 2.]).norm(p=-1) = 0.6667, gradient [0.4444, 0.1111]
    value, grad = _value_and_grad(lambda x: x.norm(p=-1), [1.0, 2.0])
    np.testing.assert_allclose(value, 2 / 3)
    np.testing.assert_allclose(grad, [4 / 9, 1 / 9])


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}], ids=["all", "dim"])
def test_std_of_equal_values_has_gradient_zero_like_pytorch(kwargs) -> None:
    value, grad = _value_and_grad(lambda x, **k: x.std(**k), [2.0, 2.0, 2.0, 2.0], **kwargs)
    assert value == 0.0
    np.testing.assert_array_equal(grad, np.zeros(4))


DOF_MESSAGE = ("degrees of freedom is <= 0. Correction should be strictly less than the reduction factor "
               r"\(input numel divided by output numel\).")


@pytest.mark.parametrize(
    "name, values, correction, value, grad",
    [("var", [1.0], 1, np.nan, [np.nan]), ("std", [1.0], 1, np.nan, [np.nan]),
     ("var", [1.0, 3.0], 2, np.inf, [np.inf, np.inf]), ("std", [1.0, 3.0], 2, np.inf, [np.nan, np.nan]),
     ("var", [1.0, 1.0], 2, np.nan, [np.nan, np.nan]), ("var", [1.0, 3.0], 3, np.inf, [np.inf, np.inf])],
    ids=["var N=1", "std N=1", "var N=correction", "std N=correction", "var equal values", "var N<correction"])
def test_var_and_std_without_degrees_of_freedom_warn_and_give_pytorchs_values(name, values, correction, value, grad) -> None:
    # values, gradients and the warning as printed by PyTorch 2.13
    x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    with pytest.warns(UserWarning, match=rf"^{name}\(\): {DOF_MESSAGE}$"):
        out = getattr(x, name)(correction=correction)
    out.backward()
    np.testing.assert_array_equal(out.item(), value)
    np.testing.assert_array_equal(x.grad.numpy(), grad)


def test_var_along_a_dim_of_size_one_is_nan_with_a_nan_gradient() -> None:
    x = tg.tensor([[1.0], [2.0]], dtype=tg.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="var"):
        out = x.var(dim=1)
    out.sum().backward()
    assert np.isnan(out.detach().numpy()).all() and np.isnan(x.grad.numpy()).all()


@pytest.mark.parametrize("shape, dim, expected", [((0,), 0, -np.inf), ((2, 0), 1, [-np.inf] * 2),
                                                  ((0, 3), 0, [-np.inf] * 3), ((0, 3), 1, np.zeros(0)),
                                                  ((2, 0), (0, 1), -np.inf)])
def test_logsumexp_over_an_empty_dim_is_minus_infinity_like_pytorch(shape, dim, expected) -> None:
    out = tg.zeros(*shape).logsumexp(dim)
    np.testing.assert_array_equal(out.numpy(), expected)


def test_logsumexp_over_an_empty_dim_has_an_empty_gradient() -> None:
    x = tg.zeros(0, 3, requires_grad=True)
    x.logsumexp(0).sum().backward()
    assert x.grad.shape == (0, 3)


NUMPY_NAMED = ["sum", "mean", "var", "std", "prod", "amax", "amin", "argmax", "argmin", "all", "any", "logsumexp"]


@pytest.mark.parametrize("name", NUMPY_NAMED)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_accept_numpys_axis_and_keepdims_like_pytorch(name, keepdims):
    x = tg.tensor([[0.5, 2.0, -1.0], [3.0, 0.25, 1.5]])
    by_numpy_names = getattr(x, name)(axis=1, keepdims=keepdims)
    by_pytorch_names = getattr(x, name)(dim=1, keepdim=keepdims)
    functional = getattr(tg, name)(x, axis=1, keepdims=keepdims)
    assert tuple(by_numpy_names.shape) == ((2, 1) if keepdims else (2,))
    np.testing.assert_array_equal(by_numpy_names.numpy(), by_pytorch_names.numpy())
    np.testing.assert_array_equal(functional.numpy(), by_pytorch_names.numpy())


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_along_an_axis_give_values_and_indices(name):
    x = tg.tensor([[0.5, 2.0, -1.0], [3.0, 0.25, 1.5]])
    values, indices = getattr(tg, name)(x, axis=0)
    np.testing.assert_array_equal(values.numpy(), getattr(np, name)(x.numpy(), axis=0))
    np.testing.assert_array_equal(indices.numpy(), getattr(np, f"arg{name}")(x.numpy(), axis=0))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_accepts_axis(name):
    x = tg.tensor([[0.5, 2.0, -1.0], [3.0, 0.25, 1.5]])
    np.testing.assert_array_equal(getattr(x, name)(axis=0).numpy(), getattr(x, name)(0).numpy())


def test_dim_and_axis_together_are_refused_as_in_pytorch():
    with pytest.raises(TypeError, match="sum\\(\\) got an unexpected keyword argument 'axis'"):
        tg.ones(2, 3).sum(dim=0, axis=0)


def test_an_unknown_keyword_of_a_reduction_is_named():
    with pytest.raises(TypeError, match="mean\\(\\) got an unexpected keyword argument 'axes'"):
        tg.ones(2, 3).mean(axes=0)


# sort, argsort, topk ------------------------------------------------------------------------------


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


# cumsum -------------------------------------------------------------------------------------------


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


# norm and unique -----------------------------------------------------------------------------------


def test_norm_of_each_order_matches_numpy():
    x = np.array([[3.0, -4.0], [1.0, 2.0]])
    t = tg.tensor(x)
    assert t.norm().item() == pytest.approx(np.linalg.norm(x))
    np.testing.assert_allclose(t.norm(p=1, dim=1).numpy(), np.abs(x).sum(1))
    assert tg.norm(t, p=float("inf")).item() == 4.0
    np.testing.assert_allclose(t.norm(p=3, dim=0, keepdim=True).numpy(), np.linalg.norm(x, 3, axis=0, keepdims=True))


def test_unique_with_inverse_and_counts():
    values, inverse, counts = tg.unique(tg.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3] and inverse.tolist() == [2, 0, 2, 1] and counts.tolist() == [1, 1, 2]


def test_median_of_an_even_count_is_the_lower_middle_value_like_pytorch() -> None:
    assert tg.tensor([3.0, 1.0, 2.0, 4.0]).median().item() == 2.0


def test_median_along_dim_gives_values_and_indices() -> None:
    values, indices = tg.median(tg.tensor([[3.0, 1.0, 5.0], [0.0, 9.0, 8.0]]), 1)
    assert values.tolist() == [3.0, 8.0] and indices.tolist() == [0, 2]


def test_median_of_a_line_holding_nan_is_nan_at_the_nan() -> None:
    values, indices = tg.tensor([[1.0, float("nan"), 0.0]]).median(1, keepdim=True)
    assert np.isnan(values.item()) and indices.tolist() == [[1]]


def test_median_of_an_empty_tensor_is_nan() -> None:
    assert np.isnan(tg.tensor([]).median().item())


def test_median_gradient_goes_to_the_chosen_element() -> None:
    x = tg.tensor([4.0, 1.0, 3.0, 2.0], requires_grad=True)
    x.median().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]


def test_cumprod_of_integers_is_int64() -> None:
    out = tg.tensor([1, 2, 3]).cumprod(0)
    assert out.dtype is tg.int64 and out.tolist() == [1, 2, 6]


def test_cumprod_gradient_through_a_zero_is_the_product_of_the_others() -> None:
    # d/dx_j of sum_i prod_{k<=i} x_k, x = [2, 0, 3]: [1 + 0 + 0, 2 + 6, 0] (no division by the zero)
    x = tg.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.cumprod(0).sum().backward()
    assert x.grad.tolist() == [1.0, 8.0, 0.0]


def test_multinomial_with_a_seeded_generator_repeats_its_draws() -> None:
    probs = tg.tensor([[0.1, 0.0, 0.9], [1.0, 1.0, 1.0]])
    first = probs.multinomial(5, replacement=True, generator=tg.Generator().manual_seed(3))
    again = tg.multinomial(probs, 5, True, generator=tg.Generator().manual_seed(3))
    assert first.dtype is tg.int64 and first.shape == (2, 5) and first.tolist() == again.tolist()
    assert 1 not in first[0].tolist()


def test_multinomial_without_replacement_draws_each_category_at_most_once() -> None:
    drawn = tg.tensor([1.0, 2.0, 3.0, 4.0]).multinomial(4)
    assert sorted(drawn.tolist()) == [0, 1, 2, 3]


@pytest.mark.parametrize("probs, n, message", [
    ([0.5, 0.5], 3, "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
    ([0.0, 0.0], 1, "invalid multinomial distribution (sum of probabilities <= 0)"),
    ([-1.0, 2.0], 1, "probability tensor contains either `inf`, `nan` or element < 0"),
])
def test_multinomial_refuses_a_bad_distribution_with_pytorchs_message(probs, n, message) -> None:
    with pytest.raises(RuntimeError, match=re.escape(message)):
        tg.tensor(probs).multinomial(n)


def test_einsum_of_attention_scores_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    q, k = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 6, 5))
    out = tg.einsum("bhqd,bhkd->bhqk", tg.tensor(q), tg.tensor(k))
    np.testing.assert_allclose(out.numpy(), np.einsum("bhqd,bhkd->bhqk", q, k), rtol=1e-12)


def test_einsum_broadcasts_a_size_one_dim_and_takes_operands_as_a_list() -> None:
    a, b = tg.tensor([[1.0, 2.0, 3.0]]), tg.tensor([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    assert tg.einsum("ij,ij->ij", [a, b]).tolist() == (a * b).tolist()


def test_einsum_gradient_of_a_matrix_product_is_g_times_the_other_operand_transposed() -> None:
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = tg.tensor([[5.0], [6.0]])
    tg.einsum("ij,jk->ik", a, b).sum().backward()
    assert a.grad.tolist() == [[5.0, 6.0], [5.0, 6.0]]


def test_max_with_dim_prints_like_pytorchs_return_types() -> None:
    # PyTorch 2.13 prints torch.return_types.max(\nvalues=tensor([5., 7.]),\nindices=tensor([1, 0]))
    assert repr(matrix().max(dim=1)) == "teachgrad.return_types.max(\nvalues=tensor([5., 7.]),\nindices=tensor([1, 0]))"


@pytest.mark.parametrize("name, call", [
    ("max", lambda x: x.max(1)), ("min", lambda x: x.min(1)), ("sort", lambda x: x.sort(1)),
    ("topk", lambda x: x.topk(2)), ("median", lambda x: x.median(1)),
])
def test_values_and_indices_results_are_teachgrad_return_types_tuples(name, call) -> None:
    result = call(matrix())
    assert type(result) is getattr(tg.return_types, name) and isinstance(result, tuple) and len(result) == 2
    assert result[0] is result.values and result[1] is result.indices


def test_prod_gradient_is_the_product_of_the_other_elements_even_with_zeros() -> None:
    rows = np.array([[2.0, 0.0, 3.0], [0.0, 4.0, 0.0], [1.5, -2.0, 0.5]])
    x = tg.tensor(rows, requires_grad=True)
    x.prod(dim=1).sum().backward()
    expected = [[np.prod(np.delete(row, j)) for j in range(3)] for row in rows]  # numpy, no division by x
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_prod_of_everything_is_differentiable() -> None:
    x = tg.tensor([[1.5, -2.0], [0.5, 4.0]], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [[-4.0, 3.0], [-12.0, -1.5]]  # prod(x) / x = -6 / x, with no zero in x
