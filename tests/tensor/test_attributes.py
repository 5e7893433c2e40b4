"""The attributes and basic methods of a Tensor, specified against PyTorch's behaviour.

Expected values (strides, reprs, error messages) were read off PyTorch 2.13 and written here.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import teachgrad as tg


def matrix(requires_grad: bool = False) -> tg.Tensor:
    return tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=requires_grad)


# the eight attributes ------------------------------------------------------------------------


def test_data_shares_storage_with_the_tensor() -> None:
    x = matrix(requires_grad=True)
    x.data[0, 0] = 10.0
    assert x.detach().tolist()[0][0] == 10.0


def test_data_does_not_require_grad_and_is_a_leaf() -> None:
    x = matrix(requires_grad=True)
    assert not x.data.requires_grad
    assert x.data.is_leaf


def test_assigning_data_replaces_the_values_but_keeps_requires_grad() -> None:
    x = matrix(requires_grad=True)
    x.data = tg.zeros(2, 3)
    assert x.detach().tolist() == [[0.0] * 3] * 2
    assert x.requires_grad


def test_dtype_of_a_tensor_made_from_python_floats_is_float32() -> None:
    assert matrix().dtype is tg.float32


def test_shape_is_a_size_that_compares_equal_to_a_tuple() -> None:
    x = matrix()
    assert x.shape == (2, 3)
    assert isinstance(x.shape, tuple)
    assert repr(x.shape) == "teachgrad.Size([2, 3])"


def test_device_of_a_new_tensor_prints_as_cpu() -> None:
    x = matrix()
    assert str(x.device) == "cpu"
    assert x.device == tg.device("cpu")
    assert repr(x.device) == "device(type='cpu')"


def test_grad_is_none_before_any_backward() -> None:
    assert matrix(requires_grad=True).grad is None


def test_grad_fn_is_none_on_leaves_and_set_on_results_of_recorded_operations() -> None:
    x = matrix(requires_grad=True)
    assert x.grad_fn is None
    assert (x * 2).grad_fn is not None


def test_requires_grad_is_false_by_default() -> None:
    assert not matrix().requires_grad


def test_result_of_an_operation_on_tensors_not_requiring_grad_has_no_grad_fn() -> None:
    y = matrix() * 2
    assert not y.requires_grad
    assert y.grad_fn is None


def test_is_leaf_is_true_for_created_tensors_and_false_for_recorded_results() -> None:
    x = matrix(requires_grad=True)
    assert x.is_leaf
    assert not (x * 2).is_leaf
    assert (matrix() * 2).is_leaf  # nothing recorded: PyTorch calls it a leaf too
    assert x.detach().is_leaf


# shape queries ----------------------------------------------------------------------------------


def test_ndim_and_dim_count_the_dimensions() -> None:
    x = tg.zeros(2, 3, 4)
    assert x.ndim == 3
    assert x.dim() == 3
    assert tg.tensor(5.0).ndim == 0


def test_size_without_dim_is_the_shape() -> None:
    assert tg.zeros(2, 3, 4).size() == (2, 3, 4)


@pytest.mark.parametrize("dim, expected", [(0, 2), (1, 3), (2, 4), (-1, 4), (-3, 2)])
def test_size_with_dim_is_the_size_of_that_dimension(dim: int, expected: int) -> None:
    assert tg.zeros(2, 3, 4).size(dim) == expected


def test_size_with_dim_out_of_range_raises_index_error() -> None:
    with pytest.raises(IndexError, match=re.escape("expected to be in range of [-2, 1], but got 2")):
        matrix().size(2)


def test_numel_is_the_product_of_the_sizes() -> None:
    assert tg.zeros(2, 3, 4).numel() == 24
    assert tg.tensor(1.0).numel() == 1
    assert tg.zeros(3, 0).numel() == 0


def test_T_of_a_matrix_is_its_transpose() -> None:
    assert matrix().T.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]


def test_T_reverses_all_dimensions_as_a_view() -> None:
    x = tg.zeros(2, 3, 4)
    assert x.T.shape == (4, 3, 2)
    assert x.T.stride() == (1, 4, 12)


# conversions --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, kind", [(2.5, float), (3, int), (True, bool)])
def test_item_returns_a_python_number_of_the_matching_type(value, kind) -> None:
    item = tg.tensor([value]).item()
    assert item == value
    assert type(item) is kind


def test_item_of_a_tensor_with_several_elements_raises() -> None:
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        tg.tensor([1.0, 2.0]).item()


def test_tolist_gives_nested_python_lists() -> None:
    assert tg.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]


def test_tolist_of_a_zero_dim_tensor_gives_a_number() -> None:
    assert tg.tensor(2).tolist() == 2


def test_numpy_refuses_a_tensor_that_requires_grad_like_pytorch() -> None:
    with pytest.raises(RuntimeError, match=re.escape("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")):
        matrix(requires_grad=True).numpy()


def test_numpy_array_shares_memory_with_the_tensor() -> None:
    x = tg.tensor([1.0, 2.0])
    array = x.numpy()
    array[0] = 5.0
    assert x.tolist() == [5.0, 2.0]
    x[1] = 7.0
    assert array.tolist() == [5.0, 7.0]


def test_numpy_of_a_transposed_view_writes_into_the_base() -> None:
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    x.t().numpy()[0, 1] = 9.0
    assert x.tolist() == [[1.0, 2.0], [9.0, 4.0]]


def test_numpy_keeps_the_dtype() -> None:
    assert tg.tensor([1.0]).numpy().dtype == np.float32
    assert tg.tensor([1]).numpy().dtype == np.int64
    assert tg.tensor([True]).numpy().dtype == np.bool_


# detach, clone, contiguous --------------------------------------------------------------------------


def test_detach_shares_storage_and_does_not_require_grad() -> None:
    x = matrix(requires_grad=True)
    d = x.detach()
    d[0, 0] = 9.0
    assert not d.requires_grad
    assert x.detach().tolist()[0][0] == 9.0


def test_detach_stops_the_gradient() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x.detach() * x).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0]


def test_clone_has_its_own_storage() -> None:
    x = tg.tensor([1.0, 2.0])
    y = x.clone()
    y[0] = 9.0
    assert x.tolist() == [1.0, 2.0]


def test_clone_keeps_the_gradient_path() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x.clone() * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_contiguous_returns_the_same_tensor_when_already_contiguous() -> None:
    x = matrix()
    assert x.contiguous() is x


def test_contiguous_of_a_transpose_is_a_row_major_copy() -> None:
    x = matrix()
    y = x.t().contiguous()
    assert y.stride() == (2, 1)
    assert y.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    y[0, 0] = 100.0
    assert x.tolist()[0][0] == 1.0


def test_is_contiguous_is_false_for_a_transpose_and_a_strided_slice() -> None:
    x = tg.zeros(3, 4)
    assert x.is_contiguous()
    assert not x.t().is_contiguous()
    assert not x[:, ::2].is_contiguous()
    assert x[1:].is_contiguous()


# to, float, double, long ---------------------------------------------------------------------------


def test_to_a_dtype_converts_the_values() -> None:
    y = tg.tensor([1.5, -2.5]).to(tg.float64)
    assert y.dtype is tg.float64
    assert y.tolist() == [1.5, -2.5]


def test_to_the_same_dtype_or_device_returns_the_same_tensor() -> None:
    x = matrix()
    assert x.to(tg.float32) is x
    assert x.to("cpu") is x
    assert x.to(tg.device("cpu")) is x


def test_to_accepts_device_and_dtype_keywords_and_another_tensor() -> None:
    x = matrix()
    assert x.to(device="cpu", dtype=tg.float64).dtype is tg.float64
    assert x.to(tg.tensor([1])).dtype is tg.int64


def test_to_an_unknown_device_raises_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type at start of device string: tpu"):
        matrix().to("tpu")


def test_to_a_dtype_is_recorded_and_the_gradient_comes_back_in_the_input_dtype() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(tg.float64)
    assert y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype is tg.float32
    assert x.grad.tolist() == [2.0, 4.0]


def test_float_double_long_convert_to_float32_float64_int64() -> None:
    x = tg.tensor([1, 2])
    assert x.float().dtype is tg.float32
    assert x.double().dtype is tg.float64
    assert x.double().long().dtype is tg.int64


def test_long_truncates_towards_zero() -> None:
    assert tg.tensor([-1.7, 2.7]).long().tolist() == [-1, 2]


# requires_grad_, retain_grad, hooks, backward ------------------------------------------------------


def test_requires_grad_underscore_sets_the_flag_and_returns_the_tensor() -> None:
    x = matrix()
    assert x.requires_grad_() is x
    assert x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad


def test_requires_grad_false_on_a_non_leaf_raises() -> None:
    y = matrix(requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)


def test_non_leaf_grad_stays_none_without_retain_grad() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    (y * y).sum().backward()
    assert y.grad is None


def test_retain_grad_keeps_the_gradient_of_a_non_leaf() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    assert y.retains_grad
    assert y.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]


def test_hook_on_a_leaf_returning_a_tensor_replaces_its_gradient() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    assert x.grad.tolist() == [20.0, 40.0]


def test_hook_on_a_non_leaf_replaces_the_gradient_flowing_to_its_inputs() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert x.grad.tolist() == [30.0, 30.0]


def test_hook_returning_none_sees_the_gradient_without_changing_it() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    (y * y).sum().backward()
    assert seen == [[6.0, 12.0]]
    assert x.grad.tolist() == [18.0, 36.0]


def test_removed_hook_is_not_called() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    handle.remove()
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_hook_registered_in_a_with_block_is_removed_on_leaving_it() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with x.register_hook(lambda g: g * 10):
        pass
    x.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]  # PyTorch 2.13: tensor([1., 1.])


@pytest.mark.parametrize("make", [lambda x: x, lambda x: x * 1], ids=["leaf", "non_leaf"])
def test_removing_a_hook_registered_twice_removes_only_that_registration(make) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = make(x)
    double, add_one = (lambda g: g * 2), (lambda g: g + 1)
    y.register_hook(double)
    y.register_hook(add_one)
    y.register_hook(double).remove()
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]  # (1 * 2) + 1; PyTorch 2.13: tensor([3., 3.])


def test_register_hook_on_a_tensor_not_requiring_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        matrix().register_hook(lambda g: g)


def test_backward_of_a_non_scalar_without_gradient_raises() -> None:
    y = matrix(requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()


def test_backward_of_a_non_scalar_with_gradient_weights_each_output() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(tg.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 40.0]


def test_backward_of_a_one_element_tensor_needs_no_gradient() -> None:
    x = tg.tensor([2.0], requires_grad=True)
    (x * 3).backward()
    assert x.grad.tolist() == [3.0]


def test_backward_with_a_gradient_of_the_wrong_shape_raises_naming_both_shapes() -> None:
    y = tg.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=re.escape("grad_output[0] has a shape of [3] and output[0] has a shape of [2]")):
        y.backward(tg.tensor([1.0, 1.0, 1.0]))


def test_backward_on_a_tensor_that_does_not_require_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        (matrix() * 2).sum().backward()


def test_assigning_a_grad_of_the_wrong_shape_raises() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\[3\].*\[2\]"):
        x.grad = tg.tensor([1.0, 2.0, 3.0])


# repr ---------------------------------------------------------------------------------------------

# Each expected string is PyTorch 2.13's repr of the same tensor, with "torch" replaced by "teachgrad".
REPRS = [
    (lambda: tg.tensor([[1.0, 2.0], [3.0, 4.0]]), "tensor([[1., 2.],\n        [3., 4.]])"),
    (lambda: tg.tensor([-1.5, 2.0]), "tensor([-1.5000,  2.0000])"),
    (lambda: tg.tensor([[0.5, -12.25], [3.0, 4.125]]), "tensor([[  0.5000, -12.2500],\n        [  3.0000,   4.1250]])"),
    (lambda: tg.tensor([1, 100, -5]), "tensor([  1, 100,  -5])"),
    (lambda: tg.tensor([True, False]), "tensor([ True, False])"),
    (lambda: tg.tensor([1.5, 2.25], dtype=tg.float64), "tensor([1.5000, 2.2500], dtype=teachgrad.float64)"),
    (lambda: tg.tensor([[1, 2], [3, 4]], dtype=tg.float64), "tensor([[1., 2.],\n        [3., 4.]], dtype=teachgrad.float64)"),
    (lambda: tg.tensor(3.5), "tensor(3.5000)"),
    (lambda: tg.tensor(7), "tensor(7)"),
    (lambda: tg.tensor([123456.0, 1.0]), "tensor([1.2346e+05, 1.0000e+00])"),
    (lambda: tg.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: tg.tensor([float("nan"), 1.5]), "tensor([   nan, 1.5000])"),
    (lambda: tg.zeros(2, 0), "tensor([], size=(2, 0))"),
    (lambda: tg.tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
    (lambda: tg.arange(6.0).reshape(2, 3).t(), "tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]])"),
]


@pytest.mark.parametrize("make, expected", REPRS, ids=[expected.split("\n")[0] for _, expected in REPRS])
def test_repr_matches_pytorch(make, expected: str) -> None:
    assert repr(make()) == expected


def test_repr_of_a_recorded_result_names_its_grad_fn() -> None:
    y = tg.tensor([1.0, 2.0], requires_grad=True) * 2
    assert re.fullmatch(r"tensor\(\[2\., 4\.\], grad_fn=<MulBackward\d*>\)", repr(y))


def test_zero_dim_tensor_formats_as_its_number():
    assert f"{tg.tensor(0.123456):.3f}" == "0.123"
    assert "{:.1f}".format(tg.tensor(2.25)) == "2.2"
    assert f"{tg.tensor(2.5)}" == "2.5"


def test_tensor_with_dims_formats_as_repr():
    assert f"{tg.tensor([1.0])}" == repr(tg.tensor([1.0]))
