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


def numpy_weight_decay(p, g, lr, weight_decay, decoupled):
    """(p, g) after weight decay: decoupled (AdamW) shrinks p, otherwise the L2 term weight_decay * p joins g."""
    if decoupled:
        return p * (1 - lr * weight_decay), g
    return p, g + weight_decay * p


def numpy_adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False, maximize=False):
    p, m, v, v_max = START.copy(), np.zeros_like(START), np.zeros_like(START), np.zeros_like(START)
    for t in range(1, STEPS + 1):
        p, g = numpy_weight_decay(p, -gradient(p) if maximize else gradient(p), lr, weight_decay, decoupled)
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


def numpy_adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    p, v, u = START.copy(), np.zeros_like(START), np.zeros_like(START)
    for _ in range(STEPS):
        g = (-gradient(p) if maximize else gradient(p)) + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta
    return p


def numpy_adamax(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    p, m, u = START.copy(), np.zeros_like(START), np.zeros_like(START)
    for t in range(1, STEPS + 1):
        g = gradient(p) + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        u = np.maximum(betas[1] * u, np.abs(g) + eps)
        p = p - lr / (1 - betas[0] ** t) * m / u
    return p


def numpy_nadam(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3, decoupled_weight_decay=False):
    p, m, v, mu_product = START.copy(), np.zeros_like(START), np.zeros_like(START), np.float32(1.0)
    for t in range(1, STEPS + 1):
        p, g = numpy_weight_decay(p, gradient(p), lr, weight_decay, decoupled_weight_decay)
        mu = betas[0] * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = betas[0] * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_product = np.float32(mu_product * mu)  # PyTorch keeps this product in a float32 tensor
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        denom = np.sqrt(v / (1 - betas[1] ** t)) + eps
        p = p - lr * (1 - mu) / (1 - float(mu_product)) * g / denom - lr * mu_next / (1 - float(mu_product) * mu_next) * m / denom
    return p


def numpy_radam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False, steps=STEPS):
    p, m, v = START.copy(), np.zeros_like(START), np.zeros_like(START)
    rho_inf = 2 / (1 - betas[1]) - 1
    for t in range(1, steps + 1):
        p, g = numpy_weight_decay(p, gradient(p), lr, weight_decay, decoupled_weight_decay)
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        m_hat = m / (1 - betas[0] ** t)
        rho_t = rho_inf - 2 * t * betas[1] ** t / (1 - betas[1] ** t)
        if rho_t > 5:
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * math.sqrt(1 - betas[1] ** t) / (np.sqrt(v) + eps) * r
        else:
            p = p - lr * m_hat
    return p


def numpy_lbfgs(loss_and_gradient, x, steps, lr, max_iter, history_size):
    """L-BFGS with a fixed step length (Nocedal & Wright, algorithm 7.4), with PyTorch's first step length
    min(1, 1 / sum|g|) * lr and its stopping rules left out (they do not trigger on this problem)."""
    history, t, d, g_prev = [], None, None, None
    for _ in range(steps):
        _, g = loss_and_gradient(x)
        for _ in range(max_iter):
            if d is None:
                d, t = -g, min(1.0, 1.0 / np.abs(g).sum()) * lr
            else:
                s, y = t * d, g - g_prev
                if y @ s > 1e-10:
                    history = (history + [(s, y, 1 / (y @ s))])[-history_size:]
                    h0 = (y @ s) / (y @ y)
                q, alphas = -g, []
                for s_i, y_i, rho_i in reversed(history):
                    alphas.append(rho_i * (s_i @ q))
                    q = q - alphas[-1] * y_i
                d = h0 * q
                for (s_i, y_i, rho_i), alpha_i in zip(history, reversed(alphas)):
                    d = d + s_i * (alpha_i - rho_i * (y_i @ d))
                t = lr
            g_prev = g
            x = x + t * d
            _, g = loss_and_gradient(x)
    return x


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


