"""normalize, cosine_similarity, hardtanh, relu6, mish, logsigmoid, their modules and OneCycleLR,
checked against numpy formulas (and PyTorch's schedule) written out here."""

from __future__ import annotations

import math

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.nn import functional as F
from teachgrad.optim.lr_scheduler import OneCycleLR


@pytest.fixture
def x():
    return np.random.default_rng(0).uniform(-8, 8, (3, 4, 5))


def _softplus(v):
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


# OneCycleLR: PyTorch's schedule written out ------------------------------------------------------
def _one_cycle_reference(total, max_lr, pct_start=0.3, strategy="cos", div=25.0, final_div=1e4, three_phase=False,
                         base_m=0.85, max_m=0.95):
    anneal = (lambda a, b, p: b + (a - b) / 2 * (math.cos(math.pi * p) + 1)) if strategy == "cos" else \
        (lambda a, b, p: a + (b - a) * p)
    initial = max_lr / div
    low = initial / final_div
    if three_phase:
        phases = [(pct_start * total - 1, initial, max_lr, max_m, base_m), (2 * pct_start * total - 2, max_lr, initial, base_m, max_m),
                  (total - 1, initial, low, max_m, max_m)]
    else:
        phases = [(pct_start * total - 1, initial, max_lr, max_m, base_m), (total - 1, max_lr, low, base_m, max_m)]
    lrs, moms = [], []
    for t in range(total):
        start = 0.0
        for i, (end, a, b, ma, mb) in enumerate(phases):
            if t <= end or i == len(phases) - 1:
                p = (t - start) / (end - start)
                lrs.append(anneal(a, b, p))
                moms.append(anneal(ma, mb, p))
                break
            start = end
    return lrs, moms


def _run(optimizer, scheduler, steps, beta=False):
    lrs, moms = [], []
    for i in range(steps):
        group = optimizer.param_groups[0]
        lrs.append(scheduler.get_last_lr()[0])
        moms.append(group["betas"][0] if beta else group["momentum"])
        if i < steps - 1:
            scheduler.step()
    return lrs, moms


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(anneal_strategy="linear"),
    dict(three_phase=True, pct_start=0.25),
    dict(three_phase=True, anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0),
    dict(base_momentum=0.8, max_momentum=0.9, pct_start=0.5),
])
def test_one_cycle_follows_pytorchs_schedule_with_sgd_momentum(kwargs):
    opt = tg.optim.SGD([tg.nn.Parameter(tg.zeros(1))], lr=0.3, momentum=0.9)
    sched = OneCycleLR(opt, max_lr=0.5, total_steps=13, **kwargs)
    ref = _one_cycle_reference(13, 0.5, **{{"anneal_strategy": "strategy", "div_factor": "div", "final_div_factor": "final_div",
                                            "base_momentum": "base_m", "max_momentum": "max_m"}.get(k, k): v
                                          for k, v in kwargs.items()})
    got = _run(opt, sched, 13)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-13)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-13)


def test_one_cycle_epochs_times_steps_and_adam_beta1():
    opt = tg.optim.Adam([tg.nn.Parameter(tg.zeros(1))], lr=0.3, betas=(0.9, 0.99))
    sched = OneCycleLR(opt, max_lr=0.1, epochs=3, steps_per_epoch=4)
    assert sched.total_steps == 12
    lrs, moms = _run(opt, sched, 12, beta=True)
    ref = _one_cycle_reference(12, 0.1)
    np.testing.assert_allclose(lrs, ref[0], rtol=1e-13)
    np.testing.assert_allclose(moms, ref[1], rtol=1e-13)
    assert opt.param_groups[0]["betas"][1] == 0.99
    assert opt.param_groups[0]["initial_lr"] == pytest.approx(0.1 / 25)


def test_one_cycle_without_cycle_momentum_leaves_momentum_alone():
    opt = tg.optim.SGD([tg.nn.Parameter(tg.zeros(1))], lr=0.3, momentum=0.5)
    sched = OneCycleLR(opt, max_lr=1.0, total_steps=5, cycle_momentum=False)
    for _ in range(4):
        sched.step()
    assert opt.param_groups[0]["momentum"] == 0.5
    assert sched.get_last_lr()[0] == pytest.approx(1.0 / 25 / 1e4)


def test_one_cycle_errors():
    opt = tg.optim.SGD([tg.nn.Parameter(tg.zeros(1))], lr=0.3, momentum=0.9)
    with pytest.raises(ValueError, match="total_steps OR"):
        OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="positive integer total_steps"):
        OneCycleLR(opt, max_lr=1.0, total_steps=0)
    with pytest.raises(ValueError, match="pct_start"):
        OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="same length"):
        OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=10)
    with pytest.raises(ValueError, match="momentum or beta1"):
        OneCycleLR(tg.optim.Adagrad([tg.nn.Parameter(tg.zeros(1))]), max_lr=1.0, total_steps=10)
    sched = OneCycleLR(opt, max_lr=1.0, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()
