"""Losses: the module forms against formulas written in numpy, and PyTorch's conventions for weights and ignored targets."""

from __future__ import annotations

import re

import numpy as np
import pytest

import teachgrad as tg
import teachgrad.nn.functional as F
from teachgrad import nn


def log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0], [0.3, 0.3, 0.3], [2.0, -2.0, 0.0]])
TARGET = np.array([1, 2, 0, 0])
WEIGHT = np.array([0.5, 2.0, 1.5])


def test_mse_loss_is_the_mean_squared_difference():
    x, t = np.array([1.0, 2.0, 4.0]), np.array([0.0, 2.0, 1.0])
    assert nn.MSELoss()(tg.tensor(x), tg.tensor(t)).item() == pytest.approx(np.mean((x - t) ** 2))
    assert nn.MSELoss(reduction="sum")(tg.tensor(x), tg.tensor(t)).item() == pytest.approx(10.0)
    assert nn.MSELoss(reduction="none")(tg.tensor(x), tg.tensor(t)).tolist() == [1.0, 0.0, 9.0]


def test_mse_loss_warns_when_target_shape_differs():
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(tg.ones(3, 1), tg.ones(3))


def test_l1_and_smooth_l1_and_huber_losses_follow_their_formulas():
    x, t = tg.tensor([0.0, 0.0, 0.0]), tg.tensor([0.2, 1.0, 3.0])
    assert nn.L1Loss(reduction="sum")(x, t).item() == pytest.approx(4.2)
    # smooth l1 (beta 0.5): 0.5 d^2 / beta below beta, |d| - beta / 2 above
    assert nn.SmoothL1Loss(reduction="none", beta=0.5)(x, t).tolist() == pytest.approx([0.04, 0.75, 2.75])
    # huber (delta 2): 0.5 d^2 below delta, delta * (|d| - delta / 2) above
    assert nn.HuberLoss(reduction="none", delta=2.0)(x, t).tolist() == pytest.approx([0.02, 0.5, 4.0])


def test_cross_entropy_is_the_mean_negative_log_softmax_at_the_target():
    expected = -log_softmax(LOGITS)[np.arange(4), TARGET].mean()
    assert nn.CrossEntropyLoss()(tg.tensor(LOGITS), tg.tensor(TARGET)).item() == pytest.approx(expected, rel=1e-12)


def test_weighted_cross_entropy_mean_divides_by_the_sum_of_the_target_weights():
    per_sample = -log_softmax(LOGITS)[np.arange(4), TARGET] * WEIGHT[TARGET]
    loss = nn.CrossEntropyLoss(weight=tg.tensor(WEIGHT))(tg.tensor(LOGITS), tg.tensor(TARGET))
    assert loss.item() == pytest.approx(per_sample.sum() / WEIGHT[TARGET].sum(), rel=1e-12)


def test_cross_entropy_ignore_index_drops_those_samples_from_sum_and_count():
    target = np.array([1, -100, 0, -100])
    kept = np.array([0, 2])
    expected = -log_softmax(LOGITS)[kept, target[kept]].mean()
    assert F.cross_entropy(tg.tensor(LOGITS), tg.tensor(target)).item() == pytest.approx(expected, rel=1e-12)
    assert F.cross_entropy(tg.tensor(LOGITS), tg.tensor(target), reduction="none").tolist()[1] == 0.0


def test_cross_entropy_with_only_ignored_targets_is_nan_like_pytorch():
    assert np.isnan(F.cross_entropy(tg.tensor(LOGITS), tg.tensor([-100] * 4)).item())