@pytest.mark.parametrize("settings", [{}, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}], ids=str)
def test_adadelta_follows_the_update_formula(settings):
    got, _ = run_teachgrad(lambda ps: optim.Adadelta(ps, **settings))
    np.testing.assert_allclose(got, numpy_adadelta(**settings), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("settings", [{}, {"lr": 0.1, "betas": (0.8, 0.9), "weight_decay": 0.1}], ids=str)
def test_adamax_follows_the_update_formula_with_the_infinity_norm(settings):
    got, _ = run_teachgrad(lambda ps: optim.Adamax(ps, **settings))
    np.testing.assert_allclose(got, numpy_adamax(**settings), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("settings", [
    {}, {"lr": 0.1, "weight_decay": 0.1}, {"lr": 0.1, "weight_decay": 0.1, "momentum_decay": 0.1, "decoupled_weight_decay": True},
], ids=str)
def test_nadam_follows_the_update_formula_with_the_momentum_schedule(settings):
    got, _ = run_teachgrad(lambda ps: optim.NAdam(ps, **settings))
    np.testing.assert_allclose(got, numpy_nadam(**settings), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("settings", [
    {}, {"lr": 0.1, "betas": (0.9, 0.9), "weight_decay": 0.1}, {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True},
], ids=str)
def test_radam_takes_momentum_steps_then_rectified_adaptive_steps(settings):
    # 12 steps: the rectification (rho_t > 5) switches on at step 6 with beta2 = 0.999, at step 4 with beta2 = 0.9
    got, _ = run_teachgrad(lambda ps: optim.RAdam(ps, **settings), steps=12)
    np.testing.assert_allclose(got, numpy_radam(**settings, steps=12), rtol=1e-12, atol=1e-12)


def rosenbrock_and_quartic(x: np.ndarray) -> tuple[float, np.ndarray]:
    """Loss and gradient of (1 - x0)**2 + 100 (x1 - x0**2)**2 + sum((x[2:] - 2)**4)."""
    loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2 + ((x[2:] - 2) ** 4).sum()
    grad = np.concatenate([[-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)], 4 * (x[2:] - 2) ** 3])
    return loss, grad


def run_lbfgs(steps=3, **settings):
    """LBFGS on two parameters (a vector and a matrix, flattened together); the losses returned by step and
    the final values, flattened."""
    x = nn.Parameter(tg.tensor([-1.2, 1.0], dtype=tg.float64))
    w = nn.Parameter(tg.tensor([[0.5, 3.0], [2.5, 1.0]], dtype=tg.float64))
    optimizer = optim.LBFGS([x, w], **settings)

    def closure():
        optimizer.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2 + ((w - 2) ** 4).sum()
        loss.backward()
        return loss

    losses = [optimizer.step(closure).item() for _ in range(steps)]
    return losses, np.concatenate([x.detach().numpy(), w.detach().numpy().ravel()]), optimizer


def test_lbfgs_with_a_fixed_step_follows_the_two_loop_recursion():
    _, got, _ = run_lbfgs(lr=0.5, max_iter=4, history_size=3)
    start = np.array([-1.2, 1.0, 0.5, 3.0, 2.5, 1.0])
    expected = numpy_lbfgs(rosenbrock_and_quartic, start, steps=3, lr=0.5, max_iter=4, history_size=3)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_lbfgs_with_strong_wolfe_line_search_matches_pytorch():
    losses, got, optimizer = run_lbfgs(line_search_fn="strong_wolfe", max_iter=5)
    # printed by PyTorch 2.13 (/tmp/torchenv) for the same parameters, closure and settings, float64
    assert losses == pytest.approx([31.324999999999996, 7.65225619470317, 3.408497182896085], rel=1e-12)
    np.testing.assert_allclose(got, [-0.4509116469296263, 0.19567908390758937, 1.9410445821007485, 2.384091195734843,
                                     2.267201376919639, 1.6159088042651573], rtol=1e-10)
    state = optimizer.state_dict()["state"][0]
    assert (state["func_evals"], state["n_iter"]) == (18, 13)


def test_lbfgs_keeps_pytorchs_state_on_the_first_parameter():
    _, _, optimizer = run_lbfgs(steps=1, max_iter=3)
    state = optimizer.state_dict()["state"]
    assert list(state) == [0]
    assert sorted(state[0]) == sorted(["func_evals", "n_iter", "al", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
                                       "prev_flat_grad", "prev_loss"])
    assert optimizer.param_groups[0]["max_eval"] == 3 * 5 // 4


def test_lbfgs_refuses_parameter_groups_and_an_unknown_line_search():
    with pytest.raises(ValueError, match=r"LBFGS doesn't support per-parameter options \(parameter groups\)"):
        optim.LBFGS([{"params": [nn.Parameter(tg.ones(1))]}, {"params": [nn.Parameter(tg.ones(1))]}])
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        run_lbfgs(line_search_fn="armijo")


def test_lbfgs_stops_at_once_when_the_gradient_is_already_small():
    w = nn.Parameter(tg.tensor([1.0, 1.0], dtype=tg.float64))
    optimizer = optim.LBFGS([w])

    def closure():
        optimizer.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss

    assert optimizer.step(closure).item() == 0.0
    assert w.tolist() == [1.0, 1.0] and optimizer.state[w] == {"func_evals": 1, "n_iter": 0}


def test_optimizer_state_uses_pytorchs_keys():
    _, sgd = run_teachgrad(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), steps=1)
    _, adam = run_teachgrad(lambda ps: optim.Adam(ps, amsgrad=True), steps=2)
    _, rms = run_teachgrad(lambda ps: optim.RMSprop(ps, momentum=0.1, centered=True), steps=1)
    _, ada = run_teachgrad(lambda ps: optim.Adagrad(ps), steps=1)
    assert [list(s) for s in sgd.state.values()] == [["momentum_buffer"]]
    assert [list(s) for s in adam.state.values()] == [["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]]
    assert [list(s) for s in rms.state.values()] == [["step", "square_avg", "momentum_buffer", "grad_avg"]]
    assert [list(s) for s in ada.state.values()] == [["step", "sum"]]
    for make, keys in ((optim.Adadelta, ["step", "square_avg", "acc_delta"]), (optim.Adamax, ["step", "exp_avg", "exp_inf"]),
                       (optim.NAdam, ["step", "mu_product", "exp_avg", "exp_avg_sq"]), (optim.RAdam, ["step", "exp_avg", "exp_avg_sq"])):
        _, optimizer = run_teachgrad(make, steps=1)
        assert [list(s) for s in optimizer.state.values()] == [keys]
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
    (lambda ps: optim.Adadelta(ps, rho=1.5), "Invalid rho value: 1.5"),
    (lambda ps: optim.Adadelta(ps, eps=-1), "Invalid epsilon value: -1"),
    (lambda ps: optim.Adamax(ps, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda ps: optim.NAdam(ps, momentum_decay=-0.1), "Invalid momentum_decay value: -0.1"),
    (lambda ps: optim.RAdam(ps, lr=-1), "Invalid learning rate: -1"),
    (lambda ps: optim.LBFGS(ps, lr=-1), "Invalid learning rate: -1"),
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


# OneCycleLR: PyTorch's schedule written out -------------------------------------------------------


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
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=13, **kwargs)
    ref = _one_cycle_reference(13, 0.5, **{{"anneal_strategy": "strategy", "div_factor": "div", "final_div_factor": "final_div",
                                            "base_momentum": "base_m", "max_momentum": "max_m"}.get(k, k): v
                                          for k, v in kwargs.items()})
    got = _run(opt, sched, 13)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-13)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-13)


def test_one_cycle_epochs_times_steps_and_adam_beta1():
    opt = tg.optim.Adam([tg.nn.Parameter(tg.zeros(1))], lr=0.3, betas=(0.9, 0.99))
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, epochs=3, steps_per_epoch=4)
    assert sched.total_steps == 12
    lrs, moms = _run(opt, sched, 12, beta=True)
    ref = _one_cycle_reference(12, 0.1)
    np.testing.assert_allclose(lrs, ref[0], rtol=1e-13)
    np.testing.assert_allclose(moms, ref[1], rtol=1e-13)
    assert opt.param_groups[0]["betas"][1] == 0.99
    assert opt.param_groups[0]["initial_lr"] == pytest.approx(0.1 / 25)


