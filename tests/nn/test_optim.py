"""Optimizers and schedulers: steps against the update formulas written in numpy, state and state dicts, bad settings."""

from __future__ import annotations

import math

import numpy as np
import pytest

import teachgrad as tg
from teachgrad import nn, optim
from teachgrad.optim import lr_scheduler

START = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]])
STEPS = 5


def gradient(p: np.ndarray) -> np.ndarray:
    """A made-up gradient field: the gradient of sum((p - 1)**2) plus a wiggle."""
    return 2 * (p - 1.0) + np.sin(3 * p)


def run_teachgrad(make_optimizer, steps=STEPS):
    param = nn.Parameter(tg.tensor(START))
    optimizer = make_optimizer([param])
    for _ in range(steps):
        param.grad = tg.tensor(gradient(param.detach().numpy()))
        optimizer.step()
    return param.detach().numpy(), optimizer


def numpy_sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    p, buf = START.copy(), None
    for _ in range(STEPS):
        g = -gradient(p) if maximize else gradient(p)
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def numpy_adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False, maximize=False):
    p, m, v, v_max = START.copy(), np.zeros_like(START), np.zeros_like(START), np.zeros_like(START)
    for t in range(1, STEPS + 1):
        g = -gradient(p) if maximize else gradient(p)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - betas[0] ** t)
        denom = np.sqrt(v_max if amsgrad else v) / math.sqrt(1 - betas[1] ** t) + eps
        p = p - lr * m_hat / denom
    return p


def numpy_rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    p, v, a, b = START.copy(), np.zeros_like(START), np.zeros_like(START), np.zeros_like(START)
    for _ in range(STEPS):
        g = gradient(p) + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            a = alpha * a + (1 - alpha) * g
            denom = np.sqrt(v - a * a) + eps
        else:
            denom = np.sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / denom
            p = p - lr * b
        else:
            p = p - lr * g / denom
    return p


