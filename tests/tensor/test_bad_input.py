"""Bad input everywhere: PyTorch's error type, a message naming the shapes/values involved, and
nothing the user had is modified by the failing call.

Each case makes fresh inputs, then a call on them that must fail. Error types are PyTorch 2.13's
for the same call; message patterns ask for the shapes, dims or dtypes involved.
"""

from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest

import teachgrad as tg


class Case(NamedTuple):
    name: str
    inputs: Callable[[], tuple]
    call: Callable[..., Any]
    error: type
    pattern: str


def matrices():
    return tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True), tg.tensor([1.0, 2.0, 3.0, 4.0])


def matrix():
    return (tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True),)


def plain_matrix():
    return (tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),)


def ints():
    return (tg.tensor([1, 2, 3]),)


BROADCAST = r"(?=.*\(2, 3\))(?=.*\(4,\))"  # the message names both shapes, in any order


def out_of_range(dim: int, ndim: int = 2) -> str:
    return re.escape(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")

SHAPE_MISMATCHES = [
    Case("add", matrices, lambda a, b: a + b, RuntimeError, BROADCAST),
    Case("sub", matrices, lambda a, b: a - b, RuntimeError, BROADCAST),
    Case("mul", matrices, lambda a, b: a * b, RuntimeError, BROADCAST),
    Case("div", matrices, lambda a, b: a / b, RuntimeError, BROADCAST),
    Case("pow", matrices, lambda a, b: a ** b, RuntimeError, BROADCAST),
    Case("maximum", matrices, lambda a, b: tg.maximum(a, b), RuntimeError, BROADCAST),
    Case("lt", matrices, lambda a, b: a < b, RuntimeError, BROADCAST),
    Case("where", matrices, lambda a, b: tg.where(a > 2, a, b), RuntimeError, BROADCAST),
    Case("masked_fill", matrices, lambda a, b: a.masked_fill(b > 2, 0.0), RuntimeError, BROADCAST),
    Case("matmul", lambda: (tg.ones(2, 3, requires_grad=True), tg.ones(4, 5)), lambda a, b: a @ b, RuntimeError,
         re.escape("(2x3 and 4x5)")),
    Case("matmul with a vector", lambda: (tg.ones(3, 4), tg.ones(3)), lambda a, b: a @ b, RuntimeError, r"3x4.*3"),
    Case("mm of a vector", lambda: (tg.ones(3, 4), tg.ones(4)), lambda a, b: a.mm(b), RuntimeError, r"2-D.*1-D"),
    Case("bmm batch sizes", lambda: (tg.ones(2, 3, 4), tg.ones(3, 4, 5)), lambda a, b: a.bmm(b), RuntimeError, r"2.*3"),
    Case("dot", lambda: (tg.ones(3), tg.ones(4)), lambda a, b: a.dot(b), RuntimeError, r"3.*4"),
    Case("cat", matrices, lambda a, b: tg.cat([a, b.reshape(2, 2)]), RuntimeError, r"\[2, 3\].*\[2, 2\]"),
    Case("stack", matrices, lambda a, b: tg.stack([a, b.reshape(2, 2)]), RuntimeError, r"\[2, 3\].*\[2, 2\]"),
    Case("expand", matrix, lambda a: a.expand(3, 3), RuntimeError, r"\(3\).*\(2\)"),
    Case("expand with -1 in a new dim", matrix, lambda a: a.expand(-1, 2, 3), RuntimeError,
         re.escape("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0")),
    Case("gather index too large", matrix, lambda a: a.gather(1, tg.tensor([[0], [1], [0]])), RuntimeError, r"\[3, 1\].*\[2, 3\]"),
    Case("backward gradient", matrix, lambda a: (a * 2).backward(tg.ones(3, 2)), RuntimeError, r"\[3, 2\].*\[2, 3\]"),
    Case("add_", lambda: (tg.zeros(2, 3), tg.ones(4)), lambda a, b: a.add_(b), RuntimeError, BROADCAST),
    Case("copy_", lambda: (tg.zeros(2, 3), tg.ones(4)), lambda a, b: a.copy_(b), RuntimeError, r"\(4\)|\[4\]"),
    Case("setitem", lambda: (tg.zeros(2, 3), tg.ones(4)), lambda a, b: a.__setitem__(0, b), RuntimeError, r"\[3\].*\[4\]"),
]

BAD_DIMS = [
    Case("sum", matrix, lambda a: a.sum(2), IndexError, out_of_range(2)),
    Case("mean", matrix, lambda a: a.mean(-3), IndexError, out_of_range(-3)),
    Case("var", matrix, lambda a: a.var(2), IndexError, out_of_range(2)),
    Case("max", matrix, lambda a: a.max(dim=5), IndexError, out_of_range(5)),
    Case("argmax", matrix, lambda a: a.argmax(2), IndexError, out_of_range(2)),
    Case("softmax", matrix, lambda a: a.softmax(2), IndexError, out_of_range(2)),
    Case("log_softmax", matrix, lambda a: a.log_softmax(-3), IndexError, out_of_range(-3)),
    Case("logsumexp", matrix, lambda a: a.logsumexp(2), IndexError, out_of_range(2)),
    Case("transpose", matrix, lambda a: a.transpose(0, 2), IndexError, out_of_range(2)),
    Case("permute", matrix, lambda a: a.permute(0, 2), IndexError, out_of_range(2)),
    Case("squeeze", matrix, lambda a: a.squeeze(2), IndexError, out_of_range(2)),
    Case("unsqueeze", matrix, lambda a: a.unsqueeze(3), IndexError, out_of_range(3, ndim=3)),
    Case("size", matrix, lambda a: a.size(2), IndexError, out_of_range(2)),
    Case("flatten", matrix, lambda a: a.flatten(0, 2), IndexError, out_of_range(2)),
    Case("narrow", matrix, lambda a: a.narrow(2, 0, 1), IndexError, out_of_range(2)),
    Case("split", matrix, lambda a: a.split(1, 2), IndexError, out_of_range(2)),
    Case("gather", matrix, lambda a: a.gather(2, tg.tensor([[0]])), IndexError, out_of_range(2)),
    Case("cat", matrix, lambda a: tg.cat([a, a], dim=2), IndexError, out_of_range(2)),
    Case("stack", matrix, lambda a: tg.stack([a, a], dim=4), IndexError, out_of_range(4, ndim=3)),
    Case("repeated dim", matrix, lambda a: a.sum((0, 0)), RuntimeError, "appears multiple times"),
    Case("float dim", matrix, lambda a: a.sum(dim=1.5), TypeError, "1.5"),
]

INVALID_VIEWS = [
    Case("view of a transpose", matrix, lambda a: a.t().view(6), RuntimeError, r"view size is not compatible.*\[3, 2\]"),
    Case("view to another size", matrix, lambda a: a.view(4, 2), RuntimeError, re.escape("shape '[4, 2]' is invalid for input of size 6")),
    Case("reshape to another size", matrix, lambda a: a.reshape(5), RuntimeError, re.escape("shape '[5]' is invalid for input of size 6")),
    Case("two inferred dims", matrix, lambda a: a.view(-1, -1), RuntimeError, "only one dimension can be inferred"),
    Case("negative size", matrix, lambda a: a.view(-2, 3), RuntimeError, "invalid shape dimension -2"),
    Case("inferred size that does not divide", matrix, lambda a: a.view(4, -1), RuntimeError, re.escape("shape '[4, -1]' is invalid for input of size 6")),
    Case("unflatten", matrix, lambda a: a.unflatten(1, (2, 2)), RuntimeError, re.escape("shape '[2, 2, 2]' is invalid for input of size 6")),
    Case("repeat with fewer dims", matrix, lambda a: a.repeat(2), RuntimeError, "Number of dimensions of repeat dims"),
    Case("repeat a negative number of times", matrix, lambda a: a.repeat(-1, 2), RuntimeError, "Trying to create tensor with negative dimension -1"),
    Case("float size", matrix, lambda a: a.view(2, 3.0), TypeError, "expected a sequence of ints, got float: 3.0"),
]

BAD_DTYPES = [
    Case("requires_grad on int64", ints, lambda a: a.requires_grad_(), RuntimeError, "floating point.*int64"),
    Case("tensor of int64 with requires_grad", lambda: (), lambda: tg.tensor([1, 2], requires_grad=True), RuntimeError, "floating point"),
    Case("float tensor as index", matrix, lambda a: a[tg.tensor([0.0])], IndexError, "tensors used as indices must be long, int, byte or bool"),
    Case("float index for gather", matrix, lambda a: a.gather(1, tg.tensor([[0.0]])), RuntimeError, "gather\\(\\): Expected dtype int64 for index.*float32"),
    Case("int condition for where", matrix, lambda a: tg.where(tg.tensor([1, 0, 1]), a, 0.0), RuntimeError, "boolean.*int64"),
    Case("int mask for masked_fill", matrix, lambda a: a.masked_fill(tg.tensor([1, 0, 1]), 0.0), RuntimeError, "boolean.*int64"),
    Case("mean of int64", ints, lambda a: a.mean(), RuntimeError, "mean\\(\\): could not infer output dtype.*int64"),
    Case("var of int64", ints, lambda a: a.var(), RuntimeError, "floating point.*int64"),
    Case("float result into int64 in place", ints, lambda a: a.mul_(0.5), RuntimeError, "result type Float can't be cast to the desired output type Long"),
    Case("bitwise not of float", matrix, lambda a: ~a, TypeError, "float32"),
    Case("negation of bool", lambda: (tg.tensor([True]),), lambda a: -a, RuntimeError, "bool"),
    Case("int to a negative int power", ints, lambda a: a ** -1, RuntimeError, "Integers to negative integer powers are not allowed"),
    Case("rand with int64", lambda: (), lambda: tg.rand(2, dtype=tg.int64), RuntimeError, "int64"),
    Case("unsupported dtype", lambda: (), lambda: tg.zeros(2, dtype="complex64"), TypeError, "complex64"),
    Case("integer default dtype", lambda: (), lambda: tg.set_default_dtype(tg.int64), TypeError,
         "^only floating-point types are supported as the default type$"),
    Case("string operand", matrix, lambda a: a + "one", TypeError, "str"),
]


def expanded_row():
    return (tg.zeros(1, 3).expand(3, 3),)


def exactly(message: str) -> str:
    return "^" + re.escape(message)


OVERLAP = exactly("unsupported operation: more than one element of the written-to tensor refers to a single memory location. "
                  "Please clone() the tensor before performing the operation.")
INT64_OVERFLOW = exactly("value cannot be converted to type int64 without overflow")
LONG_INT_FLOAT = exactly("expected m1 and m2 to have the same dtype, but got: long int != float")

# Each of these once returned a wrong value without a word; the messages are PyTorch 2.13's (printed by it).
ONCE_SILENT = [
    Case("int beyond int64", lambda: (), lambda: tg.tensor([2**63]), ValueError, "Overflow when unpacking long long"),
    Case("int below int64", lambda: (), lambda: tg.tensor([[1], [-2**63 - 1]]), ValueError, "Overflow when unpacking long long"),
    Case("int beyond int64 next to a negative int", lambda: (), lambda: tg.tensor([2**63, -1]), ValueError,
         "Overflow when unpacking long long"),
    Case("uint64 array beyond int64", lambda: (), lambda: tg.tensor(np.array([2**63], dtype=np.uint64)), ValueError,
         r"uint64.*9223372036854775808.*int64"),
    Case("nan to int64", lambda: (), lambda: tg.tensor([float("nan")], dtype=tg.long), RuntimeError, INT64_OVERFLOW),
    Case("inf to int64", lambda: (), lambda: tg.tensor([1.0, float("inf")], dtype=tg.long), RuntimeError, INT64_OVERFLOW),
    Case("float beyond int64 to int64", lambda: (), lambda: tg.tensor([1e19], dtype=tg.long), RuntimeError, INT64_OVERFLOW),
    Case("full of nan as int64", lambda: (), lambda: tg.full((2,), float("nan"), dtype=tg.long), RuntimeError,
         "value cannot be converted to type int64_t without overflow"),
    Case("inf written into int64", ints, lambda a: a.__setitem__(0, float("inf")), RuntimeError,
         "value cannot be converted to type int64_t without overflow"),
    Case("bernoulli_ with p > 1", plain_matrix, lambda a: a.bernoulli_(1.5), RuntimeError,
         exactly("bernoulli_ expects p to be in [0, 1], but got p=1.5")),
    Case("bernoulli_ with a tensor of p < 0", plain_matrix, lambda a: a.bernoulli_(tg.tensor([0.5, -0.1, 0.5])), RuntimeError,
         r"bernoulli expects all elements of p to be in \[0, 1\]"),
    Case("bernoulli of probabilities > 1", plain_matrix, lambda a: tg.bernoulli(a), RuntimeError,
         r"bernoulli expects all elements of p to be in \[0, 1\]"),
    Case("bool minus bool", lambda: (tg.tensor([True]), tg.tensor([False])), lambda a, b: a - b, RuntimeError,
         exactly("Subtraction, the `-` operator, with two bool tensors is not supported.")),
    Case("bool tensor minus True", lambda: (tg.tensor([True]),), lambda a: a - True, RuntimeError,
         exactly("Subtraction, the `-` operator, with two bool tensors is not supported.")),
    Case("float minus bool", lambda: (tg.tensor([True]),), lambda a: 1.5 - a, RuntimeError,
         exactly("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
                 "use the `~` or `logical_not()` operator instead.")),
    Case("uniform_ with from > to", plain_matrix, lambda a: a.uniform_(1, 0), RuntimeError,
         exactly("uniform_ expects to return a [from, to) range, but found from=1 > to=0")),
    Case("uniform_ of int64", ints, lambda a: a.uniform_(), NotImplementedError, "uniform_.*int64"),
    Case("normal_ with std < 0", plain_matrix, lambda a: a.normal_(0, -1), RuntimeError,
         exactly("normal expects std >= 0.0, but found std -1")),
    Case("normal_ with a NaN std", plain_matrix, lambda a: a.normal_(0, float("nan")), RuntimeError,
         exactly("normal expects std >= 0.0, but found std nan")),
    Case("normal with std < 0", lambda: (), lambda: tg.normal(0.0, -1.0, size=(2,)), RuntimeError,
         exactly("normal expects std >= 0.0, but found std -1")),
    Case("normal with a tensor std < 0", lambda: (), lambda: tg.normal(tg.zeros(2), tg.tensor([1.0, -1.0])), RuntimeError,
         exactly("normal expects all elements of std >= 0.0")),
    Case("scatter_add index larger than src", lambda: (tg.zeros(2, 3),),
         lambda a: a.scatter_add(1, tg.zeros(2, 3, dtype=tg.long), tg.ones(2, 2)), RuntimeError,
         exactly("Expected index [2, 3] to be no larger than self [2, 3] apart from dimension 1 and to be no larger size "
                 "than src [2, 2]")),
    Case("scatter_add src of another dtype", lambda: (tg.zeros(2, 3),),
         lambda a: a.scatter_add(1, tg.zeros(2, 3, dtype=tg.long), tg.ones(2, 3, dtype=tg.long)), RuntimeError,
         exactly("scatter(): Expected self.dtype to be equal to src.dtype")),
    Case("index_select of a negative index", plain_matrix, lambda a: a.index_select(1, tg.tensor([-1])), RuntimeError,
         exactly("INDICES element is out of DATA bounds, id=-1 axis_dim=3")),
    Case("index_select of a 2-D index", plain_matrix, lambda a: a.index_select(1, tg.tensor([[0]])), IndexError,
         exactly("index_select(): Index is supposed to be a vector")),
    Case("int @ float vectors", lambda: (tg.tensor([1, 2]), tg.tensor([1.0, 2.0])), lambda a, b: a @ b, RuntimeError,
         exactly("dot : expected both vectors to have same dtype, but found Long and Float")),
    Case("int matrix @ float vector", lambda: (tg.ones(2, 2, dtype=tg.long), tg.ones(2)), lambda a, b: a @ b, RuntimeError,
         exactly("addmv input tensors must have the same dtype, but got Float, Long, and Float")),
    Case("int @ float matrices", lambda: (tg.ones(2, 2, dtype=tg.long), tg.ones(2, 2)), lambda a, b: a @ b, RuntimeError,
         LONG_INT_FLOAT),
    Case("int vector @ float matrix", lambda: (tg.ones(2, dtype=tg.long), tg.ones(2, 2)), lambda a, b: a @ b, RuntimeError,
         LONG_INT_FLOAT),
    Case("float @ double matrices", lambda: (tg.ones(2, 2), tg.ones(2, 2, dtype=tg.float64)), lambda a, b: a.mm(b),
         RuntimeError, exactly("expected m1 and m2 to have the same dtype, but got: float != double")),
    Case("int @ float batches", lambda: (tg.ones(1, 2, 2, dtype=tg.long), tg.ones(1, 2, 2)), lambda a, b: a @ b,
         RuntimeError, exactly("expected scalar type Long but found Float")),
    Case("linear of float input and int weight", lambda: (tg.ones(2, 2), tg.ones(2, 2, dtype=tg.long)),
         lambda a, b: tg.nn.functional.linear(a, b), RuntimeError,
         exactly("expected m1 and m2 to have the same dtype, but got: float != long int")),
    Case("bool matmul", lambda: (tg.ones(2, 2, dtype=tg.bool),), lambda a: a @ a, NotImplementedError, "not implemented for 'Bool'"),
    Case("add_ into an expanded view", expanded_row, lambda a: a.add_(1), RuntimeError, OVERLAP),
    Case("copy_ into an expanded view", expanded_row, lambda a: a.copy_(tg.ones(3, 3)), RuntimeError, OVERLAP),
    Case("uniform_ into an expanded view", expanded_row, lambda a: a.uniform_(), RuntimeError, OVERLAP),
    Case("setitem of a stride-0 column", expanded_row, lambda a: a.__setitem__((slice(None), 0), 1.0), RuntimeError, OVERLAP),
]

ALL = [("shape mismatch: " + c.name, c) for c in SHAPE_MISMATCHES] + [("bad dim: " + c.name, c) for c in BAD_DIMS] \
    + [("invalid view: " + c.name, c) for c in INVALID_VIEWS] + [("bad dtype: " + c.name, c) for c in BAD_DTYPES] \
    + [("once silent: " + c.name, c) for c in ONCE_SILENT]


@pytest.mark.parametrize("case", [c for _, c in ALL], ids=[name for name, _ in ALL])
def test_bad_input_raises_pytorchs_error_type_with_a_message_naming_what_was_wrong(case: Case) -> None:
    inputs = case.inputs()
    with pytest.raises(case.error, match=case.pattern):
        case.call(*inputs)


def snapshot(t: tg.Tensor) -> tuple:
    grad = None if t.grad is None else t.grad.tolist()
    return t.detach().tolist(), tuple(t.shape), t.stride(), t.dtype, t.requires_grad, t.grad_fn, grad


@pytest.mark.parametrize("case", [c for _, c in ALL], ids=[name for name, _ in ALL])
def test_failing_call_leaves_the_users_tensors_unchanged(case: Case) -> None:
    inputs = case.inputs()
    before = [snapshot(t) for t in inputs]
    with pytest.raises(case.error):
        case.call(*inputs)
    assert [snapshot(t) for t in inputs] == before


def test_failing_backward_keeps_the_gradient_already_accumulated() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    with pytest.raises(RuntimeError):
        (w * 2).backward(tg.ones(3))
    assert w.grad.tolist() == [3.0, 3.0]


def test_failing_from_numpy_leaves_the_array_unchanged() -> None:
    array = np.arange(4, dtype=np.int32)
    with pytest.raises(TypeError, match="int32"):
        tg.from_numpy(array)
    assert array.tolist() == [0, 1, 2, 3] and array.dtype == np.int32
