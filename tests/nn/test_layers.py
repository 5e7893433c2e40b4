"""Layers: each module's forward against a numpy formulation written here, with the module's own parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

import teachgrad as tg
import teachgrad.nn.functional as F
from teachgrad import nn


def values(t) -> np.ndarray:
    return np.asarray(t.detach().numpy(), dtype=np.float64)


def numpy_conv2d(x, w, b, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """out[n, o, i, j] = b[o] + sum_{c in group(o), p, q} w[o, c, p, q] * xpad[n, c, i*sh + p*dh, j*sw + q*dw]."""
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    n, _, h, wd = xp.shape
    o_ch, c_per_group, kh, kw = w.shape
    oh = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o_ch, oh, ow))
    for o in range(o_ch):
        first = (o // (o_ch // groups)) * c_per_group
        for i in range(oh):
            for j in range(ow):
                for p in range(kh):
                    for q in range(kw):
                        patch = xp[:, first:first + c_per_group, i * stride[0] + p * dilation[0], j * stride[1] + q * dilation[1]]
                        out[:, o, i, j] += patch @ w[o, :, p, q]
        out[:, o] += 0 if b is None else b[o]
    return out


# linear and convolution --------------------------------------------------------------------------


def test_linear_computes_x_times_weight_transposed_plus_bias(rng):
    layer = nn.Linear(4, 3)
    x = rng.normal(size=(5, 4))
    out = layer(tg.tensor(x, dtype=tg.float32))
    expected = x @ values(layer.weight).T + values(layer.bias)
    np.testing.assert_allclose(values(out), expected, rtol=1e-5, atol=1e-6)


def test_linear_applies_to_the_last_dim_of_a_3d_input(rng):
    layer = nn.Linear(4, 2, bias=False)
    x = rng.normal(size=(2, 3, 4))
    np.testing.assert_allclose(values(layer(tg.tensor(x, dtype=tg.float32))), x @ values(layer.weight).T, rtol=1e-5, atol=1e-6)


def test_linear_rejects_an_input_with_the_wrong_number_of_features():
    with pytest.raises(RuntimeError, match="in_features"):
        nn.Linear(4, 2)(tg.ones(3, 5))


def test_conv2d_matches_direct_convolution(rng):
    conv = nn.Conv2d(2, 3, kernel_size=3)
    x = rng.normal(size=(1, 2, 5, 5))
    expected = numpy_conv2d(x, values(conv.weight), values(conv.bias))
    np.testing.assert_allclose(values(conv(tg.tensor(x, dtype=tg.float32))), expected, rtol=1e-4, atol=1e-5)


def test_conv2d_with_stride_padding_dilation_and_groups_matches_direct_convolution(rng):
    conv = nn.Conv2d(4, 2, kernel_size=(2, 3), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    x = rng.normal(size=(2, 4, 5, 4))
    expected = numpy_conv2d(x, values(conv.weight), values(conv.bias), (2, 1), ((1, 1), (2, 2)), (1, 2), groups=2)
    out = conv(tg.tensor(x, dtype=tg.float32))
    assert tuple(out.shape) == expected.shape
    np.testing.assert_allclose(values(out), expected, rtol=1e-4, atol=1e-5)


def test_conv2d_same_padding_keeps_the_size_and_puts_the_odd_extra_pixel_after(rng):
    conv = nn.Conv2d(1, 1, kernel_size=(2, 4), padding="same", bias=False)
    x = rng.normal(size=(1, 1, 4, 5))
    # total padding kernel - 1: (1, 3) -> before (0, 1), after (1, 2)
    expected = numpy_conv2d(x, values(conv.weight), None, padding=((0, 1), (1, 2)))
    out = conv(tg.tensor(x, dtype=tg.float32))
    assert tuple(out.shape) == (1, 1, 4, 5)
    np.testing.assert_allclose(values(out), expected, rtol=1e-4, atol=1e-5)


def test_conv2d_valid_padding_is_no_padding(rng):
    conv = nn.Conv2d(1, 2, 3, padding="valid")
    assert tuple(conv(tg.tensor(rng.normal(size=(1, 1, 5, 5)), dtype=tg.float32)).shape) == (1, 2, 3, 3)


def test_conv2d_reflect_padding_mode_pads_by_mirroring(rng):
    conv = nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect")
    x = rng.normal(size=(1, 1, 4, 4))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="reflect")
    expected = numpy_conv2d(padded, values(conv.weight), values(conv.bias))
    np.testing.assert_allclose(values(conv(tg.tensor(x, dtype=tg.float32))), expected, rtol=1e-4, atol=1e-5)


def test_conv2d_accepts_an_unbatched_input(rng):
    conv = nn.Conv2d(2, 3, 2)
    x = rng.normal(size=(2, 4, 4))
    expected = numpy_conv2d(x[None], values(conv.weight), values(conv.bias))[0]
    np.testing.assert_allclose(values(conv(tg.tensor(x, dtype=tg.float32))), expected, rtol=1e-4, atol=1e-5)


def test_conv1d_matches_direct_convolution(rng):
    conv = nn.Conv1d(2, 3, kernel_size=3, stride=2, padding=1, dilation=2)
    x = rng.normal(size=(2, 2, 7))
    w = values(conv.weight)
    expected = numpy_conv2d(x[:, :, None, :], w[:, :, None, :], values(conv.bias), (1, 2), ((0, 0), (1, 1)), (1, 2))[:, :, 0]
    np.testing.assert_allclose(values(conv(tg.tensor(x, dtype=tg.float32))), expected, rtol=1e-4, atol=1e-5)


def test_conv2d_rejects_input_with_the_wrong_channel_count():
    with pytest.raises(RuntimeError, match="expected input\\[1, 2, 4, 4\\] to have 3 channels"):
        nn.Conv2d(3, 1, 2)(tg.ones(1, 2, 4, 4))


def test_conv_rejects_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 2, 2, groups=2)


def test_conv_rejects_same_padding_with_stride():
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")


# pooling -----------------------------------------------------------------------------------------


def numpy_pool(x, k, s, reduce):
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
    return out


def test_max_pool2d_takes_the_largest_value_of_each_window(rng):
    x = rng.normal(size=(2, 3, 4, 6))
    np.testing.assert_allclose(values(nn.MaxPool2d(2)(tg.tensor(x))), numpy_pool(x, 2, 2, np.max))


def test_max_pool2d_with_overlapping_windows(rng):
    x = rng.normal(size=(1, 2, 5, 5))
    np.testing.assert_allclose(values(nn.MaxPool2d(3, stride=1)(tg.tensor(x))), numpy_pool(x, 3, 1, np.max))


def test_max_pool2d_gradient_goes_only_to_each_windows_maximum():
    x = tg.tensor([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 1.0]]]], requires_grad=True)
    nn.MaxPool2d(2)(x).sum().backward()
    assert x.grad.tolist() == [[[[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]]]


def test_max_pool2d_padding_never_wins_over_negative_values():
    x = -tg.ones(1, 1, 2, 2)
    assert values(nn.MaxPool2d(2, stride=2, padding=1)(x)).max() == -1.0


def test_max_pool2d_ceil_mode_keeps_a_partial_last_window(rng):
    x = rng.normal(size=(1, 1, 5, 5))
    out = values(nn.MaxPool2d(2, ceil_mode=True)(tg.tensor(x)))
    assert out.shape == (1, 1, 3, 3)
    assert out[0, 0, 2, 2] == x[0, 0, 4, 4]
    assert out[0, 0, 0, 2] == x[0, 0, 0:2, 4].max()


def test_max_pool2d_return_indices_gives_flat_positions_in_the_input(rng):
    x = rng.normal(size=(1, 2, 4, 4))
    out, indices = nn.MaxPool2d(2, return_indices=True)(tg.tensor(x))
    flat = x.reshape(1, 2, 16)
    np.testing.assert_allclose(np.take_along_axis(flat, indices.numpy().reshape(1, 2, 4), 2).reshape(1, 2, 2, 2), values(out))


def test_avg_pool2d_averages_each_window(rng):
    x = rng.normal(size=(2, 1, 4, 4))
    np.testing.assert_allclose(values(nn.AvgPool2d(2)(tg.tensor(x))), numpy_pool(x, 2, 2, np.mean), rtol=1e-12)


def test_avg_pool2d_count_include_pad_false_divides_by_the_real_pixels_only():
    x = tg.ones(1, 1, 2, 2, dtype=tg.float64)
    with_pad = values(nn.AvgPool2d(2, stride=1, padding=1)(x))
    without_pad = values(nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False)(x))
    assert with_pad[0, 0, 0, 0] == 0.25 and without_pad[0, 0, 0, 0] == 1.0
    assert np.all(without_pad == 1.0)


def test_avg_pool2d_divisor_override_replaces_the_window_size():
    x = tg.ones(1, 1, 2, 2, dtype=tg.float64)
    assert values(nn.AvgPool2d(2, divisor_override=2)(x)).item() == 2.0


def test_adaptive_avg_pool2d_to_one_is_the_global_mean(rng):
    x = rng.normal(size=(2, 3, 5, 4))
    np.testing.assert_allclose(values(nn.AdaptiveAvgPool2d(1)(tg.tensor(x))), x.mean(axis=(2, 3), keepdims=True), rtol=1e-12)


def test_adaptive_avg_pool2d_uses_floor_and_ceil_window_edges(rng):
    x = rng.normal(size=(1, 1, 5, 3))
    out = values(nn.AdaptiveAvgPool2d((2, 3))(tg.tensor(x)))
    # rows: windows [0, 3) and [2, 5); columns: [0, 1), [1, 2), [2, 3)
    expected = np.stack([x[0, 0, 0:3].mean(axis=0), x[0, 0, 2:5].mean(axis=0)])[None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_pooling_rejects_padding_larger_than_half_the_kernel():
    with pytest.raises(RuntimeError, match="at most half"):
        nn.MaxPool2d(2, padding=2)(tg.ones(1, 1, 4, 4))


# activations, flatten, dropout -------------------------------------------------------------------


@pytest.mark.parametrize("module, formula", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.ELU(alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
    (nn.GELU(), lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    (nn.Tanh(), np.tanh),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(axis=1, keepdims=True))),
], ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_activation_matches_its_formula(module, formula, rng):
    x = rng.normal(size=(3, 4)) * 2
    np.testing.assert_allclose(values(module(tg.tensor(x))), formula(x), rtol=1e-10, atol=1e-12)


def test_elu_gradient_is_finite_for_large_positive_inputs():
    x = tg.tensor([1000.0, -1.0], requires_grad=True)
    F.elu(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, math.exp(-1.0)], rtol=1e-6)


def test_relu_inplace_writes_into_its_input():
    x = tg.tensor([-1.0, 2.0])
    out = nn.ReLU(inplace=True)(x)
    assert x.tolist() == [0.0, 2.0] and out.tolist() == [0.0, 2.0]


def test_flatten_merges_all_but_the_batch_dim_and_unflatten_splits_back():
    x = tg.arange(24.0).reshape(2, 3, 4)
    flat = nn.Flatten()(x)
    assert tuple(flat.shape) == (2, 12)
    assert nn.Unflatten(1, (3, 4))(flat).equal(x)


def test_identity_returns_its_input():
    x = tg.ones(2)
    assert nn.Identity(3, unused=True)(x) is x


def test_dropout_in_training_zeroes_about_p_and_scales_the_rest():
    x = tg.ones(4000)
    out = values(nn.Dropout(p=0.25)(x))
    assert set(np.unique(out).tolist()) <= {0.0, float(np.float32(1.0 / 0.75))}
    assert abs((out == 0).mean() - 0.25) < 0.03


def test_dropout_in_eval_mode_is_the_identity():
    layer = nn.Dropout(p=0.5).eval()
    x = tg.ones(100)
    assert layer(x).equal(x)


def test_dropout_gradient_uses_the_same_mask_as_the_forward():
    x = tg.ones(200, requires_grad=True)
    out = nn.Dropout(0.5)(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())


def test_dropout_masks_repeat_after_reseeding():
    tg.manual_seed(7)
    first = nn.Dropout()(tg.ones(50)).tolist()
    tg.manual_seed(7)
    assert nn.Dropout()(tg.ones(50)).tolist() == first


def test_dropout_rejects_probability_outside_zero_one():
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


@pytest.fixture
def x():
    """Float64 inputs in [-8, 8]: past hardtanh's and relu6's kinks and into softplus' tails."""
    return np.random.default_rng(0).uniform(-8, 8, (3, 4, 5))


