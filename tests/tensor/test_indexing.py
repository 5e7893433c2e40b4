"""Indexing: ints, slices, None, ..., integer tensors/lists and boolean masks, with gradients.

numpy's indexing rules are PyTorch's for these keys, so numpy is the reference for values; the
reference gradient of x[key] with upstream gradient g is `np.add.at(zeros, key, g)` (repeated
elements add up).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import teachgrad as tg

VALUES = np.arange(24.0).reshape(2, 3, 4)


def as_numpy_key(key):
    """The same key for numpy: tensors become arrays."""
    key = key if isinstance(key, tuple) else (key,)
    return tuple(k.numpy() if isinstance(k, tg.Tensor) else k for k in key)


KEYS = [
    ("int", 1),
    ("negative int", -1),
    ("two ints", (1, 2)),
    ("three negative ints", (-1, -2, -3)),
    ("slice", slice(1, None)),
    ("slice with step", (slice(None), slice(None, None, 2))),
    ("negative slice bounds", (slice(None), slice(-2, None), slice(-3, -1))),
    ("slice past the end", slice(1, 10)),
    ("empty slice", (slice(None), slice(2, 1))),
    ("None", (None, 0)),
    ("None in the middle", (slice(None), None, 1)),
    ("ellipsis", (Ellipsis, 1)),
    ("ellipsis and None", (0, Ellipsis, None)),
    ("int and slices", (1, slice(0, 2), slice(1, None, 2))),
    ("list of ints", [1, 0, 1]),
    ("int tensor", tg.tensor([1, 0, 1])),
    ("negative int tensor", (slice(None), tg.tensor([-1, 0]))),
    ("2-D int tensor", (0, tg.tensor([[0, 1], [2, 2]]))),
    ("two int tensors", (tg.tensor([0, 1]), tg.tensor([2, 0]))),
    ("int tensors that broadcast", (tg.tensor([[0], [1]]), slice(None), tg.tensor([1, 3]))),
    ("list after a slice", (slice(None), slice(None), [3, 0])),
    ("int and list", (1, [0, 2])),
    ("0-d int tensor", tg.tensor(1)),
    ("boolean mask of the same shape", tg.tensor(VALUES % 3 == 0)),
    ("boolean mask on the first dims", tg.tensor([[True, False, True], [False, False, True]])),
    ("boolean mask on a later dim", (slice(None), tg.tensor([False, True, True]))),
]
KEY_IDS = [name for name, _ in KEYS]


@pytest.mark.parametrize("name, key", KEYS, ids=KEY_IDS)
def test_indexing_selects_what_numpy_selects(name, key) -> None:
    got = tg.tensor(VALUES)[key]
    expected = VALUES.astype(np.float32)[as_numpy_key(key)]
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.parametrize("name, key", KEYS, ids=KEY_IDS)
def test_indexing_gradient_scatters_the_upstream_gradient_back(name, key) -> None:
    x = tg.tensor(VALUES, dtype=tg.float64, requires_grad=True)
    y = x[key]
    upstream = np.arange(1.0, 1.0 + y.numel()).reshape(tuple(y.shape))
    y.backward(tg.tensor(upstream, dtype=tg.float64))
    expected = np.zeros_like(VALUES)
    np.add.at(expected, as_numpy_key(key), upstream)
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_repeated_indices_add_their_gradients() -> None:
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_basic_indexing_returns_a_view() -> None:
    x = tg.tensor(VALUES)
    x[1, :, ::2][0, 1] = -5.0
    assert x[1, 0, 2].item() == -5.0


def test_indexing_with_a_mask_made_by_a_comparison() -> None:
    x = tg.tensor([[1.0, -2.0], [-3.0, 4.0]])
    assert x[x > 0].tolist() == [1.0, 4.0]


# __setitem__ -------------------------------------------------------------------------------------------


SETS = [
    ("int with a number", 1, 5.0),
    ("slice with a row that broadcasts", (slice(None), 1), tg.tensor([7.0, 8.0, 9.0, 10.0])),
    ("slice with steps", (Ellipsis, slice(None, None, 2)), -1.0),
    ("None and ellipsis", (None, 0, Ellipsis), 3.0),
    ("list of ints", [1, 0], tg.tensor([[[0.5]]])),
    ("int tensor pairs", (tg.tensor([0, 1]), tg.tensor([2, 0]), tg.tensor([3, 1])), tg.tensor([100.0, 200.0])),
    ("boolean mask", tg.tensor(VALUES > 10), 0.0),
]


@pytest.mark.parametrize("name, key, value", SETS, ids=[s[0] for s in SETS])
def test_setitem_writes_what_numpy_writes(name, key, value) -> None:
    x = tg.tensor(VALUES)
    x[key] = value
    expected = VALUES.astype(np.float32).copy()
    expected[as_numpy_key(key)] = value.numpy() if isinstance(value, tg.Tensor) else value
    np.testing.assert_array_equal(x.numpy(), expected)


def test_setitem_converts_the_value_to_the_tensors_dtype() -> None:
    x = tg.tensor([1, 5])
    x[0] = 2.7
    assert x.tolist() == [2, 5]
    assert x.dtype is tg.int64


def test_setitem_on_a_non_leaf_passes_gradients_to_the_rest_and_to_the_value() -> None:
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = tg.tensor([7.0], requires_grad=True)
    y = w * 2
    y[1:2] = v * 3
    assert y.tolist() == [2.0, 21.0, 6.0]
    (y * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert w.grad.tolist() == [2.0, 0.0, 6.0]
    assert v.grad.tolist() == [6.0]


def test_setitem_with_a_mask_on_a_non_leaf_gives_zero_gradient_where_overwritten() -> None:
    w = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = w * 1
    y[y < 0] = 0.0
    y.sum().backward()
    assert w.grad.tolist() == [1.0, 0.0, 1.0]


def test_setitem_of_a_value_requiring_grad_into_a_plain_tensor_records_the_history() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.zeros(2, 2)
    x[0] = w
    assert x.requires_grad and not x.is_leaf
    (x * x).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_augmented_assignment_on_an_indexed_plain_tensor_records_the_history() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.zeros(2, 2)
    x[0] += w
    (x * x).sum().backward()
    assert x.tolist() == [[1.0, 2.0], [0.0, 0.0]]
    assert w.grad.tolist() == [2.0, 4.0]


# bad indices ---------------------------------------------------------------------------------------------


BAD_KEYS = [
    ("int out of bounds", (2,), IndexError, "index 2 is out of bounds for dimension 0 with size 2"),
    ("negative int out of bounds", (1, slice(None), -5), IndexError, "index -5 is out of bounds for dimension 2 with size 4"),
    ("too many indices", (0, 0, 0, 0), IndexError, "too many indices for tensor of dimension 3"),
    ("list out of bounds", ([0, 3],), IndexError, "index 3 is out of bounds for dimension 0 with size 2"),
    ("float tensor", (tg.tensor([0.0, 1.0]),), IndexError, "tensors used as indices must be long, int, byte or bool tensors"),
    ("mask of the wrong shape", (tg.tensor([True, False, True]),), IndexError, None),
    ("float", (1.5,), IndexError, "only integers, slices"),
    ("negative step", (slice(None, None, -1),), ValueError, "step must be greater than zero"),
]


@pytest.mark.parametrize("name, key, error, message", BAD_KEYS, ids=[b[0] for b in BAD_KEYS])
def test_bad_index_raises_pytorchs_error_type_naming_the_index(name, key, error, message) -> None:
    # a mask of the wrong shape: the message must name both sizes (PyTorch's wording differs from numpy's)
    with pytest.raises(error, match=re.escape(message) if message else r"(?s)(3.*2)|(2.*3)"):
        tg.tensor(VALUES)[key]


@pytest.mark.parametrize("name, key, error, message", BAD_KEYS, ids=[b[0] for b in BAD_KEYS])
def test_setitem_at_a_bad_index_raises_and_leaves_the_tensor_unchanged(name, key, error, message) -> None:
    x = tg.tensor(VALUES)
    with pytest.raises(error):
        x[key] = 1.0
    np.testing.assert_array_equal(x.numpy(), VALUES)


def test_setitem_with_a_value_of_the_wrong_shape_raises_and_leaves_the_tensor_unchanged() -> None:
    x = tg.zeros(2, 3)
    with pytest.raises(RuntimeError, match=re.escape("Target sizes: [3]. Tensor sizes: [2]")):
        x[0] = tg.tensor([1.0, 2.0])
    assert x.tolist() == [[0.0] * 3] * 2


BAD_SCATTERS = {  # each refused by PyTorch 2.13 with this message
    "index beyond the size": ((1, tg.tensor([[0, 5, 1], [0, 0, 0]]), tg.ones(2, 3)),
                              "index 5 is out of bounds for dimension 1 with size 3"),
    "index larger than src": ((1, tg.zeros(2, 3, dtype=tg.long), tg.ones(2, 2)),
                              "Expected index [2, 3] to be no larger than self [2, 3] apart from dimension 1 and to be "
                              "no larger size than src [2, 2]"),
    "index larger than self": ((1, tg.zeros(3, 3, dtype=tg.long), tg.ones(3, 3)),
                               "Expected index [3, 3] to be no larger than self [2, 3] apart from dimension 1 and to be "
                               "no larger size than src [3, 3]"),
}


@pytest.mark.parametrize("backend", ["reference", "numba"])
@pytest.mark.parametrize("name", list(BAD_SCATTERS))
def test_scatter_add_refuses_a_bad_index_the_same_way_on_every_backend(name, backend) -> None:
    args, message = BAD_SCATTERS[name]
    x = tg.zeros(2, 3)
    with tg.backend(backend), pytest.raises(RuntimeError, match="^" + re.escape(message)):
        x.scatter_add(*args)
    assert x.tolist() == [[0.0] * 3] * 2


def test_scatter_add_of_a_smaller_index_adds_only_the_indexed_part_of_src() -> None:
    src = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = tg.zeros(2, 3).scatter_add(1, tg.tensor([[2], [0]]), src)
    assert out.tolist() == [[0.0, 0.0, 1.0], [4.0, 0.0, 0.0]]  # PyTorch 2.13's value


def test_gather_index_too_large_names_both_shapes_in_pytorchs_words() -> None:
    with pytest.raises(RuntimeError, match=re.escape(
            "Size does not match at dimension 0 expected index [3, 1] to be no larger than self [2, 3] apart from dimension 1")):
        tg.zeros(2, 3).gather(1, tg.zeros(3, 1, dtype=tg.long))


@pytest.mark.parametrize("index, expected", [
    (tg.tensor([2, 0]), [[3.0, 1.0], [6.0, 4.0]]),
    (tg.tensor(1), [[2.0], [5.0]]),                       # a 0-d index selects one column, kept as a dim
    (tg.tensor([], dtype=tg.long), [[], []]),
])
def test_index_select_takes_whole_slices_at_a_vector_of_positions(index, expected) -> None:
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.index_select(1, index).tolist() == expected  # PyTorch 2.13's values


def test_index_select_refuses_an_index_beyond_the_size_with_pytorchs_message() -> None:
    with pytest.raises(RuntimeError, match=re.escape("INDICES element is out of DATA bounds, id=3 axis_dim=3")):
        tg.zeros(2, 3).index_select(1, tg.tensor([0, 3]))


# nonzero and where(condition) ---------------------------------------------------------------------


def test_nonzero_lists_coordinates_in_row_major_order():
    x = tg.tensor([[0.0, 1.0], [2.0, 0.0]])
    assert tg.nonzero(x).tolist() == [[0, 1], [1, 0]]
    assert [t.tolist() for t in x.nonzero(as_tuple=True)] == [[0, 1], [1, 0]]


def test_where_with_only_a_condition_is_nonzero_as_tuple():
    rows, cols = tg.where(tg.tensor([[0, 3], [4, 0]]) > 0)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]


# the scatter family (values: PyTorch 2.13, as printed by /tmp/torchenv) ----------------------------------
def test_scatter_writes_a_value_at_each_label_to_build_one_hot_rows() -> None:
    labels = tg.tensor([2, 0, 1])
    one_hot = tg.zeros(3, 4).scatter_(1, labels.unsqueeze(1), 1.0)
    assert one_hot.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]


def test_scatter_in_place_on_a_computed_tensor_sends_gradients_to_src_and_to_the_unwritten_entries() -> None:
    x = tg.ones(2, 3, requires_grad=True)
    src = tg.tensor([[5.0], [6.0]], requires_grad=True)
    out = (x * 2).scatter_(1, tg.tensor([[1], [2]]), src)
    (out * tg.arange(6.0).reshape(2, 3)).sum().backward()
    assert out.tolist() == [[2, 5, 2], [2, 2, 6]]
    assert x.grad.tolist() == [[0, 0, 4], [6, 8, 0]]  # 2 * weight where x's value survived
    assert src.grad.tolist() == [[1], [5]]


def test_scatter_with_reduce_add_adds_like_scatter_add() -> None:
    out = tg.ones(3).scatter(0, tg.tensor([0, 0, 2]), tg.tensor([1.0, 2.0, 3.0]), reduce="add")
    assert out.tolist() == [4.0, 1.0, 4.0]


def test_scatter_reduce_mean_without_self_averages_only_what_lands_there() -> None:
    out = tg.zeros(2, 3).scatter_reduce(1, tg.tensor([[0, 0], [1, 2]]), tg.tensor([[1.0, 2.0], [3.0, 4.0]]), "mean",
                                        include_self=False)
    assert out.tolist() == [[1.5, 0.0, 0.0], [0.0, 3.0, 4.0]]


def test_scatter_reduce_mean_of_integers_rounds_down_like_pytorch() -> None:
    out = tg.tensor([[1, 1, 1], [1, 1, 1]]).scatter_reduce(1, tg.tensor([[0, 0], [1, 2]]), tg.tensor([[1, 2], [3, 4]]), "mean")
    assert out.tolist() == [[1, 1, 1], [1, 2, 2]]


def test_scatter_reduce_amax_of_integers_keeps_self_where_nothing_lands() -> None:
    out = tg.tensor([5, -7, 0]).scatter_reduce(0, tg.tensor([1, 1, 0]), tg.tensor([-9, -3, 2]), "amax", include_self=False)
    assert out.tolist() == [2, -3, 0]


def test_scatter_add_in_place_adds_into_the_tensor_itself() -> None:
    counts = tg.zeros(3, dtype=tg.int64)
    counts.scatter_add_(0, tg.tensor([2, 0, 2]), tg.ones(3, dtype=tg.int64))
    assert counts.tolist() == [1, 0, 2]


def test_scatter_in_place_refuses_a_leaf_that_requires_grad() -> None:
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        tg.zeros(3, requires_grad=True).scatter_(0, tg.tensor([0]), 1.0)


def test_index_add_in_place_adds_repeated_rows_scaled_by_alpha() -> None:
    x = tg.zeros(3, 2).index_add_(0, tg.tensor([0, 2, 0]), tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), alpha=2)
    assert x.tolist() == [[12.0, 16.0], [0.0, 0.0], [6.0, 8.0]]


def test_index_fill_in_place_fills_whole_columns() -> None:
    assert tg.zeros(2, 3).index_fill_(1, tg.tensor([0, 2]), -1.0).tolist() == [[-1, 0, -1], [-1, 0, -1]]


def test_index_put_with_accumulate_adds_repeated_positions_and_without_it_replaces() -> None:
    rows = (tg.tensor([0, 0, 2]),)
    assert tg.zeros(3).index_put_(rows, tg.tensor(2.0), accumulate=True).tolist() == [4.0, 0.0, 2.0]
    assert tg.zeros(3).index_put_(rows, tg.tensor(2.0)).tolist() == [2.0, 0.0, 2.0]


def test_masked_scatter_in_place_fills_the_masked_places_with_sources_leading_elements_in_order() -> None:
    x = tg.zeros(2, 2).masked_scatter_(tg.tensor([[True, False], [True, True]]), tg.tensor([5.0, 6.0, 7.0, 8.0]))
    assert x.tolist() == [[5.0, 0.0], [6.0, 7.0]]


def test_take_along_dim_without_dim_indexes_the_flattened_tensor() -> None:
    assert tg.arange(6.0).reshape(2, 3).take_along_dim(tg.tensor([5, 0])).tolist() == [5.0, 0.0]


def test_take_along_dim_picks_the_argmax_of_each_row() -> None:
    x = tg.tensor([[1.0, 9.0, 3.0], [7.0, 2.0, 0.0]])
    assert tg.take_along_dim(x, x.argmax(1, keepdim=True), dim=1).tolist() == [[9.0], [7.0]]


def test_gather_and_scatter_keep_integer_and_bool_dtypes() -> None:
    index = tg.tensor([[1, 0]])
    for values in (tg.tensor([[4, 5, 6]]), tg.tensor([[True, False, True]])):
        assert values.gather(1, index).dtype is values.dtype
        assert values.scatter(1, index, values[:, :2]).tolist() == [[values[0, 1].item(), values[0, 0].item(),
                                                                     values[0, 2].item()]]


# repeats, rolls, grids ------------------------------------------------------------------------------------
def test_repeat_interleave_without_dim_repeats_each_element_of_the_flattened_tensor() -> None:
    assert tg.tensor([[1, 2], [3, 4]]).repeat_interleave(2).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]


def test_repeat_interleave_of_counts_alone_repeats_each_position() -> None:
    assert tg.repeat_interleave(tg.tensor([1, 2])).tolist() == [0, 1, 1]


def test_roll_without_dims_rolls_the_flattened_tensor_and_keeps_the_shape() -> None:
    assert tg.arange(6).reshape(2, 3).roll(1).tolist() == [[5, 0, 1], [2, 3, 4]]


def test_roll_along_two_dims_moves_rows_and_columns() -> None:
    assert tg.roll(tg.arange(6).reshape(2, 3), (1, -1), (0, 1)).tolist() == [[4, 5, 3], [1, 2, 0]]


def test_meshgrid_xy_gives_grids_of_shape_len_y_by_len_x() -> None:
    gx, gy = tg.meshgrid(tg.tensor([1, 2]), tg.tensor([10, 20, 30]), indexing="xy")
    assert gx.tolist() == [[1, 2]] * 3 and gy.tolist() == [[10, 10], [20, 20], [30, 30]]


def test_meshgrid_without_indexing_warns_and_uses_ij() -> None:
    with pytest.warns(UserWarning, match="indexing argument"):
        gx, _ = tg.meshgrid([tg.tensor([1, 2]), tg.tensor([10, 20, 30])])
    assert gx.shape == (2, 3)


def test_meshgrid_refuses_a_matrix() -> None:
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        tg.meshgrid(tg.ones(2, 2), indexing="ij")


def test_scatter_refuses_a_reduce_other_than_add_or_multiply_with_pytorchs_message() -> None:
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply."):
        tg.zeros(3).scatter(0, tg.tensor([0]), 1.0, reduce="foo")
