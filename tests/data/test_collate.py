"""default_collate and default_convert follow PyTorch's rules."""

from collections import namedtuple

import numpy as np
import pytest

import teachgrad
from teachgrad.utils.data import default_collate, default_convert

Point = namedtuple("Point", ["x", "y"])


def test_tensors_are_stacked_along_a_new_first_dimension():
    batch = default_collate([teachgrad.tensor([1.0, 2.0]), teachgrad.tensor([3.0, 4.0])])
    assert batch.shape == (2, 2) and batch.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_tensors_of_different_shapes_cannot_be_collated():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([teachgrad.zeros(2), teachgrad.zeros(3)])


def test_python_floats_become_a_float64_tensor():
    batch = default_collate([0.5, 1.5])
    assert batch.dtype == teachgrad.float64 and batch.tolist() == [0.5, 1.5]


def test_python_ints_become_an_int64_tensor():
    batch = default_collate([3, 4])
    assert batch.dtype == teachgrad.int64 and batch.tolist() == [3, 4]


def test_python_bools_become_a_bool_tensor():
    assert default_collate([True, False]).dtype == teachgrad.bool


def test_numpy_arrays_are_stacked_into_a_tensor():
    batch = default_collate([np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0], np.float32)])
    assert batch.dtype == teachgrad.float32 and batch.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_numpy_scalars_keep_their_dtype():
    assert default_collate([np.float32(1.0), np.float32(2.0)]).dtype == teachgrad.float32


def test_numpy_string_arrays_cannot_be_collated():
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_strings_are_kept_as_a_list():
    assert default_collate(["cat", "dog"]) == ["cat", "dog"]


def test_dicts_are_collated_key_by_key():
    batch = default_collate([{"x": 1, "name": "a"}, {"x": 2, "name": "b"}])
    assert batch["x"].tolist() == [1, 2] and batch["name"] == ["a", "b"]


def test_namedtuples_keep_their_type():
    batch = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(batch, Point) and batch.x.tolist() == [1, 3] and batch.y.dtype == teachgrad.float64


def test_tuples_are_collated_position_by_position_into_a_list():
    batch = default_collate([(teachgrad.tensor([1.0]), 0), (teachgrad.tensor([2.0]), 1)])
    assert isinstance(batch, list)
    assert batch[0].tolist() == [[1.0], [2.0]] and batch[1].tolist() == [0, 1]


def test_samples_of_different_lengths_cannot_be_collated():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])


def test_an_unsupported_type_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="object"):
        default_collate([object(), object()])


def test_convert_turns_a_numpy_array_into_a_tensor():
    converted = default_convert(np.array([1, 2]))
    assert isinstance(converted, teachgrad.Tensor) and converted.tolist() == [1, 2]


def test_convert_leaves_python_numbers_alone():
    assert default_convert(3) == 3


def test_convert_turns_a_tuple_into_a_list_and_converts_inside():
    converted = default_convert((np.array([1.0]), "label"))
    assert isinstance(converted, list) and isinstance(converted[0], teachgrad.Tensor) and converted[1] == "label"
