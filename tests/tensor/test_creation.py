"""Creation functions with PyTorch's signatures, dtype inference and dtype=/device=/requires_grad= keywords."""

from __future__ import annotations

import re

import numpy as np
import pytest

import teachgrad as tg

# tensor, as_tensor, from_numpy ------------------------------------------------------------------


def test_tensor_copies_a_numpy_array() -> None:
    array = np.arange(3.0)
    t = tg.tensor(array)
    array[0] = 9.0
    assert t.tolist() == [0.0, 1.0, 2.0]


def test_tensor_keeps_the_dtype_of_a_numpy_array_and_of_a_numpy_scalar() -> None:
    assert tg.tensor(np.array([1.0, 2.0])).dtype is tg.float64
    assert tg.tensor(np.float64(2.5)).dtype is tg.float64
    assert tg.tensor(np.array([1, 2], dtype=np.int64)).dtype is tg.int64


def test_tensor_accepts_dtype_device_and_requires_grad_keywords() -> None:
    t = tg.tensor([1, 2], dtype=tg.float64, device="cpu", requires_grad=True)
    assert t.dtype is tg.float64
    assert str(t.device) == "cpu"
    assert t.requires_grad and t.is_leaf


def test_tensor_of_a_list_of_zero_dim_tensors_stacks_their_values() -> None:
    assert tg.tensor([tg.tensor(1.0), tg.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_tensor_of_a_ragged_list_raises_value_error() -> None:
    with pytest.raises(ValueError):
        tg.tensor([[1, 2], [3]])


def test_tensor_of_strings_raises() -> None:
    with pytest.raises((TypeError, ValueError)):
        tg.tensor(["a"])


def test_empty_list_gives_an_empty_float32_tensor() -> None:
    t = tg.tensor([])
    assert t.shape == (0,)
    assert t.dtype is tg.float32


def test_as_tensor_shares_memory_with_a_numpy_array_of_a_supported_dtype() -> None:
    array = np.arange(3.0)
    t = tg.as_tensor(array)
    array[0] = 9.0
    assert t.tolist() == [9.0, 1.0, 2.0]


def test_as_tensor_copies_when_a_dtype_conversion_is_needed() -> None:
    array = np.arange(3.0)
    t = tg.as_tensor(array, dtype=tg.float32)
    array[0] = 9.0
    assert t.tolist() == [0.0, 1.0, 2.0]


def test_as_tensor_returns_a_tensor_unchanged() -> None:
    t = tg.tensor([1.0, 2.0])
    assert tg.as_tensor(t) is t


def test_as_tensor_of_a_list_infers_the_dtype() -> None:
    assert tg.as_tensor([1, 2]).dtype is tg.int64


@pytest.mark.parametrize("np_dtype, dtype", [(np.float32, tg.float32), (np.float64, tg.float64), (np.int64, tg.int64), (np.bool_, tg.bool)])
def test_from_numpy_keeps_the_dtype(np_dtype, dtype) -> None:
    assert tg.from_numpy(np.zeros(3, dtype=np_dtype)).dtype is dtype


def test_from_numpy_shares_memory_in_both_directions() -> None:
    array = np.arange(3, dtype=np.float32)
    t = tg.from_numpy(array)
    array[0] = 9.0
    t[1] = 7.0
    assert t.tolist() == [9.0, 7.0, 2.0]
    assert array.tolist() == [9.0, 7.0, 2.0]


def test_from_numpy_of_a_transposed_array_keeps_its_strides() -> None:
    array = np.arange(6.0).reshape(2, 3).T
    t = tg.from_numpy(array)
    assert t.stride() == (1, 3)
    assert not t.is_contiguous()
    assert t.tolist() == array.tolist()


def test_from_numpy_of_a_list_raises_type_error() -> None:
    with pytest.raises(TypeError, match=re.escape("expected np.ndarray (got list)")):
        tg.from_numpy([1, 2])


def test_from_numpy_of_an_unsupported_dtype_raises_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="complex64"):
        tg.from_numpy(np.zeros(2, dtype=np.complex64))


# zeros, ones, full, empty ----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [tg.zeros, tg.ones, tg.empty])
@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([2, 3],)], ids=["varargs", "tuple", "list"])
def test_filled_creation_accepts_sizes_as_varargs_tuple_or_list(make, size) -> None:
    t = make(*size)
    assert t.shape == (2, 3)
    assert t.dtype is tg.float32


def test_zeros_and_ones_hold_zeros_and_ones() -> None:
    assert tg.zeros(2).tolist() == [0.0, 0.0]
    assert tg.ones(2, dtype=tg.int64).tolist() == [1, 1]