def _softplus(v):
    """log(1 + exp(v)), written so that it does not overflow for large v."""
    return np.log1p(np.exp(-np.abs(v))) + np.maximum(v, 0)


def test_activations_match_their_formulas(x):
    t = tg.tensor(x)
    np.testing.assert_allclose(F.hardtanh(t).numpy(), np.clip(x, -1, 1))
    np.testing.assert_allclose(F.hardtanh(t, -2.5, 0.5).numpy(), np.clip(x, -2.5, 0.5))
    np.testing.assert_allclose(F.relu6(t).numpy(), np.minimum(np.maximum(x, 0), 6))
    np.testing.assert_allclose(F.mish(t).numpy(), x * np.tanh(_softplus(x)), rtol=1e-12)
    np.testing.assert_allclose(F.logsigmoid(t).numpy(), -_softplus(-x), rtol=1e-12)


def test_logsigmoid_is_stable_for_large_inputs():
    out = F.logsigmoid(tg.tensor([-1000.0, 0.0, 1000.0])).numpy()
    np.testing.assert_allclose(out, [-1000.0, -math.log(2), 0.0])
    assert np.isfinite(out).all()


def test_inplace_variants_write_into_the_input(x):
    t = tg.tensor(x)
    assert F.relu6(t, inplace=True) is t
    np.testing.assert_allclose(t.numpy(), np.clip(x, 0, 6))
    m = tg.tensor(x)
    F.mish(m, inplace=True)
    np.testing.assert_allclose(m.numpy(), x * np.tanh(_softplus(x)), rtol=1e-12)