def test_cross_entropy_label_smoothing_mixes_nll_with_the_mean_over_classes():
    eps, classes = 0.2, 3
    logp = log_softmax(LOGITS)
    nll = -logp[np.arange(4), TARGET].mean()
    smooth = -logp.sum(axis=1).mean()
    expected = (1 - eps) * nll + eps / classes * smooth
    got = nn.CrossEntropyLoss(label_smoothing=eps)(tg.tensor(LOGITS), tg.tensor(TARGET)).item()
    assert got == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_label_smoothing_with_weights_normalises_both_terms_by_the_target_weights():
    eps, classes = 0.3, 3
    logp = log_softmax(LOGITS)
    norm = WEIGHT[TARGET].sum()
    nll = -(logp[np.arange(4), TARGET] * WEIGHT[TARGET]).sum() / norm
    smooth = -(logp * WEIGHT).sum() / norm
    expected = (1 - eps) * nll + eps / classes * smooth
    got = F.cross_entropy(tg.tensor(LOGITS), tg.tensor(TARGET), weight=tg.tensor(WEIGHT), label_smoothing=eps).item()
    assert got == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_matches_pytorchs_value_for_weights_ignore_index_and_smoothing():
    # torch.nn.functional.cross_entropy(torch.tensor(LOGITS), torch.tensor([1, -100, 0, 2]), weight=torch.tensor(WEIGHT),
    #                                   label_smoothing=0.25) with torch 2.13
    got = F.cross_entropy(tg.tensor(LOGITS), tg.tensor([1, -100, 0, 2]), weight=tg.tensor(WEIGHT), label_smoothing=0.25)
    assert got.item() == pytest.approx(PYTORCH_SMOOTHED_WEIGHTED_IGNORED, rel=1e-12)


PYTORCH_SMOOTHED_WEIGHTED_IGNORED = 1.3084504417250409


def test_cross_entropy_with_probability_targets_averages_over_samples_even_with_weights():
    probs = np.array([[0.2, 0.7, 0.1], [0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.0, 0.5]])
    expected = -(log_softmax(LOGITS) * probs * WEIGHT).sum() / 4
    got = F.cross_entropy(tg.tensor(LOGITS), tg.tensor(probs), weight=tg.tensor(WEIGHT)).item()
    assert got == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_over_spatial_dims_takes_classes_from_dim_1(rng):
    logits = rng.normal(size=(2, 3, 4))
    target = rng.integers(0, 3, size=(2, 4))
    logp = log_softmax(logits)
    expected = -np.take_along_axis(logp, target[:, None], axis=1).mean()
    assert F.cross_entropy(tg.tensor(logits), tg.tensor(target)).item() == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    x = tg.tensor(LOGITS, requires_grad=True)
    F.cross_entropy(x, tg.tensor(TARGET)).backward()
    softmax = np.exp(log_softmax(LOGITS))
    np.testing.assert_allclose(x.grad.numpy(), (softmax - np.eye(3)[TARGET]) / 4, rtol=1e-10)


def test_cross_entropy_rejects_out_of_range_class():
    with pytest.raises(IndexError, match="Target 3 is out of bounds"):
        F.cross_entropy(tg.tensor(LOGITS), tg.tensor([0, 1, 2, 3]))


def test_nll_loss_picks_minus_the_log_probability_of_the_target():
    logp = log_softmax(LOGITS)
    assert nn.NLLLoss(reduction="sum")(tg.tensor(logp), tg.tensor(TARGET)).item() == pytest.approx(-logp[np.arange(4), TARGET].sum())


def test_binary_cross_entropy_follows_its_formula_and_clamps_the_log():
    p, t = np.array([0.9, 0.2, 0.5]), np.array([1.0, 0.0, 1.0])
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()
    assert nn.BCELoss()(tg.tensor(p), tg.tensor(t)).item() == pytest.approx(expected, rel=1e-12)
    assert F.binary_cross_entropy(tg.tensor([0.0]), tg.tensor([1.0])).item() == 100.0


def test_binary_cross_entropy_rejects_values_outside_zero_one():
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([1.2]), tg.tensor([1.0]))


@pytest.mark.parametrize("value", [1.5, -0.5, float("nan")])
def test_binary_cross_entropy_rejects_targets_outside_zero_one_and_nan(value):
    # PyTorch 2.13: RuntimeError("all elements of target should be between 0 and 1"), for NaN too
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([0.5]), tg.tensor([value]))


