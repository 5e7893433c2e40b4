"""Initialisation: PyTorch's parameter shapes, default schemes and `nn.init` bounds, drawn from teachgrad's generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

import teachgrad as tg
from teachgrad import nn
from teachgrad.nn import init


def test_linear_parameters_have_pytorchs_shapes_and_bounds():
    layer = nn.Linear(50, 40)
    assert tuple(layer.weight.shape) == (40, 50) and tuple(layer.bias.shape) == (40,)
    bound = 1 / math.sqrt(50)  # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    weight, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound
    assert np.abs(bias).max() <= bound
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.01  # std of U(-b, b) is b / sqrt(3)


def test_conv_weight_shape_and_fan_in_include_the_kernel():
    conv = nn.Conv2d(4, 6, (3, 2), groups=2)
    assert tuple(conv.weight.shape) == (6, 2, 3, 2)
    assert np.abs(conv.weight.detach().numpy()).max() <= 1 / math.sqrt(2 * 3 * 2)


def test_batchnorm_starts_with_weight_one_bias_zero_mean_zero_var_one():
    bn = nn.BatchNorm2d(3)
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert bn.num_batches_tracked.item() == 0


def test_embedding_weight_is_standard_normal():
    weight = nn.Embedding(200, 50).weight.detach().numpy()
    assert abs(weight.mean()) < 0.02 and abs(weight.std() - 1.0) < 0.02


def test_manual_seed_makes_initialisation_reproducible():
    tg.manual_seed(3)
    first = nn.Linear(3, 2).weight.tolist()
    tg.manual_seed(3)
    assert nn.Linear(3, 2).weight.tolist() == first


@pytest.mark.parametrize("name, param, gain", [
    ("linear", None, 1.0), ("conv2d", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)), ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
    ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)), ("selu", None, 0.75),
])
def test_calculate_gain_matches_pytorchs_table(name, param, gain):
    assert init.calculate_gain(name, param) == pytest.approx(gain)


def test_calculate_gain_rejects_unknown_nonlinearity():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swishy")


def test_xavier_uniform_bound_uses_fan_in_plus_fan_out():
    w = init.xavier_uniform_(tg.empty(30, 20, 2), gain=2.0).numpy()
    bound = 2.0 * math.sqrt(6 / (20 * 2 + 30 * 2))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound


def test_xavier_normal_std_uses_fan_in_plus_fan_out():
    w = init.xavier_normal_(tg.empty(200, 100)).numpy()
    assert abs(w.std() - math.sqrt(2 / 300)) < 0.003


def test_kaiming_normal_fan_out_relu_std():
    w = init.kaiming_normal_(tg.empty(100, 400), mode="fan_out", nonlinearity="relu").numpy()
    assert abs(w.std() - math.sqrt(2) / math.sqrt(100)) < 0.005


def test_kaiming_uniform_bound():
    w = init.kaiming_uniform_(tg.empty(64, 48), nonlinearity="relu").numpy()
    bound = math.sqrt(2) * math.sqrt(3 / 48)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound


def test_init_functions_fill_in_place_a_parameter_that_requires_grad():
    param = nn.Parameter(tg.empty(2, 3))
    assert init.constant_(param, 0.5) is param and param.tolist() == [[0.5] * 3] * 2
    init.ones_(param)
    assert param.tolist() == [[1.0] * 3] * 2 and param.requires_grad and param.grad_fn is None
    init.zeros_(param)
    assert param.tolist() == [[0.0] * 3] * 2
    init.uniform_(param, 2.0, 3.0)
    assert ((param >= 2.0) & (param < 3.0)).all()
    init.normal_(param, mean=10.0, std=0.1)
    assert abs(param.mean().item() - 10.0) < 0.5


def test_fan_of_a_1d_tensor_is_an_error():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tg.empty(3))