def test_hardtanh_rejects_min_above_max():
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(tg.ones(2), 2.0, 1.0)
    with pytest.raises(AssertionError, match="must be greater than min_val"):
        tg.nn.Hardtanh(1.0, 1.0)


def test_hardtanh_gradient_is_one_inside_zero_outside():
    t = tg.tensor([-3.0, -0.5, 0.5, 3.0], requires_grad=True)
    F.hardtanh(t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), [0, 1, 1, 0])


def test_modules_forward_and_repr(x):
    t = tg.tensor(x)
    np.testing.assert_allclose(tg.nn.Hardtanh(-2, 3)(t).numpy(), np.clip(x, -2, 3))
    np.testing.assert_allclose(tg.nn.ReLU6()(t).numpy(), np.clip(x, 0, 6))
    np.testing.assert_allclose(tg.nn.Mish()(t).numpy(), x * np.tanh(_softplus(x)), rtol=1e-12)
    np.testing.assert_allclose(tg.nn.LogSigmoid()(t).numpy(), -_softplus(-x), rtol=1e-12)
    assert repr(tg.nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(tg.nn.Hardtanh(-2, 3, True)) == "Hardtanh(min_val=-2, max_val=3, inplace=True)"
    assert repr(tg.nn.ReLU6()) == "ReLU6()"
    assert repr(tg.nn.ReLU6(inplace=True)) == "ReLU6(inplace=True)"
    assert repr(tg.nn.Mish()) == "Mish()"
    assert repr(tg.nn.LogSigmoid()) == "LogSigmoid()"




# normalisation -----------------------------------------------------------------------------------


def test_batchnorm2d_training_normalises_with_biased_batch_variance(rng):
    bn = nn.BatchNorm2d(3)
    with tg.no_grad():
        bn.weight.copy_(tg.tensor([1.0, 2.0, 0.5]))
        bn.bias.copy_(tg.tensor([0.0, 1.0, -1.0]))
    x = rng.normal(size=(4, 3, 2, 2)) * 3 + 1
    mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * np.array([1.0, 2.0, 0.5]).reshape(1, 3, 1, 1) + np.array([0.0, 1.0, -1.0]).reshape(1, 3, 1, 1)
    np.testing.assert_allclose(values(bn(tg.tensor(x, dtype=tg.float32))), expected, rtol=1e-4, atol=1e-4)


def test_batchnorm_running_statistics_use_momentum_and_the_unbiased_variance(rng):
    bn = nn.BatchNorm1d(2, momentum=0.3)
    x = rng.normal(size=(5, 2)) * 2 + 3
    bn(tg.tensor(x, dtype=tg.float32))
    np.testing.assert_allclose(values(bn.running_mean), 0.3 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(values(bn.running_var), 0.7 * 1.0 + 0.3 * x.var(axis=0, ddof=1), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype is tg.int64


def test_batchnorm_momentum_none_averages_all_batches_equally(rng):
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [rng.normal(size=(4, 2)) + i for i in range(3)]
    for b in batches:
        bn(tg.tensor(b, dtype=tg.float64))
    np.testing.assert_allclose(values(bn.running_mean), np.mean([b.mean(axis=0) for b in batches], axis=0), rtol=1e-6)


def test_batchnorm_eval_mode_uses_running_statistics_and_leaves_them_unchanged(rng):
    bn = nn.BatchNorm1d(2)
    with tg.no_grad():
        bn.running_mean.copy_(tg.tensor([1.0, -1.0]))
        bn.running_var.copy_(tg.tensor([4.0, 0.25]))
    bn.eval()
    x = rng.normal(size=(3, 2))
    expected = (x - np.array([1.0, -1.0])) / np.sqrt(np.array([4.0, 0.25]) + 1e-5)
    np.testing.assert_allclose(values(bn(tg.tensor(x, dtype=tg.float32))), expected, rtol=1e-5, atol=1e-6)
    assert bn.running_mean.tolist() == [1.0, -1.0] and bn.num_batches_tracked.item() == 0


def test_batchnorm_without_running_stats_uses_batch_statistics_in_eval_mode(rng):
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False).eval()
    x = rng.normal(size=(6, 2))
    expected = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    np.testing.assert_allclose(values(bn(tg.tensor(x))), expected, rtol=1e-8)
    assert bn.running_mean is None and list(bn.state_dict()) == []


def test_batchnorm_training_refuses_a_single_value_per_channel():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(tg.ones(1, 3))


def test_batchnorm2d_rejects_a_3d_input():
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(tg.ones(2, 3, 4))


def test_layernorm_normalises_each_sample_over_the_last_dims(rng):
    ln = nn.LayerNorm((3, 2))
    with tg.no_grad():
        ln.weight.copy_(tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    x = rng.normal(size=(4, 3, 2))
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * np.arange(1, 7).reshape(3, 2)
    np.testing.assert_allclose(values(ln(tg.tensor(x, dtype=tg.float32))), expected, rtol=1e-4, atol=1e-5)


def test_layernorm_rejects_an_input_whose_trailing_shape_differs():
    with pytest.raises(RuntimeError, match="normalized_shape=\\[4\\]"):
        nn.LayerNorm(4)(tg.ones(2, 3))


# embedding and one_hot ---------------------------------------------------------------------------


def test_embedding_looks_up_rows_of_its_weight():
    emb = nn.Embedding(5, 3)
    index = tg.tensor([[0, 4], [2, 2]])
    np.testing.assert_array_equal(values(emb(index)), values(emb.weight)[[[0, 4], [2, 2]]])


def test_embedding_gradient_sums_repeated_rows_and_skips_the_padding_row():
    emb = nn.Embedding(4, 2, padding_idx=1)
    assert emb.weight[1].tolist() == [0.0, 0.0]
    emb(tg.tensor([2, 2, 1, 0])).sum().backward()
    assert emb.weight.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0], [0.0, 0.0]]


def test_embedding_from_pretrained_is_frozen_by_default():
    emb = nn.Embedding.from_pretrained(tg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert emb(tg.tensor([1])).tolist() == [[3.0, 4.0]] and not emb.weight.requires_grad


def test_embedding_rejects_float_indices():
    with pytest.raises(RuntimeError, match="int64"):
        nn.Embedding(3, 2)(tg.tensor([0.0]))


def test_one_hot_marks_each_class_with_a_one():
    assert F.one_hot(tg.tensor([0, 2, 1]), 4).tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]
    assert tuple(F.one_hot(tg.tensor([[3]])).shape) == (1, 1, 4)


def test_pad_modes_match_numpy_pad(rng):
    x = rng.normal(size=(1, 2, 3, 4))
    for mode, numpy_mode in [("constant", "constant"), ("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")]:
        got = values(F.pad(tg.tensor(x), (2, 1, 1, 2), mode=mode))
        np.testing.assert_allclose(got, np.pad(x, ((0, 0), (0, 0), (1, 2), (2, 1)), mode=numpy_mode), err_msg=mode)


# normalize and cosine_similarity ------------------------------------------------------------------


@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, -1), (3.0, 0), (math.inf, 2)])
def test_normalize_divides_by_the_clamped_p_norm(x, p, dim):
    norm = np.max(np.abs(x), axis=dim, keepdims=True) if p == math.inf else \
        np.sum(np.abs(x) ** p, axis=dim, keepdims=True) ** (1 / p)
    np.testing.assert_allclose(F.normalize(tg.tensor(x), p=p, dim=dim).numpy(), x / np.maximum(norm, 1e-12), rtol=1e-12)