def test_binary_cross_entropy_rejects_a_nan_input():
    # PyTorch 2.13: RuntimeError("all elements of input should be between 0 and 1")
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([float("nan")]), tg.tensor([0.5]))


def test_bce_with_logits_equals_bce_of_sigmoid_and_is_stable_for_large_logits():
    x, t = np.array([2.0, -1.0, 0.5]), np.array([1.0, 0.0, 0.3])
    p = 1 / (1 + np.exp(-x))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()
    assert nn.BCEWithLogitsLoss()(tg.tensor(x), tg.tensor(t)).item() == pytest.approx(expected, rel=1e-12)
    assert F.binary_cross_entropy_with_logits(tg.tensor([-1000.0]), tg.tensor([1.0])).item() == pytest.approx(1000.0)


def test_bce_with_logits_pos_weight_scales_only_the_positive_term():
    x, t = np.array([[0.5, -0.5]]), np.array([[1.0, 1.0]])
    pos_weight = np.array([3.0, 0.5])
    expected = (pos_weight * np.log1p(np.exp(-x))).mean()
    loss = nn.BCEWithLogitsLoss(pos_weight=tg.tensor(pos_weight))(tg.tensor(x), tg.tensor(t))
    assert loss.item() == pytest.approx(expected, rel=1e-12)


def test_unknown_reduction_is_refused():
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.mse_loss(tg.ones(2), tg.ones(2), reduction="average")


PROBS, LABELS = tg.tensor([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]]), tg.tensor([1, 0])
LOSS_CALLS = {  # every loss, with inputs it accepts; `reduction` is passed to it
    "mse_loss": lambda r: F.mse_loss(PROBS, PROBS, reduction=r),
    "l1_loss": lambda r: F.l1_loss(PROBS, PROBS, reduction=r),
    "smooth_l1_loss": lambda r: F.smooth_l1_loss(PROBS, PROBS, reduction=r),
    "huber_loss": lambda r: F.huber_loss(PROBS, PROBS, reduction=r),
    "nll_loss": lambda r: F.nll_loss(PROBS.log(), LABELS, reduction=r),
    "cross_entropy (fused 2-D path)": lambda r: F.cross_entropy(PROBS, LABELS, reduction=r),
    "cross_entropy with label smoothing": lambda r: F.cross_entropy(PROBS, LABELS, reduction=r, label_smoothing=0.1),
    "cross_entropy with probability targets": lambda r: F.cross_entropy(PROBS, PROBS, reduction=r),
    "cross_entropy of one sample": lambda r: F.cross_entropy(PROBS[0], LABELS[0], reduction=r),
    "binary_cross_entropy": lambda r: F.binary_cross_entropy(PROBS, PROBS, reduction=r),
    "binary_cross_entropy_with_logits": lambda r: F.binary_cross_entropy_with_logits(PROBS, PROBS, reduction=r),
    "MSELoss": lambda r: nn.MSELoss(reduction=r)(PROBS, PROBS),
    "L1Loss": lambda r: nn.L1Loss(reduction=r)(PROBS, PROBS),
    "SmoothL1Loss": lambda r: nn.SmoothL1Loss(reduction=r)(PROBS, PROBS),
    "HuberLoss": lambda r: nn.HuberLoss(reduction=r)(PROBS, PROBS),
    "NLLLoss": lambda r: nn.NLLLoss(reduction=r)(PROBS.log(), LABELS),
    "CrossEntropyLoss": lambda r: nn.CrossEntropyLoss(reduction=r)(PROBS, LABELS),
    "BCELoss": lambda r: nn.BCELoss(reduction=r)(PROBS, PROBS),
    "BCEWithLogitsLoss": lambda r: nn.BCEWithLogitsLoss(reduction=r)(PROBS, PROBS),
}


@pytest.mark.parametrize("reduction", ["Mean", "average", ""])
@pytest.mark.parametrize("name", list(LOSS_CALLS))
def test_every_loss_refuses_an_unknown_reduction_with_pytorchs_error(name, reduction):
    # PyTorch 2.13: ValueError("Mean is not a valid value for reduction"), raised by the call, not the constructor
    with pytest.raises(ValueError, match=f"^{reduction} is not a valid value for reduction$"):
        LOSS_CALLS[name](reduction)


