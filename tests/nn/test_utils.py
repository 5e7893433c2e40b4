"""`nn.utils`: gradient clipping and parameters as one vector.

Expected values were printed by PyTorch 2.13 (`torch.nn.utils`) for the same gradients, and the
norms are also worked out with numpy in the tests.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import teachgrad as tg
from teachgrad import nn
from teachgrad.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters

GRAD_A = [[3.0, -4.0], [1.0, 2.0]]
GRAD_B = [0.5, -6.0, 2.5]


def with_grads(grad_a=GRAD_A, grad_b=GRAD_B) -> tuple[nn.Parameter, nn.Parameter]:
    a, b = nn.Parameter(tg.zeros(2, 2)), nn.Parameter(tg.zeros(3))
    a.grad, b.grad = tg.tensor(grad_a), tg.tensor(grad_b)
    return a, b


def all_grads() -> np.ndarray:
    return np.concatenate([np.ravel(GRAD_A), GRAD_B])


# clip_grad_norm_ ---------------------------------------------------------------------------------


# norm_type -> (total norm by numpy, PyTorch 2.13's clipped gradients of a and b for max_norm=2)
CLIPPED_BY_PYTORCH = {
    2.0: (np.linalg.norm(all_grads()), [[0.7046641707420349, -0.9395522475242615], [0.23488806188106537, 0.46977612376213074]],
          [0.11744403094053268, -1.4093283414840698, 0.5872201323509216]),
    1.0: (np.abs(all_grads()).sum(), [[0.31578943133354187, -0.42105257511138916], [0.10526314377784729, 0.21052628755569458]],
          [0.052631571888923645, -0.6315788626670837, 0.26315784454345703]),
    3.0: (np.linalg.norm(all_grads(), 3), [[0.8667240142822266, -1.1556320190429688], [0.2889080047607422, 0.5778160095214844]],
          [0.1444540023803711, -1.7334480285644531, 0.7222700119018555]),
    math.inf: (np.abs(all_grads()).max(), [[0.9999998807907104, -1.333333134651184], [0.333333283662796, 0.666666567325592]],
               [0.166666641831398, -1.999999761581421, 0.8333331942558289]),
}


@pytest.mark.parametrize("norm_type", list(CLIPPED_BY_PYTORCH))
def test_clip_grad_norm_returns_the_total_norm_of_all_gradients(norm_type):
    total = clip_grad_norm_(with_grads(), max_norm=2.0, norm_type=norm_type)
    assert total.dtype is tg.float32
    np.testing.assert_allclose(total.item(), CLIPPED_BY_PYTORCH[norm_type][0], rtol=1e-6)


@pytest.mark.parametrize("norm_type", list(CLIPPED_BY_PYTORCH))
def test_clip_grad_norm_scales_the_gradients_to_max_norm_like_pytorch(norm_type):
    total, clipped_a, clipped_b = CLIPPED_BY_PYTORCH[norm_type]
    a, b = with_grads()
    clip_grad_norm_([a, b], max_norm=2.0, norm_type=norm_type)
    np.testing.assert_allclose(a.grad.numpy(), clipped_a, rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), clipped_b, rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), np.array(GRAD_B) * 2.0 / (total + 1e-6), rtol=1e-6)


def test_clip_grad_norm_below_max_norm_leaves_the_gradients_unchanged():
    a, b = with_grads()
    clip_grad_norm_([a, b], max_norm=100.0)
    assert a.grad.tolist() == GRAD_A and b.grad.tolist() == GRAD_B


def test_clip_grad_norm_accepts_a_single_tensor():
    a, _ = with_grads()
    total = clip_grad_norm_(a, max_norm=1.0)
    np.testing.assert_allclose(total.item(), math.sqrt(30.0), rtol=1e-6)
    np.testing.assert_allclose(a.grad.numpy(), [[0.5477224588394165, -0.7302966117858887],
                                                [0.18257415294647217, 0.36514830589294434]], rtol=1e-6)  # PyTorch 2.13


def test_clip_grad_norm_skips_parameters_without_a_gradient():
    a, _ = with_grads()
    unused = nn.Parameter(tg.ones(2))
    total = clip_grad_norm_([a, unused], max_norm=1.0)
    np.testing.assert_allclose(total.item(), math.sqrt(30.0), rtol=1e-6)
    assert unused.grad is None


def test_clip_grad_norm_of_no_gradients_is_zero():
    assert clip_grad_norm_([nn.Parameter(tg.ones(2))], max_norm=1.0).item() == 0.0  # PyTorch 2.13: tensor(0.)


def test_clip_grad_norm_of_a_non_finite_norm_raises_when_asked_and_keeps_the_gradients():
    a, b = with_grads(grad_b=[math.inf, -6.0, 2.5])
    message = ("The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped. To disable "
               "this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")  # PyTorch 2.13
    with pytest.raises(RuntimeError, match=f"^{re.escape(message)}$"):
        clip_grad_norm_([a, b], max_norm=1.0, error_if_nonfinite=True)
    assert a.grad.tolist() == GRAD_A


def test_clip_grad_norm_of_a_nan_gradient_makes_every_gradient_nan():
    a, b = with_grads(grad_b=[math.nan, -6.0, 2.5])
    total = clip_grad_norm_([a, b], max_norm=1.0)
    assert math.isnan(total.item()) and np.isnan(a.grad.numpy()).all()  # PyTorch 2.13: nan everywhere


# clip_grad_value_ --------------------------------------------------------------------------------


def test_clip_grad_value_clamps_each_element_in_place():
    a, b = with_grads()
    assert clip_grad_value_([a, b], clip_value=2.5) is None
    np.testing.assert_array_equal(a.grad.numpy(), np.clip(GRAD_A, -2.5, 2.5))
    np.testing.assert_array_equal(b.grad.numpy(), np.clip(GRAD_B, -2.5, 2.5))


def test_clip_grad_value_accepts_a_single_tensor_and_skips_missing_gradients():
    a, _ = with_grads()
    unused = nn.Parameter(tg.ones(2))
    clip_grad_value_(a, 1.0)
    clip_grad_value_([unused], 1.0)
    assert a.grad.tolist() == [[1.0, -1.0], [1.0, 1.0]] and unused.grad is None


# parameters_to_vector, vector_to_parameters -------------------------------------------------------


def two_parameters() -> tuple[nn.Parameter, nn.Parameter]:
    return nn.Parameter(tg.tensor([[1.0, 2.0], [3.0, 4.0]])), nn.Parameter(tg.tensor([5.0, 6.0]))


def test_parameters_to_vector_joins_the_flattened_parameters_in_order():
    vector = parameters_to_vector(two_parameters())
    assert vector.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def test_parameters_to_vector_is_differentiable():
    a, b = two_parameters()
    (parameters_to_vector([a, b]) * tg.arange(6.0)).sum().backward()
    assert a.grad.tolist() == [[0.0, 1.0], [2.0, 3.0]] and b.grad.tolist() == [4.0, 5.0]


def test_vector_to_parameters_copies_consecutive_slices_into_the_parameters():
    a, b = two_parameters()
    vector_to_parameters(tg.arange(6.0) * 10, [a, b])
    assert a.tolist() == [[0.0, 10.0], [20.0, 30.0]] and b.tolist() == [40.0, 50.0]


def test_vector_to_parameters_leaves_the_parameters_leaves_that_require_grad():
    a, b = two_parameters()
    vector_to_parameters(tg.arange(6.0, requires_grad=True), [a, b])
    assert a.is_leaf and a.requires_grad and a.grad_fn is None


def test_vector_to_parameters_undoes_parameters_to_vector():
    source, target = two_parameters(), (nn.Parameter(tg.zeros(2, 2)), nn.Parameter(tg.zeros(2)))
    vector_to_parameters(parameters_to_vector(source), target)
    assert [p.tolist() for p in target] == [p.tolist() for p in source]


def test_vector_to_parameters_rejects_a_list():
    with pytest.raises(TypeError, match="^expected teachgrad.Tensor, but got: list$"):  # PyTorch 2.13, torch -> teachgrad
        vector_to_parameters([1.0] * 6, two_parameters())


def test_vector_to_parameters_of_a_too_short_vector_raises_naming_the_shape():
    with pytest.raises(RuntimeError, match=re.escape("shape '[2]' is invalid for input of size 1")):  # PyTorch 2.13
        vector_to_parameters(tg.arange(5.0), two_parameters())
