"""Reductions' PyTorch semantics beyond forward values (which the op registry checks): which dims
an empty `dim` means, keepdim shapes, the (values, indices) result and where gradients go on ties."""

from __future__ import annotations

import pytest

import teachgrad as tg


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