@pytest.mark.parametrize("name", list(LOSS_CALLS))
def test_every_loss_accepts_the_three_known_reductions(name):
    assert LOSS_CALLS[name]("none").ndim >= LOSS_CALLS[name]("mean").ndim == LOSS_CALLS[name]("sum").ndim == 0


def test_loss_module_repr_is_the_class_name():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


X = np.array([[0.5, -1.5, 2.0, 0.1], [1.2, 0.3, -0.4, 3.0], [-2.0, 0.7, 0.0, 1.1]])
Y = np.array([[0.2, 0.9, 0.5, 0.1], [0.7, 0.0, 1.0, 0.4], [0.3, 0.6, 0.8, 0.5]])
PROBABILITIES = 1 / (1 + np.exp(-X))
CLASSES = np.array([0, 1, 3])
NODE_CALLS = {  # name -> the call, given x, y (targets in [0, 1]), p (probabilities), c (class indices), r (reduction)
    "mse_loss": lambda x, y, p, c, r: F.mse_loss(x, y, reduction=r),
    "l1_loss": lambda x, y, p, c, r: F.l1_loss(x, y, reduction=r),
    "smooth_l1_loss": lambda x, y, p, c, r: F.smooth_l1_loss(x, y, reduction=r),
    "smooth_l1_loss, beta=0": lambda x, y, p, c, r: F.smooth_l1_loss(x, y, reduction=r, beta=0.0),
    "huber_loss": lambda x, y, p, c, r: F.huber_loss(x, y, reduction=r),
    "huber_loss, weight": lambda x, y, p, c, r: F.huber_loss(x, y, reduction=r, weight=y + 1),
    "nll_loss": lambda x, y, p, c, r: F.nll_loss(x, c, reduction=r),
    "nll_loss, 1-D": lambda x, y, p, c, r: F.nll_loss(x[0], c[0], reduction=r),
    "cross_entropy": lambda x, y, p, c, r: F.cross_entropy(x, c, reduction=r),
    "cross_entropy, 1-D": lambda x, y, p, c, r: F.cross_entropy(x[0], c[0], reduction=r),
    "binary_cross_entropy": lambda x, y, p, c, r: F.binary_cross_entropy(p, y, reduction=r),
    "binary_cross_entropy, weight": lambda x, y, p, c, r: F.binary_cross_entropy(p, y, reduction=r, weight=y + 1),
    "binary_cross_entropy_with_logits": lambda x, y, p, c, r: F.binary_cross_entropy_with_logits(x, y, reduction=r),
    "binary_cross_entropy_with_logits, weights": lambda x, y, p, c, r: F.binary_cross_entropy_with_logits(
        x, y, y + 1, reduction=r, pos_weight=y[0] + 2),
}
# type(loss.grad_fn).__name__ as PyTorch 2.13 prints it (/tmp/torchenv) for mean, sum and none
PYTORCH_NODES = {
    "mse_loss": ("MseLossBackward0",) * 3,
    "l1_loss": ("MeanBackward0", "SumBackward0", "AbsBackward0"),
    "smooth_l1_loss": ("SmoothL1LossBackward0",) * 3,
    "smooth_l1_loss, beta=0": ("MeanBackward0", "SumBackward0", "AbsBackward0"),
    "huber_loss": ("HuberLossBackward0",) * 3,
    "huber_loss, weight": ("MeanBackward0", "SumBackward0", "MulBackward0"),
    "nll_loss": ("NllLossBackward0",) * 3,
    "nll_loss, 1-D": ("NllLossBackward0",) * 3,
    "cross_entropy": ("NllLossBackward0",) * 3,
    "cross_entropy, 1-D": ("NllLossBackward0",) * 3,
    "binary_cross_entropy": ("BinaryCrossEntropyBackward0",) * 3,
    "binary_cross_entropy, weight": ("BinaryCrossEntropyBackward0",) * 3,
    "binary_cross_entropy_with_logits": ("BinaryCrossEntropyWithLogitsBackward0",) * 3,
    "binary_cross_entropy_with_logits, weights": ("BinaryCrossEntropyWithLogitsBackward0",) * 3,
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(NODE_CALLS))
def test_a_losss_grad_fn_is_named_as_pytorch_names_it(name, reduction):
    x, p = tg.tensor(X, requires_grad=True), tg.tensor(PROBABILITIES, requires_grad=True)
    loss = NODE_CALLS[name](x, tg.tensor(Y), p, tg.tensor(CLASSES), reduction)
    assert loss.grad_fn.name() == PYTORCH_NODES[name][["mean", "sum", "none"].index(reduction)]


