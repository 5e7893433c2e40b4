"""dtypes and PyTorch's type-promotion rules (expected dtypes and values read off PyTorch 2.13)."""

from __future__ import annotations

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.kernels.reference import wrap_int64


def test_dtype_aliases_name_the_same_dtypes_as_in_pytorch() -> None:
    assert tg.float is tg.float32
    assert tg.double is tg.float64
    assert tg.long is tg.int64
    assert tg.bool.name == "bool"


def test_dtype_prints_with_the_teachgrad_prefix() -> None:
    assert repr(tg.float32) == "teachgrad.float32"
    assert repr(tg.int64) == "teachgrad.int64"


@pytest.mark.parametrize(
    "data, dtype",
    [(1.5, tg.float32), ([1, 2], tg.int64), ([True, False], tg.bool), ([1, 2.5], tg.float32), ([True, 2], tg.int64)],
    ids=["float", "int", "bool", "int-and-float", "bool-and-int"],
)
def test_python_data_gets_pytorchs_default_dtype(data, dtype) -> None:
    assert tg.tensor(data).dtype is dtype


def test_comparisons_give_bool_tensors() -> None:
    result = tg.tensor([1, 2, 3]) > 1
    assert result.dtype is tg.bool
    assert result.tolist() == [False, True, True]


def f64(values) -> tg.Tensor:
    return tg.tensor(values, dtype=tg.float64)


PROMOTIONS = [
    ("int tensor * 2.5", lambda: tg.tensor([1, 2]) * 2.5, tg.float32, [2.5, 5.0]),
    ("int tensor * 2", lambda: tg.tensor([1, 2]) * 2, tg.int64, [2, 4]),
    ("float32 tensor * float64 0-d tensor", lambda: tg.tensor([1.0, 2.0]) * f64(2.0), tg.float32, [2.0, 4.0]),
    ("float32 tensor * float64 1-d tensor", lambda: tg.tensor([1.0, 2.0]) * f64([2.0]), tg.float64, [2.0, 4.0]),
    ("int tensor + float64 0-d tensor", lambda: tg.tensor([1, 2]) + f64(2.5), tg.float64, [3.5, 4.5]),
    ("int 0-d tensor + float64 tensor", lambda: tg.tensor(1) + f64([1.0, 2.0]), tg.float64, [2.0, 3.0]),
    ("float64 0-d * float32 0-d", lambda: f64(1.0) * tg.tensor(1.0), tg.float64, 1.0),
    ("int 0-d tensor * 2.5", lambda: tg.tensor(3) * 2.5, tg.float32, 7.5),
    ("bool + bool", lambda: tg.tensor([True, False]) + tg.tensor([True, True]), tg.bool, [True, True]),
    ("bool * bool", lambda: tg.tensor([True, False]) * tg.tensor([True, True]), tg.bool, [True, False]),
    ("bool + int tensor", lambda: tg.tensor([True]) + tg.tensor([3]), tg.int64, [4]),
    ("bool tensor + 1", lambda: tg.tensor([True, False]) + 1, tg.int64, [2, 1]),
    ("bool tensor * 2.5", lambda: tg.tensor([True, False]) * 2.5, tg.float32, [2.5, 0.0]),
    ("int tensor + True", lambda: tg.tensor([1, 2]) + True, tg.int64, [2, 3]),
    ("float32 tensor + 2", lambda: tg.tensor([1.0, 2.0]) + 2, tg.float32, [3.0, 4.0]),
    ("int / int", lambda: tg.tensor([1, 3]) / tg.tensor([2, 2]), tg.float32, [0.5, 1.5]),
    ("int ** 0.5", lambda: tg.tensor([1, 4]) ** 0.5, tg.float32, [1.0, 2.0]),
    ("bool 0-d + int tensor", lambda: tg.tensor(True) + tg.tensor([1, 2]), tg.int64, [2, 3]),
    ("int 0-d + bool tensor", lambda: tg.tensor(5) + tg.tensor([True, False]), tg.int64, [6, 5]),
    ("float64 0-d + bool tensor", lambda: f64(0.5) + tg.tensor([True, False]), tg.float64, [1.5, 0.5]),
    ("float64 < float32", lambda: f64([1.0]) < tg.tensor([2.0]), tg.bool, [True]),
    ("where(int, float)", lambda: tg.where(tg.tensor([True, False]), tg.tensor([1, 2]), tg.tensor([0.5, 0.5])), tg.float32, [1.0, 0.5]),
    ("maximum(int, float)", lambda: tg.maximum(tg.tensor([1, 5]), tg.tensor([2.5, 2.5])), tg.float32, [2.5, 5.0]),
    ("cat(int, float64)", lambda: tg.cat([tg.tensor([1, 2]), f64([0.5])]), tg.float64, [1.0, 2.0, 0.5]),
]