def test_one_cycle_without_cycle_momentum_leaves_momentum_alone():
    opt = tg.optim.SGD([tg.nn.Parameter(tg.zeros(1))], lr=0.3, momentum=0.5)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5, cycle_momentum=False)
    for _ in range(4):
        sched.step()
    assert opt.param_groups[0]["momentum"] == 0.5
    assert sched.get_last_lr()[0] == pytest.approx(1.0 / 25 / 1e4)


def test_one_cycle_errors():
    opt = tg.optim.SGD([tg.nn.Parameter(tg.zeros(1))], lr=0.3, momentum=0.9)
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="positive integer total_steps"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=0)
    with pytest.raises(ValueError, match="pct_start"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="same length"):
        lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=10)
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(tg.optim.Adagrad([tg.nn.Parameter(tg.zeros(1))]), max_lr=1.0, total_steps=10)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()


# LinearLR and ReduceLROnPlateau -------------------------------------------------------------------


def _sgd(lr=1.0):
    return tg.optim.SGD([tg.nn.Parameter(tg.zeros(1))], lr=lr)


def _lrs(scheduler, steps, metrics=None):
    out = []
    for i in range(steps):
        scheduler.step() if metrics is None else scheduler.step(metrics[i])
        out.append(scheduler.get_last_lr()[0])
    return out