def test_nll_loss_on_a_single_sample_of_log_probabilities_is_minus_the_picked_one():
    x = tg.tensor([-1.2, -0.3, -2.5], requires_grad=True)
    loss = F.nll_loss(x, tg.tensor(1))
    loss.backward()
    assert loss.shape == () and loss.item() == pytest.approx(0.3) and x.grad.tolist() == [0.0, -1.0, 0.0]


def test_nll_loss_over_spatial_dims_matches_the_loss_of_each_position(rng):
    # (N, C, d1, d2) = (2, 3, 3, 1): 6 rows of 3 log-probabilities, their classes moved to dim 1
    logp = log_softmax(rng.uniform(-2, 2, (6, 3))).reshape(2, 3, 3, 1).transpose(0, 2, 1, 3)
    target = rng.integers(0, 3, (2, 3, 1))
    picked = -np.take_along_axis(logp, target[:, None], axis=1)[:, 0]
    loss = F.nll_loss(tg.tensor(logp), tg.tensor(target), reduction="none")
    np.testing.assert_allclose(loss.numpy(), picked, rtol=1e-6)
    assert F.nll_loss(tg.tensor(logp), tg.tensor(target)).item() == pytest.approx(picked.mean())


def test_weighted_huber_loss_mean_divides_by_the_number_of_elements_as_pytorch():
    x, w = tg.tensor([[0.5, 3.0], [-2.0, 0.1]]), tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    # PyTorch 2.13: F.huber_loss(x, zeros, weight=w) == 2.41125 == sum(w * huber) / 4 (not / sum(w))
    assert F.huber_loss(x, tg.zeros(2, 2), weight=w).item() == pytest.approx(2.41125)


@pytest.mark.parametrize("call, name, argument", [
    (lambda x, w: F.binary_cross_entropy_with_logits(x, x.detach(), weight=w), "binary_cross_entropy_with_logits", "weight"),
    (lambda x, w: F.binary_cross_entropy_with_logits(x, x.detach(), pos_weight=w), "binary_cross_entropy_with_logits",
     "pos_weight"),
    (lambda x, w: F.binary_cross_entropy(x.sigmoid(), x.detach().sigmoid(), weight=w), "binary_cross_entropy", "weight"),
])
def test_a_bce_weight_that_requires_grad_is_refused_as_in_pytorch(call, name, argument):
    x, w = tg.tensor([0.5, -1.0, 2.0], requires_grad=True), tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    # PyTorch 2.13's message, printed by /tmp/torchenv
    message = (f"The function '{name}' is not differentiable with respect to argument '{argument}'. "
               "This input cannot have requires_grad True.")
    with pytest.raises(RuntimeError, match=re.escape(message)):
        call(x, w)


def test_mse_loss_gradient_for_a_broadcast_target_is_summed_over_the_broadcast_rows():
    x, t = tg.tensor(X, requires_grad=True), tg.tensor(Y[0], requires_grad=True)
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(x, t).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (X - Y[0]) / X.size, rtol=1e-6)  # numpy, float64
    np.testing.assert_allclose(t.grad.numpy(), (-2 * (X - Y[0]) / X.size).sum(axis=0), rtol=1e-6)