@pytest.mark.parametrize("value, dtype", [(7, tg.int64), (1.5, tg.float32), (True, tg.bool)])
def test_full_infers_the_dtype_from_the_fill_value(value, dtype) -> None:
    t = tg.full((2, 2), value)
    assert t.dtype is dtype
    assert t.tolist() == [[value, value], [value, value]]


def test_full_with_dtype_converts_the_fill_value() -> None:
    assert tg.full((2,), 7, dtype=tg.float64).tolist() == [7.0, 7.0]


def test_creation_with_requires_grad_makes_a_leaf_requiring_grad() -> None:
    t = tg.ones(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad_fn is None


def test_creation_of_an_int_tensor_requiring_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        tg.ones(2, dtype=tg.int64, requires_grad=True)


def test_creation_with_device_cpu_puts_the_tensor_on_the_cpu() -> None:
    assert str(tg.zeros(2, device="cpu").device) == "cpu"
    assert tg.ones(2, device=tg.device("cpu")).device == tg.device("cpu")


def test_creation_with_a_negative_size_raises() -> None:
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        tg.zeros(2, -1)


def test_creation_with_a_float_size_raises_type_error() -> None:
    with pytest.raises(TypeError, match="2.5"):
        tg.zeros(2.5)


# *_like --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [tg.zeros_like, tg.ones_like, tg.empty_like, lambda t, **k: tg.full_like(t, 3, **k)])
def test_like_functions_keep_shape_and_dtype(make) -> None:
    source = tg.tensor([[1.0, 2.0]], dtype=tg.float64)
    t = make(source)
    assert t.shape == (1, 2)
    assert t.dtype is tg.float64


def test_like_functions_do_not_copy_requires_grad() -> None:
    assert not tg.zeros_like(tg.tensor([1.0], requires_grad=True)).requires_grad


def test_like_functions_accept_dtype_and_requires_grad() -> None:
    t = tg.ones_like(tg.tensor([1, 2]), dtype=tg.float32, requires_grad=True)
    assert t.dtype is tg.float32 and t.requires_grad


def test_full_like_of_an_int_tensor_truncates_a_float_fill_value() -> None:
    assert tg.full_like(tg.tensor([1, 2]), 2.7).tolist() == [2, 2]


def test_rand_like_and_randn_like_keep_shape_and_float_dtype() -> None:
    source = tg.zeros(2, 3, dtype=tg.float64)
    assert tg.rand_like(source).shape == (2, 3) and tg.rand_like(source).dtype is tg.float64
    assert tg.randn_like(source).shape == (2, 3) and tg.randn_like(source).dtype is tg.float64


def test_rand_like_of_an_int_tensor_raises() -> None:
    with pytest.raises(RuntimeError, match="floating-point"):
        tg.rand_like(tg.tensor([1, 2]))


# ranges ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, kwargs, values, dtype",
    [
        ((5,), {}, [0, 1, 2, 3, 4], tg.int64),
        ((1, 4), {}, [1, 2, 3], tg.int64),
        ((5, 1, -1), {}, [5, 4, 3, 2], tg.int64),
        ((0, 1, 0.25), {}, [0.0, 0.25, 0.5, 0.75], tg.float32),
        ((1.0, 4), {}, [1.0, 2.0, 3.0], tg.float32),
        ((1, 2.5, 0.5), {}, [1.0, 1.5, 2.0], tg.float32),
        ((3,), {"dtype": tg.float64}, [0.0, 1.0, 2.0], tg.float64),
    ],
)
def test_arange_values_and_dtype_match_pytorch(args, kwargs, values, dtype) -> None:
    t = tg.arange(*args, **kwargs)
    assert t.dtype is dtype
    assert t.tolist() == values


def test_arange_with_a_float_step_has_the_right_count() -> None:
    assert tg.arange(0, 0.3, 0.1).shape == (3,)


def test_arange_with_a_step_of_the_wrong_sign_raises() -> None:
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        tg.arange(0, 5, -1)


def test_arange_with_zero_step_raises() -> None:
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        tg.arange(0, 5, 0)


@pytest.mark.parametrize(
    "args, values",
    [((0, 1, 5), [0.0, 0.25, 0.5, 0.75, 1.0]), ((-1, 1, 3), [-1.0, 0.0, 1.0]), ((0, 1, 1), [0.0]), ((0, 1, 0), [])],
    ids=["5 steps", "3 steps", "1 step gives start", "0 steps"],
)
def test_linspace_includes_both_ends(args, values) -> None:
    t = tg.linspace(*args)
    assert t.dtype is tg.float32
    np.testing.assert_allclose(t.numpy(), values)


def test_linspace_with_int_dtype_rounds_like_pytorch() -> None:
    assert tg.linspace(0, 10, 3, dtype=tg.int64).tolist() == [0, 5, 10]