def test_normalize_leaves_a_zero_slice_at_zero():
    out = F.normalize(tg.tensor([[0.0, 0.0], [3.0, 4.0]]))
    np.testing.assert_allclose(out.numpy(), [[0, 0], [0.6, 0.8]])


def test_cosine_similarity_clamps_each_norm_separately():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 4, 5)), rng.normal(size=(4, 5))
    n_a, n_b = np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1)
    expected = np.sum(a * b, axis=-1) / (np.maximum(n_a, 1e-8) * np.maximum(n_b, 1e-8))
    np.testing.assert_allclose(F.cosine_similarity(tg.tensor(a), tg.tensor(b), dim=-1).numpy(), expected, rtol=1e-12)
    # ||x|| = 1e-5 each, product 1e-10 < eps, but each norm is above eps: the result is 1, not 0.01
    tiny = tg.tensor([[1e-5, 0.0]], dtype=tg.float64)
    np.testing.assert_allclose(F.cosine_similarity(tiny, tiny).numpy(), [1.0])


def test_cosine_similarity_gradient_treats_the_clamp_as_straight_through():
    # d/dx1 of (x1 . x2) / (n1 * n2) with n1 = max(||x1||, eps) in value but d n1/d x1 = x1 / ||x1||
    x1, x2, eps = np.array([1e-5, 0.0]), np.array([2e-5, 1e-5]), 1e-4
    t = tg.tensor(x1[None], requires_grad=True)
    F.cosine_similarity(t, tg.tensor(x2[None]), eps=eps).sum().backward()
    n1, n2 = max(np.linalg.norm(x1), eps), max(np.linalg.norm(x2), eps)
    expected = x2 / (n1 * n2) - (x1 @ x2) / (n1**2 * n2) * x1 / np.linalg.norm(x1)
    np.testing.assert_allclose(t.grad.numpy()[0], expected, rtol=1e-9)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_normalize_of_a_zero_vector_has_gradient_one_over_eps_like_pytorch(p):
    # PyTorch 2.13: F.normalize(zeros(2, 3), p) backward of the sum gives 1e12 = 1 / eps everywhere
    x = tg.zeros(2, 3, dtype=tg.float64, requires_grad=True)
    F.normalize(x, p=p).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 1e12))