def test_linear_lr_moves_from_start_to_end_factor_then_stays():
    scheduler = lr_scheduler.LinearLR(_sgd(0.6), start_factor=0.25, end_factor=1.0, total_iters=3)
    assert scheduler.get_last_lr()[0] == pytest.approx(0.15)
    expected = [0.6 * (0.25 + 0.75 * min(3, k) / 3) for k in range(1, 6)]
    assert _lrs(scheduler, 5) == pytest.approx(expected)


def test_linear_lr_rejects_a_zero_start_factor():
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        lr_scheduler.LinearLR(_sgd(), start_factor=0.0)


def test_plateau_reduces_after_more_than_patience_bad_steps():
    scheduler = lr_scheduler.ReduceLROnPlateau(_sgd(1.0), factor=0.5, patience=2)
    # best 1.0 at step 1; steps 2, 3 are bad (2 <= patience); step 4 is the third bad one
    assert _lrs(scheduler, 6, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]) == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]


def test_plateau_relative_threshold_ignores_tiny_improvements():
    scheduler = lr_scheduler.ReduceLROnPlateau(_sgd(1.0), factor=0.1, patience=0, threshold=0.1)
    # 0.95 is not below 1.0 * (1 - 0.1): a bad step; 0.5 is below 0.9 * ... after the reduction
    assert _lrs(scheduler, 3, [1.0, 0.95, 0.5]) == pytest.approx([1.0, 0.1, 0.1])


def test_plateau_absolute_threshold_in_max_mode():
    scheduler = lr_scheduler.ReduceLROnPlateau(_sgd(1.0), mode="max", factor=0.5, patience=0, threshold=0.2, threshold_mode="abs")
    # improvements must exceed best + 0.2: 1.3 does (best 1.0 -> 1.3), 1.4 does not
    assert _lrs(scheduler, 3, [1.0, 1.3, 1.4]) == [1.0, 1.0, 0.5]


def test_plateau_cooldown_pauses_counting():
    scheduler = lr_scheduler.ReduceLROnPlateau(_sgd(1.0), factor=0.5, patience=0, cooldown=2)
    assert _lrs(scheduler, 6, [1.0, 2.0, 2.0, 2.0, 2.0, 2.0]) == [1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_plateau_never_goes_below_min_lr_and_skips_changes_below_eps():
    scheduler = lr_scheduler.ReduceLROnPlateau(_sgd(1.0), factor=0.1, patience=0, min_lr=0.05)
    assert _lrs(scheduler, 4, [1.0, 2.0, 2.0, 2.0]) == pytest.approx([1.0, 0.1, 0.05, 0.05])


def test_plateau_state_dict_round_trips_the_counters():
    scheduler = lr_scheduler.ReduceLROnPlateau(_sgd(1.0), patience=3)
    _lrs(scheduler, 3, [1.0, 2.0, 2.0])
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["best"] == 1.0 and state["num_bad_epochs"] == 2
    fresh = lr_scheduler.ReduceLROnPlateau(_sgd(1.0), patience=3)
    fresh.load_state_dict(state)
    assert fresh.num_bad_epochs == 2 and fresh.last_epoch == 3


def test_plateau_rejects_unknown_mode_and_large_factor():
    with pytest.raises(ValueError, match="mode avg is unknown"):
        lr_scheduler.ReduceLROnPlateau(_sgd(), mode="avg")
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(_sgd(), factor=1.0)