def test_logspace_raises_the_base_to_evenly_spaced_exponents() -> None:
    np.testing.assert_allclose(tg.logspace(0, 2, 3).numpy(), [1.0, 10.0, 100.0])
    np.testing.assert_allclose(tg.logspace(0, 3, 4, base=2).numpy(), [1.0, 2.0, 4.0, 8.0])


def test_eye_is_a_square_identity() -> None:
    t = tg.eye(2)
    assert t.dtype is tg.float32
    assert t.tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_eye_with_m_is_rectangular() -> None:
    assert tg.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert tg.eye(3, 2, dtype=tg.int64).tolist() == [[1, 0], [0, 1], [0, 0]]


def test_eye_with_a_negative_size_raises() -> None:
    with pytest.raises(RuntimeError, match="-1"):
        tg.eye(-1)


# random ----------------------------------------------------------------------------------------------


def test_rand_is_uniform_in_zero_one_with_the_default_float_dtype() -> None:
    tg.manual_seed(0)
    t = tg.rand(200)
    assert t.dtype is tg.float32
    values = t.numpy()
    assert values.min() >= 0.0 and values.max() < 1.0
    assert 0.35 < values.mean() < 0.65


def test_rand_and_randn_accept_a_float64_dtype() -> None:
    assert tg.rand(2, 3, dtype=tg.float64).dtype is tg.float64
    assert tg.randn(2, 3, dtype=tg.float64).dtype is tg.float64


def test_rand_with_an_int_dtype_raises() -> None:
    with pytest.raises(RuntimeError, match="floating-point"):
        tg.rand(2, dtype=tg.int64)


def test_randn_has_roughly_zero_mean_and_unit_variance() -> None:
    tg.manual_seed(0)
    values = tg.randn(2000).numpy()
    assert abs(values.mean()) < 0.15
    assert 0.85 < values.std() < 1.15


def test_randint_draws_int64_values_from_low_inclusive_to_high_exclusive() -> None:
    tg.manual_seed(0)
    t = tg.randint(3, 6, (200,))
    assert t.dtype is tg.int64
    assert set(t.tolist()) == {3, 4, 5}


def test_randint_with_only_high_starts_at_zero() -> None:
    t = tg.randint(2, (50,))
    assert t.shape == (50,)
    assert set(t.tolist()) <= {0, 1}


def test_randint_with_an_empty_range_raises() -> None:
    with pytest.raises(RuntimeError, match="from=3 >= to=3"):
        tg.randint(3, 3, (3,))


def test_normal_with_tensor_mean_and_std_has_their_broadcast_shape() -> None:
    assert tg.normal(tg.zeros(3), tg.ones(3)).shape == (3,)
    assert tg.normal(tg.zeros(3), 1.0).shape == (3,)
    assert tg.normal(0.0, tg.ones(2, 2)).shape == (2, 2)


def test_normal_with_scalar_mean_and_std_needs_a_size() -> None:
    t = tg.normal(2.0, 3.0, (4,))
    assert t.shape == (4,) and t.dtype is tg.float32
    with pytest.raises(TypeError):
        tg.normal(0.0, 1.0)


def test_normal_with_zero_std_returns_the_mean() -> None:
    assert tg.normal(tg.tensor([1.0, -2.0]), 0.0).tolist() == [1.0, -2.0]


def test_normal_with_a_negative_std_raises() -> None:
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        tg.normal(tg.zeros(3), -tg.ones(3))


def test_bernoulli_of_probabilities_zero_and_one_is_exact_and_keeps_dtype() -> None:
    t = tg.bernoulli(tg.tensor([0.0, 1.0, 1.0, 0.0], dtype=tg.float64))
    assert t.dtype is tg.float64
    assert t.tolist() == [0.0, 1.0, 1.0, 0.0]


def test_bernoulli_with_a_probability_outside_zero_one_raises() -> None:
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        tg.bernoulli(tg.tensor([0.5, 1.5]))


def test_bernoulli_underscore_with_a_tensor_of_probabilities_draws_each_element_with_its_own() -> None:
    t = tg.zeros(2, 3).bernoulli_(tg.tensor([0.0, 1.0, 0.0]))  # p broadcasts to the tensor's shape, as in PyTorch
    assert t.tolist() == [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]


def test_uniform_underscore_with_equal_bounds_fills_that_value() -> None:
    assert tg.zeros(3).uniform_(2.0, 2.0).tolist() == [2.0, 2.0, 2.0]  # PyTorch 2.13 allows from == to


