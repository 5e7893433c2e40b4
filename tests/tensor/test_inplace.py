"""In-place operations: values, autograd on non-leaves, refusal on leaves, the version counter.

Expected gradients are computed by hand in each test; error types and messages are PyTorch's.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.strides import has_internal_overlap, storage_positions

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
STALE_ERROR = "one of the variables needed for gradient computation has been modified by an inplace operation"


def set_item(t, key, value):
    t[key] = value
    return t


def iadd(t, other):
    t += other
    return t


def isub(t, other):
    t -= other
    return t


def imul(t, other):
    t *= other
    return t


def idiv(t, other):
    t /= other
    return t


# (name, in-place operation, expected values starting from [1., -2., 3.])
OPS = [
    ("add_", lambda t: t.add_(tg.tensor([1.0, 1.0, 1.0])), [2.0, -1.0, 4.0]),
    ("add_ with alpha", lambda t: t.add_(tg.tensor([1.0, 2.0, 3.0]), alpha=2), [3.0, 2.0, 9.0]),
    ("add_ of a number", lambda t: t.add_(0.5), [1.5, -1.5, 3.5]),
    ("sub_", lambda t: t.sub_(tg.tensor([1.0, 1.0, 1.0])), [0.0, -3.0, 2.0]),
    ("sub_ with alpha", lambda t: t.sub_(1.0, alpha=3), [-2.0, -5.0, 0.0]),
    ("mul_", lambda t: t.mul_(tg.tensor([2.0, 3.0, 4.0])), [2.0, -6.0, 12.0]),
    ("mul_ by a 0-d tensor", lambda t: t.mul_(tg.tensor(3.0)), [3.0, -6.0, 9.0]),
    ("zero_", lambda t: t.zero_(), [0.0, 0.0, 0.0]),
    ("fill_", lambda t: t.fill_(7.0), [7.0, 7.0, 7.0]),
    ("copy_", lambda t: t.copy_(tg.tensor([4.0, 5.0, 6.0])), [4.0, 5.0, 6.0]),
    ("copy_ of an int tensor", lambda t: t.copy_(tg.tensor([4, 5, 6])), [4.0, 5.0, 6.0]),
    ("copy_ broadcasts", lambda t: t.copy_(tg.tensor([9.0])), [9.0, 9.0, 9.0]),
    ("clamp_", lambda t: t.clamp_(-1.0, 2.0), [1.0, -1.0, 2.0]),
    ("clamp_ min only", lambda t: t.clamp_(min=0.0), [1.0, 0.0, 3.0]),
    ("clamp_ max only", lambda t: t.clamp_(max=0.0), [0.0, -2.0, 0.0]),
    ("+=", lambda t: iadd(t, 1.0), [2.0, -1.0, 4.0]),
    ("-=", lambda t: isub(t, tg.tensor([1.0, 2.0, 3.0])), [0.0, -4.0, 0.0]),
    ("*=", lambda t: imul(t, 2.0), [2.0, -4.0, 6.0]),
    ("/=", lambda t: idiv(t, tg.tensor([2.0, 4.0, 8.0])), [0.5, -0.5, 0.375]),
    ("__setitem__", lambda t: set_item(t, slice(1, None), 0.0), [1.0, 0.0, 0.0]),
]
IDS = [op[0] for op in OPS]


def start() -> tg.Tensor:
    return tg.tensor([1.0, -2.0, 3.0])


@pytest.mark.parametrize("name, op, expected", OPS, ids=IDS)
def test_inplace_op_writes_the_result_into_the_tensor(name, op, expected) -> None:
    x = start()
    result = op(x)
    assert x.tolist() == expected
    assert result is x


@pytest.mark.parametrize("name, op, expected", OPS, ids=IDS)
def test_inplace_op_writes_through_a_view_into_the_base(name, op, expected) -> None:
    base = tg.tensor([[1.0, 0.0], [-2.0, 0.0], [3.0, 0.0]])
    op(base[:, 0])
    assert base.tolist() == [[e, 0.0] for e in expected]


@pytest.mark.parametrize("name, op, expected", OPS, ids=IDS)
def test_inplace_op_on_a_leaf_requiring_grad_raises_and_changes_nothing(name, op, expected) -> None:
    w = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(LEAF_ERROR) if name != "__setitem__" else "leaf Variable"):
        op(w)
    assert w.detach().tolist() == [1.0, -2.0, 3.0]
    assert w.is_leaf and w.grad_fn is None


@pytest.mark.parametrize("name, op, expected", OPS, ids=IDS)
def test_inplace_op_on_a_leaf_under_no_grad_is_allowed_and_keeps_the_leaf(name, op, expected) -> None:
    w = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    with tg.no_grad():
        op(w)
    assert w.detach().tolist() == expected
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


# gradients through in-place operations on non-leaves: y = w * 2, then y is changed in place,
# then loss = sum(y * [1, 10, 100]); each case gives d loss / d w worked out by hand.
WEIGHTS = [1.0, 10.0, 100.0]
NON_LEAF_CASES = [
    ("add_", lambda y: y.add_(1.0), [2.0, 20.0, 200.0]),
    ("sub_ with alpha", lambda y: y.sub_(tg.tensor([1.0, 1.0, 1.0]), alpha=2), [2.0, 20.0, 200.0]),
    ("mul_", lambda y: y.mul_(3.0), [6.0, 60.0, 600.0]),
    ("*= then /=", lambda y: idiv(imul(y, 6.0), 3.0), [4.0, 40.0, 400.0]),
    ("+= then -=", lambda y: isub(iadd(y, 5.0), 1.0), [2.0, 20.0, 200.0]),
    # y = [2, -4, 6] clamped to [-1, 5]: only the first element is inside
    ("clamp_", lambda y: y.clamp_(-1.0, 5.0), [2.0, 0.0, 0.0]),
    ("zero_", lambda y: y.zero_(), [0.0, 0.0, 0.0]),
    ("fill_", lambda y: y.fill_(4.0), [0.0, 0.0, 0.0]),
    ("copy_", lambda y: y.copy_(tg.tensor([4.0, 5.0, 6.0])), [0.0, 0.0, 0.0]),
    ("__setitem__", lambda y: set_item(y, 1, 0.0), [2.0, 0.0, 200.0]),
]


@pytest.mark.parametrize("name, op, expected", NON_LEAF_CASES, ids=[c[0] for c in NON_LEAF_CASES])
def test_inplace_op_on_a_non_leaf_records_the_correct_gradient(name, op, expected) -> None:
    w = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = w * 2
    op(y)
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    (y * tg.tensor(WEIGHTS)).sum().backward()
    assert w.grad.tolist() == expected


def test_mul_by_a_tensor_requiring_grad_in_place_gives_both_gradients() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    v = tg.tensor([3.0, 4.0], requires_grad=True)
    y = w * 1
    y.mul_(v)
    y.sum().backward()
    assert w.grad.tolist() == [3.0, 4.0]
    assert v.grad.tolist() == [1.0, 2.0]


def test_copy_of_a_tensor_requiring_grad_passes_it_the_gradient() -> None:
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = tg.tensor([4.0, 5.0, 6.0], requires_grad=True)
    y = w * 2
    y.copy_(v * v)
    y.sum().backward()
    assert v.grad.tolist() == [8.0, 10.0, 12.0]
    assert w.grad.tolist() == [0.0, 0.0, 0.0]


def test_adding_a_tensor_requiring_grad_into_a_plain_tensor_gives_it_a_history() -> None:
    x = tg.zeros(3)
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x += w
    assert x.requires_grad and not x.is_leaf
    (x * x).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0, 6.0]


def test_sgd_step_under_no_grad_updates_the_leaf_and_backward_works_again() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with tg.no_grad():
        w -= 0.5 * w.grad
        w.grad.zero_()
    assert w.detach().tolist() == [0.0, 0.0]
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_recorded_inplace_op_on_a_view_rewrites_the_base_history() -> None:
    # Like PyTorch's CopySlices: y's history becomes "old y with the region multiplied by 3".
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = w * 1
    y[0:1].mul_(3.0)
    assert y.detach().tolist() == [3.0, 2.0]
    y.sum().backward()
    assert w.grad.tolist() == [3.0, 1.0]


def test_inplace_op_recorded_on_a_view_of_a_plain_tensor_gives_the_base_a_history() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.zeros(2, 2)
    row = x[0]
    row += w
    assert x.requires_grad
    (x * x).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_inplace_op_on_a_view_of_a_non_leaf_sends_gradients_to_both_histories() -> None:
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = tg.tensor([10.0, 20.0], requires_grad=True)
    x = a * 1.0
    x[1].mul_(w)
    (x * tg.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert x.tolist() == [[1.0, 2.0], [30.0, 80.0]]
    assert a.grad.tolist() == [[1.0, 2.0], [30.0, 80.0]]
    assert w.grad.tolist() == [9.0, 16.0]


def test_inplace_op_on_a_view_of_a_leaf_that_requires_grad_is_refused() -> None:
    a = tg.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        a[0].add_(1.0)


# dtypes and shapes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start_values, op",
    [([0, 0, 0], lambda t: t.add_(1.5)), ([1, 2], lambda t: idiv(t, 2)), ([1, 5], lambda t: t.clamp_(1.5)),
     ([4, 9], lambda t: t.sqrt_()), ([True, False], lambda t: t.add_(1))],
    ids=["int add_ float", "int /= int", "int clamp_ float", "int sqrt_", "bool add_ int"],
)
def test_inplace_op_whose_result_cannot_be_cast_back_raises_and_changes_nothing(start_values, op) -> None:
    x = tg.tensor(start_values)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        op(x)
    assert x.tolist() == start_values


def test_fill_and_copy_convert_floats_into_an_int_tensor_like_pytorch() -> None:
    x = tg.tensor([1, 5])
    x.fill_(1.5)
    assert x.tolist() == [1, 1]
    x.copy_(tg.tensor([1.7, 2.2]))
    assert x.tolist() == [1, 2]


def test_inplace_add_of_a_float64_tensor_keeps_float32() -> None:
    x = tg.tensor([1.0, 2.0])
    x.add_(tg.tensor([1.0, 2.0], dtype=tg.float64))
    assert x.dtype is tg.float32
    assert x.tolist() == [2.0, 4.0]


def test_inplace_add_broadcasts_the_other_operand() -> None:
    x = tg.zeros(2, 3)
    x.add_(tg.tensor([1.0, 2.0, 3.0]))
    assert x.tolist() == [[1.0, 2.0, 3.0]] * 2


@pytest.mark.parametrize(
    "op", [lambda t: t.add_(tg.ones(2)), lambda t: t.add_(tg.ones(2, 3)), lambda t: t.copy_(tg.ones(4)), lambda t: t.mul_(tg.ones(3, 1))],
    ids=["add_ mismatched", "add_ that would grow self", "copy_ mismatched", "mul_ that would grow self"],
)
def test_inplace_op_with_an_operand_of_the_wrong_shape_raises_and_changes_nothing(op) -> None:
    x = tg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"\(3,\)|\[3\]"):
        op(x)
    assert x.tolist() == [1.0, 2.0, 3.0]


# the version counter ---------------------------------------------------------------------------------------


def test_modifying_a_saved_input_under_no_grad_before_backward_raises() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    with tg.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match=STALE_ERROR + r".*is at version 1; expected version 0"):
        y.backward()


def test_modifying_a_saved_output_in_place_before_backward_raises() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = w.exp()  # exp saves its output for backward
    y.add_(1)
    with pytest.raises(RuntimeError, match=STALE_ERROR):
        y.sum().backward()


def test_modifying_a_saved_intermediate_used_by_a_later_operation_raises() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    a = w * 1
    b = a * a
    a.add_(1)
    with pytest.raises(RuntimeError, match=STALE_ERROR):
        b.sum().backward()


def test_modifying_a_saved_tensor_that_does_not_require_grad_raises() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.tensor([3.0, 4.0])
    y = (w * x).sum()
    x[0] = 7.0
    with pytest.raises(RuntimeError, match=STALE_ERROR):
        y.backward()


def test_modifying_a_saved_tensor_through_a_view_raises() -> None:
    w = tg.tensor([[1.0, 2.0]], requires_grad=True)
    x = tg.tensor([[3.0, 4.0]])
    y = (w * x).sum()
    x.t()[1].mul_(2)
    with pytest.raises(RuntimeError, match=STALE_ERROR):
        y.backward()


def test_modifying_a_saved_tensor_through_detach_raises() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    w.detach().mul_(2)
    with pytest.raises(RuntimeError, match=STALE_ERROR):
        y.backward()


def test_modifying_an_operand_that_was_not_saved_does_not_raise() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.tensor([3.0, 4.0])
    y = (w + x).sum()  # add saves nothing
    x.add_(1)
    y.backward()
    assert w.grad.tolist() == [1.0, 1.0]


def test_changes_through_data_are_not_tracked_like_in_pytorch() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    w.data.mul_(2)
    y.backward()
    assert w.grad.tolist() == [4.0, 8.0]  # backward reads the new values, as PyTorch does


def test_failed_backward_after_an_inplace_change_leaves_grad_untouched() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    y = (w * w).sum()
    with tg.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match=STALE_ERROR):
        y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])


OVERLAP_ERROR = "more than one element of the written-to tensor refers to a single memory location"


def test_inplace_op_on_an_expanded_view_raises_instead_of_writing_one_element_three_times() -> None:
    x = tg.zeros(1, 3)
    with pytest.raises(RuntimeError, match=OVERLAP_ERROR):  # PyTorch 2.13 refuses it the same way
        x.expand(3, 3).add_(1)
    assert x.tolist() == [[0.0, 0.0, 0.0]]


def test_recorded_inplace_op_on_an_expanded_view_raises_too() -> None:
    x = tg.zeros(1, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=OVERLAP_ERROR):
        (x * 1).expand(3, 3).mul_(2)


@pytest.mark.parametrize("name, fill", [
    ("fill_", lambda t: t.fill_(2.0)),
    ("zero_", lambda t: t.zero_()),
    ("masked_fill_", lambda t: t.masked_fill_(tg.ones(3, 3, dtype=tg.bool), 2.0)),
    ("setitem of a row", lambda t: set_item(t, 0, 2.0)),
    ("add_ on an expand to size 1", lambda t: t[:1].add_(0.0)),
])
def test_writes_that_cannot_disagree_are_allowed_on_an_expanded_view_as_in_pytorch(name, fill) -> None:
    x = tg.zeros(1, 3)
    fill(x.expand(3, 3))  # PyTorch 2.13 allows each of these: one value is written, or no element is shared
    assert x.tolist()[0] in ([2.0, 2.0, 2.0], [0.0, 0.0, 0.0])


@pytest.mark.parametrize("shape, strides, overlaps", [
    ((3, 3), (0, 1), True),     # an expanded row
    ((3, 2), (1, 1), True),     # positions 0 1 1 2 2 3, no stride 0
    ((3, 2), (2, 3), False),    # positions 0 3 2 5 4 7: the stride test fails, the positions do not collide
    ((2, 3), (3, 1), False),    # contiguous
    ((1, 3), (0, 1), False),    # stride 0 on a dim of size 1 shares nothing
])
def test_internal_overlap_is_detected_exactly(shape, strides, overlaps) -> None:
    positions = storage_positions(shape, strides, 0)
    assert overlaps == (np.unique(positions).size < positions.size)  # the definition, checked by numpy
    assert has_internal_overlap(shape, strides) == overlaps