def numpy_adagrad(lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    p, s = START.copy(), np.full_like(START, initial_accumulator_value)
    for t in range(1, STEPS + 1):
        g = gradient(p) + weight_decay * p
        s = s + g * g
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
    return p


@pytest.mark.parametrize("settings", [
    {"lr": 0.1}, {"lr": 0.1, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True}, {"lr": 0.1, "maximize": True},
], ids=str)
def test_sgd_follows_the_update_formula(settings):
    got, _ = run_teachgrad(lambda ps: optim.SGD(ps, **settings))
    np.testing.assert_allclose(got, numpy_sgd(**settings), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("settings", [
    {"lr": 0.1}, {"lr": 0.1, "betas": (0.8, 0.9), "weight_decay": 0.1}, {"lr": 0.1, "amsgrad": True}, {"lr": 0.1, "maximize": True},
], ids=str)
def test_adam_follows_the_update_formula_with_bias_correction(settings):
    got, _ = run_teachgrad(lambda ps: optim.Adam(ps, **settings))
    np.testing.assert_allclose(got, numpy_adam(**settings), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("settings", [{"lr": 0.1}, {"lr": 0.1, "weight_decay": 0.5, "amsgrad": True}], ids=str)
def test_adamw_decays_the_weights_before_the_adam_step(settings):
    got, _ = run_teachgrad(lambda ps: optim.AdamW(ps, **settings))
    np.testing.assert_allclose(got, numpy_adam(decoupled=True, **{"weight_decay": 1e-2, **settings}), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("settings", [
    {"lr": 0.01}, {"lr": 0.01, "alpha": 0.9, "momentum": 0.5}, {"lr": 0.01, "centered": True, "weight_decay": 0.1},
], ids=str)
def test_rmsprop_follows_the_update_formula(settings):
    got, _ = run_teachgrad(lambda ps: optim.RMSprop(ps, **settings))
    np.testing.assert_allclose(got, numpy_rmsprop(**settings), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("settings", [
    {"lr": 0.1}, {"lr": 0.1, "lr_decay": 0.2, "weight_decay": 0.1, "initial_accumulator_value": 0.5},
], ids=str)
def test_adagrad_follows_the_update_formula(settings):
    got, _ = run_teachgrad(lambda ps: optim.Adagrad(ps, **settings))
    np.testing.assert_allclose(got, numpy_adagrad(**settings), rtol=1e-12, atol=1e-12)


def test_optimizer_state_uses_pytorchs_keys():
    _, sgd = run_teachgrad(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), steps=1)
    _, adam = run_teachgrad(lambda ps: optim.Adam(ps, amsgrad=True), steps=2)
    _, rms = run_teachgrad(lambda ps: optim.RMSprop(ps, momentum=0.1, centered=True), steps=1)
    _, ada = run_teachgrad(lambda ps: optim.Adagrad(ps), steps=1)
    assert [list(s) for s in sgd.state.values()] == [["momentum_buffer"]]
    assert [list(s) for s in adam.state.values()] == [["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]]
    assert [list(s) for s in rms.state.values()] == [["step", "square_avg", "momentum_buffer", "grad_avg"]]
    assert [list(s) for s in ada.state.values()] == [["step", "sum"]]
    assert next(iter(adam.state.values()))["step"].item() == 2.0


def test_sgd_without_momentum_keeps_no_state():
    _, sgd = run_teachgrad(lambda ps: optim.SGD(ps, lr=0.1))
    assert len(sgd.state) == 0


def test_step_skips_parameters_without_gradient():
    a, b = nn.Parameter(tg.ones(2)), nn.Parameter(tg.ones(2))
    optimizer = optim.SGD([a, b], lr=0.5)
    a.grad = tg.ones(2)
    optimizer.step()
    assert a.tolist() == [0.5, 0.5] and b.tolist() == [1.0, 1.0]


def test_step_with_closure_reevaluates_with_gradients_and_returns_the_loss():
    w = nn.Parameter(tg.tensor([2.0]))
    optimizer = optim.SGD([w], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with tg.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 4.0 and w.tolist() == [1.0]


def test_param_groups_take_their_own_settings_and_the_defaults_for_the_rest():
    a, b = nn.Parameter(tg.ones(1)), nn.Parameter(tg.ones(1))
    optimizer = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5]
    assert optimizer.param_groups[1]["momentum"] == 0.9
    a.grad, b.grad = tg.ones(1), tg.ones(1)
    optimizer.step()
    assert a.tolist() == pytest.approx([0.9]) and b.tolist() == pytest.approx([0.5])


def test_add_param_group_refuses_a_parameter_already_optimized():
    p = nn.Parameter(tg.ones(1))
    optimizer = optim.Adam([p])
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": [p]})


def test_zero_grad_clears_gradients():
    p = nn.Parameter(tg.ones(2))
    p.grad = tg.ones(2)
    optimizer = optim.SGD([p], lr=0.1)
    optimizer.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0, 0.0]
    optimizer.zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("make, message", [
    (lambda ps: optim.SGD(ps, lr=-0.1), "Invalid learning rate"),
    (lambda ps: optim.SGD(ps, lr=0.1, momentum=-1), "Invalid momentum"),
    (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda ps: optim.Adam(ps, betas=(1.0, 0.999)), "Invalid beta parameter at index 0"),
    (lambda ps: optim.Adam(ps, betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
    (lambda ps: optim.AdamW(ps, eps=-1e-8), "Invalid epsilon"),
    (lambda ps: optim.RMSprop(ps, alpha=-0.5), "Invalid alpha"),
    (lambda ps: optim.Adagrad(ps, lr_decay=-1), "Invalid lr_decay"),
    (lambda ps: optim.Adam(ps, weight_decay=-1), "Invalid weight_decay"),
])
def test_invalid_hyper_parameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make([nn.Parameter(tg.ones(1))])


def test_optimizer_refuses_a_tensor_instead_of_an_iterable_and_an_empty_list():
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(nn.Parameter(tg.ones(1)), lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)


def test_state_dict_numbers_parameters_and_resuming_continues_the_same_trajectory():
    _, optimizer = run_teachgrad(lambda ps: optim.Adam(ps, lr=0.1), steps=3)
    state = optimizer.state_dict()
    assert state["param_groups"][0]["params"] == [0] and list(state["state"]) == [0]
    assert state["param_groups"][0]["lr"] == 0.1 and state["param_groups"][0]["betas"] == (0.9, 0.999)
    # resume: a new optimizer on a copy of the parameter, loaded from the state dict
    param = optimizer.param_groups[0]["params"][0]
    resumed_param = nn.Parameter(param.detach().clone())
    resumed = optim.Adam([resumed_param], lr=0.5)
    resumed.load_state_dict(state)
    assert resumed.param_groups[0]["lr"] == 0.1
    for p, opt in ((param, optimizer), (resumed_param, resumed)):
        p.grad = tg.tensor(gradient(p.detach().numpy()))
        opt.step()
    assert resumed_param.equal(param)


def test_load_state_dict_refuses_a_different_number_of_groups():
    a, b = nn.Parameter(tg.ones(1)), nn.Parameter(tg.ones(1))
    state = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([a], lr=0.1).load_state_dict(state)


# schedulers --------------------------------------------------------------------------------------


def lrs_over_epochs(make_scheduler, epochs=8, lr=1.0):
    optimizer = optim.SGD([nn.Parameter(tg.ones(1))], lr=lr)
    scheduler = make_scheduler(optimizer)
    seen = [optimizer.param_groups[0]["lr"]]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        seen.append(scheduler.get_last_lr()[0])
    return seen


def test_step_lr_multiplies_by_gamma_every_step_size_epochs():
    expected = [0.5 ** (epoch // 3) for epoch in range(9)]
    assert lrs_over_epochs(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5)) == pytest.approx(expected)


def test_multistep_lr_multiplies_at_each_milestone():
    expected = [1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.01]
    assert lrs_over_epochs(lambda o: lr_scheduler.MultiStepLR(o, milestones=[5, 2])) == pytest.approx(expected)


def test_exponential_lr_multiplies_every_epoch():
    assert lrs_over_epochs(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9)) == pytest.approx([0.9**e for e in range(9)])


def test_cosine_annealing_follows_the_closed_form_curve_and_rises_after_t_max():
    eta_min, t_max = 0.1, 4
    expected = [eta_min + (1.0 - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2 for e in range(9)]
    got = lrs_over_epochs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min))
    assert got == pytest.approx(expected, rel=1e-12)


def test_lambda_lr_scales_the_base_rate_by_the_function_of_the_epoch():
    got = lrs_over_epochs(lambda o: lr_scheduler.LambdaLR(o, lambda epoch: 1 / (1 + epoch)), lr=0.5)
    assert got == pytest.approx([0.5 / (1 + e) for e in range(9)])


def test_lambda_lr_requires_one_function_per_group():
    optimizer = optim.SGD([{"params": [nn.Parameter(tg.ones(1))]}, {"params": [nn.Parameter(tg.ones(1))]}], lr=0.1)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(optimizer, [lambda e: 1.0])


def test_scheduler_records_initial_lr_and_base_lrs_per_group():
    optimizer = optim.SGD([{"params": [nn.Parameter(tg.ones(1))]}, {"params": [nn.Parameter(tg.ones(1))], "lr": 0.2}], lr=0.1)
    scheduler = lr_scheduler.StepLR(optimizer, 1, gamma=0.5)
    assert scheduler.base_lrs == [0.1, 0.2] and [g["initial_lr"] for g in optimizer.param_groups] == [0.1, 0.2]
    scheduler.step()
    assert scheduler.get_last_lr() == pytest.approx([0.05, 0.1])


def test_scheduler_state_dict_round_trip_resumes_the_schedule():
    optimizer = optim.SGD([nn.Parameter(tg.ones(1))], lr=1.0)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    for _ in range(3):
        scheduler.step()
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    other_optimizer = optim.SGD([nn.Parameter(tg.ones(1))], lr=0.5)
    other = lr_scheduler.StepLR(other_optimizer, step_size=2, gamma=0.5)
    other.load_state_dict(state)
    other.step()
    scheduler.step()
    assert other.last_epoch == 4 and other.get_last_lr() == scheduler.get_last_lr()


def test_resuming_a_scheduler_without_initial_lr_is_an_error():
    optimizer = optim.SGD([nn.Parameter(tg.ones(1))], lr=1.0)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(optimizer, step_size=2, last_epoch=3)