def test_cosine_similarity_with_a_zero_vector_has_pytorchs_finite_gradient():
    # PyTorch 2.13: d/dx1 at x1 = 0 is x2 / (||x2|| * eps); x2's gradient is 0
    x1 = tg.zeros(1, 3, dtype=tg.float64, requires_grad=True)
    x2 = tg.tensor([[1.0, 2.0, 3.0]], dtype=tg.float64, requires_grad=True)
    out = F.cosine_similarity(x1, x2)
    out.sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), [0.0])
    np.testing.assert_allclose(x1.grad.numpy(), [[26726124.1912, 53452248.3825, 80178372.5737]], rtol=1e-10)
    np.testing.assert_array_equal(x2.grad.numpy(), [[0.0, 0.0, 0.0]])


def test_cosine_similarity_of_two_zero_vectors_has_gradient_zero():
    x1, x2 = (tg.zeros(1, 3, dtype=tg.float64, requires_grad=True) for _ in range(2))
    F.cosine_similarity(x1, x2).sum().backward()
    np.testing.assert_array_equal(x1.grad.numpy(), [[0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(x2.grad.numpy(), [[0.0, 0.0, 0.0]])


def test_linear_on_a_batch_with_a_bias_is_pytorchs_addmm_node():
    x, layer = tg.ones(2, 3, requires_grad=True), nn.Linear(3, 4)
    # PyTorch 2.13 prints grad_fn=<AddmmBackward0> for F.linear on 2-D input with a bias
    assert layer(x).grad_fn.name() == "AddmmBackward0"
    assert "grad_fn=<AddmmBackward0>" in repr(layer(x))