@pytest.mark.parametrize(
    "draw",
    [lambda: tg.rand(5), lambda: tg.randn(5), lambda: tg.randint(0, 100, (5,)), lambda: tg.normal(0.0, 1.0, (5,)),
     lambda: tg.bernoulli(tg.full((5,), 0.5)), lambda: tg.randperm(5)],
    ids=["rand", "randn", "randint", "normal", "bernoulli", "randperm"],
)
def test_manual_seed_makes_random_draws_repeat(draw) -> None:
    tg.manual_seed(1234)
    first = draw().tolist()
    tg.manual_seed(1234)
    assert draw().tolist() == first


def test_different_seeds_give_different_draws() -> None:
    tg.manual_seed(1)
    first = tg.rand(5).tolist()
    tg.manual_seed(2)
    assert tg.rand(5).tolist() != first


def test_a_generator_has_its_own_stream_independent_of_the_global_seed() -> None:
    generator = tg.Generator().manual_seed(3)
    first = tg.randn(3, generator=generator).tolist()
    generator.manual_seed(3)
    tg.manual_seed(99)
    assert tg.randn(3, generator=generator).tolist() == first


# cat and stack -----------------------------------------------------------------------------------------


def test_cat_joins_along_an_existing_dim() -> None:
    a, b = tg.tensor([[1, 2]]), tg.tensor([[3, 4], [5, 6]])
    assert tg.cat([a, b]).tolist() == [[1, 2], [3, 4], [5, 6]]
    assert tg.cat([b, b], dim=-1).tolist() == [[3, 4, 3, 4], [5, 6, 5, 6]]


def test_cat_promotes_dtypes() -> None:
    assert tg.cat([tg.ones(2), tg.zeros(2, dtype=tg.int64)]).dtype is tg.float32


def test_cat_passes_each_input_its_slice_of_the_gradient() -> None:
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0], requires_grad=True)
    tg.cat([a, b]).backward(tg.tensor([10.0, 20.0, 30.0]))
    assert a.grad.tolist() == [10.0, 20.0]
    assert b.grad.tolist() == [30.0]


def test_cat_of_mismatched_sizes_raises_naming_them() -> None:
    with pytest.raises(RuntimeError, match=re.escape("Sizes of tensors must match except in dimension 0")):
        tg.cat([tg.ones(2, 3), tg.zeros(2, 1)])


def test_cat_of_an_empty_list_raises_value_error_like_pytorch() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        tg.cat([])


def test_stack_joins_along_a_new_dim() -> None:
    a, b = tg.tensor([1, 2]), tg.tensor([3, 4])
    assert tg.stack([a, b]).tolist() == [[1, 2], [3, 4]]
    assert tg.stack([a, b], dim=1).tolist() == [[1, 3], [2, 4]]
    assert tg.stack([a, b], dim=-1).shape == (2, 2)


def test_stack_of_different_shapes_raises_naming_them() -> None:
    with pytest.raises(RuntimeError, match=re.escape("stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1")):
        tg.stack([tg.ones(2), tg.zeros(3)])


def test_stack_passes_each_input_its_slice_of_the_gradient() -> None:
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    tg.stack([a, b], dim=1).backward(tg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert a.grad.tolist() == [1.0, 3.0]
    assert b.grad.tolist() == [2.0, 4.0]


def test_tensor_from_python_floats_in_float64_keeps_every_digit() -> None:
    assert tg.tensor([0.1], dtype=tg.float64).item() == 0.1
    assert tg.tensor(0.1, dtype=tg.float64).item() == 0.1


def test_hstack_and_vstack():
    a, b = tg.ones(2, 1), tg.zeros(2, 2)
    assert tg.hstack([a, b]).shape == (2, 3)
    assert tg.vstack([tg.ones(3), tg.zeros(3)]).shape == (2, 3)
    assert tg.hstack([tg.ones(2), tg.ones(3)]).shape == (5,)


# tril, triu, diag, outer: matrices from matrices and vectors --------------------------------------


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


# the default device ------------------------------------------------------------------------------


def test_the_default_device_is_the_cpu() -> None:
    assert tg.get_default_device() == tg.device("cpu")
    assert tg.zeros(2).device == tg.device("cpu")


def test_get_default_device_gives_a_cuda_default_its_index() -> None:
    tg.set_default_device("cuda")  # the suite's fixture restores the CPU; PyTorch answers cuda:0
    assert repr(tg.get_default_device()) == "device(type='cuda', index=0)"


def test_set_default_device_none_restores_the_cpu() -> None:
    tg.set_default_device("cuda")
    tg.set_default_device(None)
    assert tg.get_default_device() == tg.device("cpu")


def test_set_default_device_refuses_an_unknown_device_type() -> None:
    with pytest.raises(RuntimeError, match="device type at start of device string: foo"):
        tg.set_default_device("foo")