@pytest.mark.parametrize("name, compute, dtype, values", PROMOTIONS, ids=[p[0] for p in PROMOTIONS])
def test_result_dtype_and_values_follow_pytorchs_promotion(name, compute, dtype, values) -> None:
    result = compute()
    assert result.dtype is dtype
    assert result.tolist() == values


def test_promote_types_takes_the_higher_dtype() -> None:
    assert tg.promote_types(tg.int64, tg.float32) is tg.float32
    assert tg.promote_types(tg.float64, tg.float32) is tg.float64
    assert tg.promote_types(tg.bool, tg.int64) is tg.int64


def test_sum_of_ints_and_bools_is_int64() -> None:
    assert tg.tensor([1, 2]).sum().dtype is tg.int64
    assert tg.tensor([True, True, False]).sum().tolist() == 2


def test_float_only_math_on_ints_gives_float32() -> None:
    assert tg.tensor([1, 2]).exp().dtype is tg.float32
    assert tg.tensor([4]).sqrt().tolist() == [2.0]


def test_abs_and_neg_of_ints_stay_int64() -> None:
    assert tg.tensor([-1, 2]).abs().dtype is tg.int64
    assert (-tg.tensor([1])).dtype is tg.int64


def test_mean_of_an_int_tensor_raises_like_pytorch() -> None:
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        tg.tensor([1, 2]).mean()


def test_integers_to_negative_integer_powers_raise() -> None:
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        tg.tensor([1, 2]) ** -1


def test_negating_a_bool_tensor_raises() -> None:
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor is not supported"):
        -tg.tensor([True])


def test_requires_grad_on_an_int_tensor_raises() -> None:
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        tg.tensor([1, 2], requires_grad=True)


def test_requires_grad_underscore_on_a_bool_tensor_raises() -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        tg.tensor([True]).requires_grad_()


def test_float64_tensor_can_require_grad() -> None:
    assert tg.tensor([1.0], dtype=tg.float64, requires_grad=True).requires_grad


def test_gradient_has_the_dtype_of_the_leaf_after_promotion_to_float64() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = w * f64([3.0, 4.0])
    assert y.dtype is tg.float64
    y.sum().backward()
    assert w.grad.dtype is tg.float32
    assert w.grad.tolist() == [3.0, 4.0]


def test_set_default_dtype_float64_changes_python_float_results() -> None:
    tg.set_default_dtype(tg.float64)  # the autouse fixture restores float32
    assert tg.tensor([1.5]).dtype is tg.float64
    assert (tg.tensor([1, 2]) * 2.5).dtype is tg.float64
    assert tg.arange(0.0, 1.0, 0.5).dtype is tg.float64


def test_set_default_dtype_rejects_an_integer_dtype_with_pytorchs_message() -> None:
    with pytest.raises(TypeError, match="^only floating-point types are supported as the default type$"):
        tg.set_default_dtype(tg.int64)


def test_set_default_dtype_rejects_what_is_not_a_dtype_with_pytorchs_message() -> None:
    # torch.set_default_dtype("float64") raises this TypeError (PyTorch 2.13)
    with pytest.raises(TypeError, match="^invalid dtype object: only floating-point types are supported as the default type$"):
        tg.set_default_dtype("float64")


