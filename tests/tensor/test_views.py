"""Storage and views: views share storage (zero-copy) and have PyTorch's strides and offsets.

Every (shape, stride, storage_offset) below was read off PyTorch 2.13 for the same view of
`arange(24.).reshape(2, 3, 4)`. Values are checked against numpy doing the same view.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import teachgrad as tg


def base() -> tg.Tensor:
    return tg.arange(24.0).reshape(2, 3, 4)


# (expression, view of x, the same view in numpy (None: same expression), shape, stride, offset)
VIEWS = [
    ("x.transpose(0, 2)", lambda x: x.transpose(0, 2), lambda a: a.transpose(2, 1, 0), (4, 3, 2), (1, 4, 12), 0),
    ("x.transpose(-1, -2)", lambda x: x.transpose(-1, -2), lambda a: a.swapaxes(-1, -2), (2, 4, 3), (12, 1, 4), 0),
    ("x.permute(2, 0, 1)", lambda x: x.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), (4, 2, 3), (1, 12, 4), 0),
    ("x.T", lambda x: x.T, lambda a: a.T, (4, 3, 2), (1, 4, 12), 0),
    ("x[0].t()", lambda x: x[0].t(), lambda a: a[0].T, (4, 3), (1, 4), 0),
    ("x.mT", lambda x: x.mT, lambda a: a.swapaxes(-1, -2), (2, 4, 3), (12, 1, 4), 0),
    ("x[:, :, :1].expand(2, 3, 5)", lambda x: x[:, :, :1].expand(2, 3, 5), lambda a: np.broadcast_to(a[:, :, :1], (2, 3, 5)), (2, 3, 5), (12, 4, 0), 0),
    ("x.expand(4, 2, 3, 4)", lambda x: x.expand(4, 2, 3, 4), lambda a: np.broadcast_to(a, (4, 2, 3, 4)), (4, 2, 3, 4), (0, 12, 4, 1), 0),
    ("x[:, :1].expand(-1, 3, -1)", lambda x: x[:, :1].expand(-1, 3, -1), lambda a: np.broadcast_to(a[:, :1], (2, 3, 4)), (2, 3, 4), (12, 0, 1), 0),
    ("x[0, 0].broadcast_to((3, 4))", lambda x: x[0, 0].broadcast_to((3, 4)), lambda a: np.broadcast_to(a[0, 0], (3, 4)), (3, 4), (0, 1), 0),
    ("x[1]", lambda x: x[1], lambda a: a[1], (3, 4), (4, 1), 12),
    ("x[:, 1]", lambda x: x[:, 1], lambda a: a[:, 1], (2, 4), (12, 1), 4),
    ("x[..., 2]", lambda x: x[..., 2], lambda a: a[..., 2], (2, 3), (12, 4), 2),
    ("x[:, 1:3]", lambda x: x[:, 1:3], lambda a: a[:, 1:3], (2, 2, 4), (12, 4, 1), 4),
    ("x[..., ::2]", lambda x: x[..., ::2], lambda a: a[..., ::2], (2, 3, 2), (12, 4, 2), 0),
    ("x[:, ::2, 1::2]", lambda x: x[:, ::2, 1::2], lambda a: a[:, ::2, 1::2], (2, 2, 2), (12, 8, 2), 1),
    ("x[-1, -2:]", lambda x: x[-1, -2:], lambda a: a[-1, -2:], (2, 4), (4, 1), 16),
    ("x[0, :, -3:-1]", lambda x: x[0, :, -3:-1], lambda a: a[0, :, -3:-1], (3, 2), (4, 1), 1),
    ("x[None]", lambda x: x[None], lambda a: a[None], (1, 2, 3, 4), (24, 12, 4, 1), 0),
    ("x[:, None]", lambda x: x[:, None], lambda a: a[:, None], (2, 1, 3, 4), (12, 12, 4, 1), 0),
    ("x[..., None]", lambda x: x[..., None], lambda a: a[..., None], (2, 3, 4, 1), (12, 4, 1, 1), 0),
    ("x[..., None, 1]", lambda x: x[..., None, 1], lambda a: a[..., None, 1], (2, 3, 1), (12, 4, 4), 1),
    ("x[0, None, ::3]", lambda x: x[0, None, ::3], lambda a: a[0, None, ::3], (1, 1, 4), (12, 12, 1), 0),
    ("x.unsqueeze(0)", lambda x: x.unsqueeze(0), lambda a: a[None], (1, 2, 3, 4), (24, 12, 4, 1), 0),
    ("x.unsqueeze(1)", lambda x: x.unsqueeze(1), lambda a: a[:, None], (2, 1, 3, 4), (12, 12, 4, 1), 0),
    ("x.unsqueeze(-1)", lambda x: x.unsqueeze(-1), lambda a: a[..., None], (2, 3, 4, 1), (12, 4, 1, 1), 0),
    ("x[:, :1].squeeze(1)", lambda x: x[:, :1].squeeze(1), lambda a: a[:, 0], (2, 4), (12, 1), 0),
    ("x[:1].squeeze()", lambda x: x[:1].squeeze(), lambda a: a[0], (3, 4), (4, 1), 0),
    ("x[:, :, :1].squeeze(-1)", lambda x: x[:, :, :1].squeeze(-1), lambda a: a[:, :, 0], (2, 3), (12, 4), 0),
    ("x.view(6, 4)", lambda x: x.view(6, 4), lambda a: a.reshape(6, 4), (6, 4), (4, 1), 0),
    ("x.view(-1)", lambda x: x.view(-1), lambda a: a.reshape(-1), (24,), (1,), 0),
    ("x.view(4, 3, 2)", lambda x: x.view(4, 3, 2), lambda a: a.reshape(4, 3, 2), (4, 3, 2), (6, 2, 1), 0),
    ("x.reshape(3, 8)", lambda x: x.reshape(3, 8), lambda a: a.reshape(3, 8), (3, 8), (8, 1), 0),
    ("x.flatten()", lambda x: x.flatten(), lambda a: a.reshape(-1), (24,), (1,), 0),
    ("x.flatten(1)", lambda x: x.flatten(1), lambda a: a.reshape(2, 12), (2, 12), (12, 1), 0),
    ("x.flatten(0, 1)", lambda x: x.flatten(0, 1), lambda a: a.reshape(6, 4), (6, 4), (4, 1), 0),
    ("x.view_as(zeros(4, 6))", lambda x: x.view_as(tg.zeros(4, 6)), lambda a: a.reshape(4, 6), (4, 6), (6, 1), 0),
    ("x.narrow(2, 1, 2)", lambda x: x.narrow(2, 1, 2), lambda a: a[:, :, 1:3], (2, 3, 2), (12, 4, 1), 1),
    ("x.transpose(0, 1)[1]", lambda x: x.transpose(0, 1)[1], lambda a: a[:, 1], (2, 4), (12, 1), 4),
    ("x.permute(1, 0, 2)[:, 1:]", lambda x: x.permute(1, 0, 2)[:, 1:], lambda a: a.transpose(1, 0, 2)[:, 1:], (3, 1, 4), (4, 12, 1), 12),
    ("x[:, :, 1].view(6)", lambda x: x[:, :, 1].view(6), lambda a: a[:, :, 1].reshape(6), (6,), (4,), 1),
]
IDS = [v[0] for v in VIEWS]
WRITABLE = [v for v in VIEWS if "expand" not in v[0] and "broadcast" not in v[0]]


@pytest.mark.parametrize("name, view, numpy_view, shape, stride, offset", VIEWS, ids=IDS)
def test_view_has_pytorchs_shape_strides_and_offset(name, view, numpy_view, shape, stride, offset) -> None:
    v = view(base())
    assert v.shape == shape
    assert v.stride() == stride
    assert v.storage_offset() == offset


@pytest.mark.parametrize("name, view, numpy_view, shape, stride, offset", VIEWS, ids=IDS)
def test_view_shows_the_same_values_as_numpy(name, view, numpy_view, shape, stride, offset) -> None:
    np.testing.assert_array_equal(view(base()).numpy(), numpy_view(np.arange(24.0).reshape(2, 3, 4)))


@pytest.mark.parametrize("name, view, numpy_view, shape, stride, offset", VIEWS, ids=IDS)
def test_changing_the_base_in_place_changes_the_view(name, view, numpy_view, shape, stride, offset) -> None:
    x = base()
    v = view(x)
    x.mul_(-1)
    np.testing.assert_array_equal(v.numpy(), numpy_view(-np.arange(24.0).reshape(2, 3, 4)))


@pytest.mark.parametrize("name, view, numpy_view, shape, stride, offset", WRITABLE, ids=[v[0] for v in WRITABLE])
def test_writing_through_the_view_changes_the_base(name, view, numpy_view, shape, stride, offset) -> None:
    x, expected = base(), np.arange(24.0).reshape(2, 3, 4)
    view(x).fill_(-1.0)
    numpy_view(expected)[...] = -1.0
    np.testing.assert_array_equal(x.numpy(), expected)


def test_views_of_views_chain_back_to_the_same_storage() -> None:
    x = base()
    x.transpose(0, 2)[1:].unsqueeze(0).squeeze(0)[0, 0, 0] = 100.0
    assert x[0, 0, 1].item() == 100.0


# copies, not views --------------------------------------------------------------------------------------


def test_reshape_of_a_non_contiguous_tensor_copies() -> None:
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x.t().reshape(4)
    assert y.tolist() == [1.0, 3.0, 2.0, 4.0]
    y[0] = 7.0
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_flatten_of_a_transpose_copies() -> None:
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x.t().flatten()
    y[0] = 7.0
    assert x.tolist()[0][0] == 1.0


def test_view_of_a_strided_slice_with_evenly_spaced_elements_is_allowed() -> None:
    y = base()[..., ::2].view(12)
    assert y.stride() == (2,)
    assert y.tolist() == list(range(0, 24, 2))


def test_reshape_of_a_strided_column_that_can_be_viewed_is_a_view() -> None:
    x = base()
    y = x[:, :, 1].reshape(6)
    assert y.stride() == (4,)
    y[0] = 100.0
    assert x[0, 0, 1].item() == 100.0


def test_flip_is_a_copy_like_in_pytorch() -> None:
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x.flip(0)
    assert y.tolist() == [[3.0, 4.0], [1.0, 2.0]]
    y[0, 0] = 7.0
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_advanced_indexing_is_a_copy() -> None:
    x = tg.tensor([1.0, 2.0, 3.0])
    y = x[[0, 2]]
    y[0] = 100.0
    assert x.tolist() == [1.0, 2.0, 3.0]


# view rules ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, shape",
    [(lambda x: x.transpose(0, 1), (6, 4)), (lambda x: x.transpose(1, 2), (2, 12)), (lambda x: x[:, :, 1:3], (12,))],
    ids=["transpose(0,1).view(6,4)", "transpose(1,2).view(2,12)", "[:, :, 1:3].view(12)"],
)
def test_view_of_a_non_contiguous_tensor_that_needs_a_copy_raises_pytorchs_error(make, shape) -> None:
    with pytest.raises(RuntimeError, match=re.escape(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
            "two contiguous subspaces)")) as error:
        make(base()).view(*shape)
    assert "reshape" in str(error.value)


def test_view_infers_one_minus_one() -> None:
    assert base().view(2, -1, 2).shape == (2, 6, 2)


def test_view_with_two_minus_ones_raises() -> None:
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        base().view(-1, -1)


@pytest.mark.parametrize("shape", [(5, 5), (2, -1, 7)])
def test_view_to_a_size_with_another_element_count_raises_naming_both(shape) -> None:
    with pytest.raises(RuntimeError, match=re.escape(f"shape '{list(shape)}' is invalid for input of size 24")):
        base().view(*shape)


def test_squeeze_with_a_dim_of_size_other_than_one_keeps_the_shape() -> None:
    assert base().squeeze(0).shape == (2, 3, 4)


def test_squeeze_without_dim_removes_every_size_one_dim() -> None:
    assert tg.zeros(1, 2, 1, 3, 1).squeeze().shape == (2, 3)


def test_flatten_of_a_zero_dim_tensor_is_one_dim() -> None:
    assert tg.tensor(3.0).flatten().shape == (1,)


def test_flatten_with_start_after_end_raises() -> None:
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        base().flatten(2, 1)


def test_transposing_twice_gives_back_the_original_layout() -> None:
    x = base()
    y = x.transpose(0, 2).transpose(0, 2)
    assert y.stride() == x.stride() and y.tolist() == x.tolist()


def test_expand_to_a_mismatched_non_singleton_size_raises_naming_the_sizes() -> None:
    with pytest.raises(RuntimeError, match=re.escape(
            "expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0")):
        base().expand(3, 3, 4)


def test_expand_to_fewer_dims_raises() -> None:
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(2, 3, 4\)"):
        base().expand(2, 3)


def test_permute_with_a_repeated_dim_raises() -> None:
    with pytest.raises(RuntimeError, match="permute"):
        base().permute(0, 0, 1)


def test_t_of_a_3d_tensor_raises() -> None:
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D"):
        base().t()


def test_slicing_with_a_negative_step_raises_value_error() -> None:
    with pytest.raises(ValueError, match="step must be greater than zero"):
        base()[:, ::-1]