def test_numpy_dtypes_are_accepted_where_a_dtype_is_expected() -> None:
    assert tg.zeros(2, dtype=np.float64).dtype is tg.float64
    assert tg.tensor([1.0]).to(np.int64).dtype is tg.int64


INT64_MIN = -(2**63)
WRAPPING = {  # int64 arithmetic wraps modulo 2**64; values printed by PyTorch 2.13
    "mul": (lambda: tg.tensor([2**62]) * 4, [0]),
    "add": (lambda: tg.tensor([2**62]) + tg.tensor([2**62]), [INT64_MIN]),
    "sum": (lambda: tg.tensor([2**62, 2**62, 2**62]).sum(), -(2**62)),
    "prod": (lambda: tg.tensor([2**62, 4]).prod(), 0),
    "matmul": (lambda: tg.tensor([[2**62, 2**62]]) @ tg.tensor([[2], [1]]), [[-(2**62)]]),
    "neg": (lambda: -tg.tensor([INT64_MIN]), [INT64_MIN]),
    "pow": (lambda: tg.tensor([3]) ** 100, [-2984622845537545263]),
    "float to int64": (lambda: tg.tensor([float("inf"), float("-inf"), float("nan"), 1e19, -2.5], dtype=tg.float64).long(),
                       [INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, -2]),
}


@pytest.mark.parametrize("backend", ["reference", "numba"])
@pytest.mark.parametrize("name", list(WRAPPING))
def test_int64_overflow_wraps_like_pytorch_on_every_backend(name, backend) -> None:
    compute, expected = WRAPPING[name]
    with tg.backend(backend):
        assert compute().tolist() == expected


@pytest.mark.parametrize("value, expected", [
    (2**63, INT64_MIN), (2**64 + 5, 5), (-(2**63) - 1, 2**63 - 1), (7, 7), (True, 1),
    (2.9, 2), (-2.9, -2), (float("inf"), INT64_MIN), (float("nan"), INT64_MIN), (2.0**63, INT64_MIN),
])
def test_reference_wrap_int64_matches_the_int64_bits_numpy_keeps(value, expected) -> None:
    assert wrap_int64(value) == expected
    if isinstance(value, int):  # numpy's view of the low 64 bits, an independent reference
        assert np.array([value % 2**64], dtype=np.uint64).view(np.int64)[0] == expected


def test_python_ints_beyond_int64_make_a_float_tensor_when_the_data_or_dtype_is_floating() -> None:
    assert tg.tensor([2**63, 1.5]).tolist() == [2.0**63, 1.5]  # PyTorch 2.13: float32 values 9.2234e+18, 1.5
    assert tg.tensor([2**64], dtype=tg.float64).tolist() == [2.0**64]


def test_a_numpy_float_array_converts_to_int64_like_pytorch() -> None:
    with np.errstate(invalid="ignore"):
        out = tg.tensor(np.array([np.nan, 1e19, 2.5]), dtype=tg.long)
    assert out.tolist() == [INT64_MIN, INT64_MIN, 2]  # PyTorch 2.13 converts arrays without a check


def test_masked_fill_keeps_the_dtype_of_the_filled_tensor() -> None:
    out = tg.tensor([1, 2]).masked_fill(tg.tensor([True, False]), tg.tensor(1.5))
    assert out.dtype is tg.int64 and out.tolist() == [1, 2]  # PyTorch 2.13: tensor([1, 2])


def test_logical_xor_is_true_where_exactly_one_is_nonzero() -> None:
    assert tg.tensor([True, False, True]).logical_xor(tg.tensor([True, True, False])).tolist() == [False, True, True]
    assert tg.tensor([0.0, 2.0]).logical_xor(tg.tensor([1, 2])).tolist() == [True, False]


# numbers and numpy scalars mixed with tensors -----------------------------------------------------


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


def test_type_as_converts_to_the_other_dtype():
    assert tg.tensor([1, 2]).type_as(tg.tensor([0.5])).dtype is tg.float32
