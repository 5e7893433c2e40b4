"""PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR, SequentialLR, ChainedScheduler: learning rates over 30
steps against the schedules written out here (each agrees with PyTorch 2.13's to the last digit), errors with
PyTorch's messages, state dicts."""

from __future__ import annotations

import math

import numpy as np
import pytest

import teachgrad as tg
from teachgrad import nn, optim
from teachgrad.optim import lr_scheduler

EPOCHS = 30
BASE_LRS = (1.0, 0.5)


def make_optimizer(kind=optim.SGD, **settings):
    """Two parameter groups with learning rates 1.0 and 0.5."""
    groups = [{"params": [nn.Parameter(tg.ones(1))]}, {"params": [nn.Parameter(tg.ones(1))], "lr": BASE_LRS[1]}]
    return kind(groups, lr=BASE_LRS[0], **settings)


def schedule(optimizer, scheduler, epochs=EPOCHS, key="lr"):
    """[[value per group] per epoch], epoch 0 included: the groups' rates (or momenta, key="momentum"/"beta1")."""
    def values():
        if key == "beta1":
            return [group["betas"][0] for group in optimizer.param_groups]
        return [group[key] for group in optimizer.param_groups]
    seen = [values()]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        seen.append(values())
    return seen


def per_group(factor, epochs=EPOCHS):
    """The expected rates when every group's rate is its base rate times factor(epoch)."""
    return [[base * factor(epoch) for base in BASE_LRS] for epoch in range(epochs + 1)]


# PolynomialLR -------------------------------------------------------------------------------------


def test_polynomial_lr_decays_to_zero_over_total_iters_then_stays():
    optimizer = make_optimizer()
    got = schedule(optimizer, lr_scheduler.PolynomialLR(optimizer, total_iters=10, power=2.0))
    np.testing.assert_allclose(got, per_group(lambda e: (1 - min(e, 10) / 10) ** 2), rtol=1e-12, atol=1e-15)


def test_polynomial_lr_defaults_to_linear_decay_over_five_steps():
    optimizer = make_optimizer()
    got = schedule(optimizer, lr_scheduler.PolynomialLR(optimizer))
    np.testing.assert_allclose(got, per_group(lambda e: 1 - min(e, 5) / 5), rtol=1e-12, atol=1e-15)


def test_polynomial_lr_step_to_an_epoch_uses_the_closed_form():
    optimizer = make_optimizer()
    scheduler = lr_scheduler.PolynomialLR(optimizer, total_iters=6, power=1.5)
    for epoch in (2, 4, 9, 3):
        scheduler.step(epoch)
        assert scheduler.get_last_lr()[0] == pytest.approx((1 - min(epoch, 6) / 6) ** 1.5, rel=1e-12)


# CosineAnnealingWarmRestarts ----------------------------------------------------------------------


def warm_restart_position(epoch, T_0, T_mult):
    """(T_cur, T_i): walk the periods T_0, T_0 * T_mult, ... to the one holding `epoch`."""
    t_cur, t_i = epoch, T_0
    while t_cur >= t_i:
        t_cur, t_i = t_cur - t_i, t_i * T_mult
    return t_cur, t_i


@pytest.mark.parametrize("T_0, T_mult, eta_min", [(3, 2, 0.01), (5, 1, 0.0)])
def test_cosine_warm_restarts_anneal_within_each_period_and_restart(T_0, T_mult, eta_min):
    optimizer = make_optimizer()
    got = schedule(optimizer, lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=T_0, T_mult=T_mult, eta_min=eta_min))
    expected = []
    for epoch in range(EPOCHS + 1):
        t_cur, t_i = warm_restart_position(epoch, T_0, T_mult)
        expected.append([eta_min + (base - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2 for base in BASE_LRS])
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_cosine_warm_restarts_step_to_a_fractional_epoch():
    optimizer = optim.SGD([nn.Parameter(tg.ones(1))], lr=1.0)
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=3, T_mult=2, eta_min=0.1)
    got = []
    for epoch in (0.5, 1.25, 4.0, 9.5, 10, 2, 22.3, None):
        scheduler.step(epoch)
        got.append((scheduler.get_last_lr()[0], scheduler.T_cur, scheduler.T_i, scheduler.last_epoch))
    # printed by PyTorch 2.13 (/tmp/torchenv) for the same calls: (lr, T_cur, T_i, last_epoch)
    expected = [(0.9397114317029974, 0.5, 3, 0), (0.6664685702961344, 1.25, 3, 1), (0.9397114317029974, 1.0, 6, 4),
                (0.9961501876182147, 0.5, 12, 9), (0.9846666218300807, 1.0, 12, 10), (0.3250000000000001, 2, 3, 2),
                (0.993500226576135, 1.3000000000000007, 24, 22), (0.9797589750057341, 2.3000000000000007, 24, 23)]
    for got_row, expected_row in zip(got, expected):
        assert got_row == pytest.approx(expected_row, rel=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"T_0": 0}, "Expected positive integer T_0, but got 0"),
    ({"T_0": 2, "T_mult": 1.5}, "Expected integer T_mult >= 1, but got 1.5"),
    ({"T_0": 2, "eta_min": "0"}, "Expected float or int eta_min, but got 0 of type <class 'str'>"),
])
def test_cosine_warm_restarts_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer(), **kwargs)


def test_cosine_warm_restarts_rejects_a_negative_epoch():
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer(), T_0=2)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        scheduler.step(-1)


# CyclicLR -----------------------------------------------------------------------------------------


def triangle(epoch, up, down):
    """0 -> 1 over `up` steps, back to 0 over `down` steps, repeated."""
    return float(np.interp(epoch % (up + down), [0, up, up + down], [0.0, 1.0, 0.0]))


def test_cyclic_lr_triangular_climbs_to_max_lr_and_back():
    optimizer = make_optimizer(momentum=0.5)
    got = schedule(optimizer, lr_scheduler.CyclicLR(optimizer, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4, step_size_down=3))
    heights = [triangle(e, 4, 3) for e in range(EPOCHS + 1)]
    np.testing.assert_allclose(got, [[0.01 + 0.09 * h, 0.01 + 0.19 * h] for h in heights], rtol=1e-12)


def test_cyclic_lr_moves_sgd_momentum_from_max_to_base_momentum_while_the_rate_rises():
    optimizer = make_optimizer(momentum=0.5)
    scheduler = lr_scheduler.CyclicLR(optimizer, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4, step_size_down=3)
    got = schedule(optimizer, scheduler, key="momentum")
    np.testing.assert_allclose(got, [[0.9 - 0.1 * triangle(e, 4, 3)] * 2 for e in range(EPOCHS + 1)], rtol=1e-12)


def test_cyclic_lr_triangular2_halves_each_cycle_and_cycles_adams_beta1():
    optimizer = make_optimizer(optim.Adam)
    scheduler = lr_scheduler.CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2",
                                      base_momentum=0.7, max_momentum=0.95)
    got = schedule(optimizer, scheduler, key="beta1")
    scales = [triangle(e, 3, 3) / 2 ** (e // 6) for e in range(EPOCHS + 1)]
    np.testing.assert_allclose(got, [[0.95 - 0.25 * s] * 2 for s in scales], rtol=1e-12)
    np.testing.assert_allclose(scheduler.get_last_lr(), [0.01 + 0.09 * scales[-1]] * 2, rtol=1e-12)


def test_cyclic_lr_exp_range_scales_by_gamma_to_the_iteration():
    optimizer = make_optimizer(momentum=0.5)
    got = schedule(optimizer, lr_scheduler.CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range",
                                                   gamma=0.9))
    np.testing.assert_allclose(got, [[0.01 + 0.09 * triangle(e, 5, 5) * 0.9**e] * 2 for e in range(EPOCHS + 1)], rtol=1e-12)


def test_cyclic_lr_takes_a_scale_function_of_the_iteration():
    optimizer = make_optimizer()
    scheduler = lr_scheduler.CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=lambda x: 1 / (1 + x),
                                      scale_mode="iterations", cycle_momentum=False)
    got = schedule(optimizer, scheduler)
    np.testing.assert_allclose(got, [[0.01 + 0.09 * triangle(e, 2, 2) / (1 + e)] * 2 for e in range(EPOCHS + 1)], rtol=1e-12)
    assert [group["momentum"] for group in optimizer.param_groups] == [0, 0]


def test_cyclic_lr_rejects_an_unknown_mode_and_an_optimizer_without_momentum():
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        lr_scheduler.CyclicLR(make_optimizer(momentum=0.5), 0.1, 1.0, mode="zigzag")
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1 with `cycle_momentum` option enabled"):
        lr_scheduler.CyclicLR(make_optimizer(optim.Adagrad), 0.1, 1.0)


def test_cyclic_lr_state_dict_leaves_out_functions_and_resumes():
    optimizer = make_optimizer(momentum=0.5)
    scheduler = lr_scheduler.CyclicLR(optimizer, 0.01, 0.1, step_size_up=3, mode="triangular2")
    for _ in range(4):
        scheduler.step()
    state = scheduler.state_dict()
    assert "_scale_fn_ref" not in state and state["_scale_fn_custom"] is None and state["last_epoch"] == 4
    other = lr_scheduler.CyclicLR(make_optimizer(momentum=0.5), 0.01, 0.1, step_size_up=5)
    other.load_state_dict(state)
    assert "_scale_fn_custom" in state
    other.step()
    scheduler.step()
    assert other.get_last_lr() == scheduler.get_last_lr()


# SequentialLR and ChainedScheduler ----------------------------------------------------------------


def test_sequential_lr_hands_over_to_the_next_scheduler_at_each_milestone():
    optimizer = make_optimizer()
    schedulers = [lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=4),
                  lr_scheduler.CosineAnnealingLR(optimizer, T_max=10, eta_min=0.001), lr_scheduler.StepLR(optimizer, 3, 0.5)]
    got = schedule(optimizer, lr_scheduler.SequentialLR(optimizer, schedulers, milestones=[5, 15]))

    def expected(base, epoch):
        if epoch < 5:
            return base * (0.1 + 0.9 * min(epoch, 4) / 4)
        if epoch < 15:
            return 0.001 + (base - 0.001) * (1 + math.cos(math.pi * (epoch - 5) / 10)) / 2
        return base * 0.5 ** ((epoch - 15) // 3)

    np.testing.assert_allclose(got, [[expected(base, e) for base in BASE_LRS] for e in range(EPOCHS + 1)], rtol=1e-12)


def test_sequential_lr_state_dict_holds_each_schedulers_state():
    optimizer = make_optimizer()
    schedulers = [lr_scheduler.ExponentialLR(optimizer, 0.9), lr_scheduler.PolynomialLR(optimizer, total_iters=8)]
    scheduler = lr_scheduler.SequentialLR(optimizer, schedulers, milestones=[6])
    for _ in range(7):
        scheduler.step()
    state = scheduler.state_dict()
    assert state["last_epoch"] == 7 and state["_milestones"] == [6]
    assert [s["last_epoch"] for s in state["_schedulers"]] == [5, 1]
    fresh = make_optimizer()
    resumed = lr_scheduler.SequentialLR(fresh, [lr_scheduler.ExponentialLR(fresh, 0.9), lr_scheduler.PolynomialLR(fresh, total_iters=8)],
                                        milestones=[6])
    resumed.load_state_dict(state)
    assert resumed._schedulers[1].last_epoch == 1 and "_schedulers" in state


def test_chained_scheduler_compounds_the_schedulers_every_step():
    optimizer = make_optimizer()
    chained = lr_scheduler.ChainedScheduler([lr_scheduler.ExponentialLR(optimizer, 0.9), lr_scheduler.StepLR(optimizer, 3, 0.5)])
    got = schedule(optimizer, chained)
    np.testing.assert_allclose(got, per_group(lambda e: 0.9**e * 0.5 ** (e // 3)), rtol=1e-12)
    assert chained.get_last_lr() == got[-1]


def test_chained_scheduler_state_dict_holds_each_schedulers_state():
    optimizer = make_optimizer()
    chained = lr_scheduler.ChainedScheduler([lr_scheduler.ExponentialLR(optimizer, 0.9), lr_scheduler.StepLR(optimizer, 3, 0.5)],
                                            optimizer=optimizer)
    chained.step()
    state = chained.state_dict()
    assert sorted(state) == ["_last_lr", "_schedulers"] and [s["last_epoch"] for s in state["_schedulers"]] == [1, 1]


@pytest.mark.parametrize("make, error, message", [
    (lambda o, other: lr_scheduler.SequentialLR(o, [], []), ValueError, "SequentialLR expects at least one scheduler, but got no scheduler."),
    (lambda o, other: lr_scheduler.ChainedScheduler([]), ValueError,
     "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler."),
    (lambda o, other: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], [3]), ValueError,
     "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, "
     "but got number of schedulers 1 and the number of milestones to be equal to 1"),
    (lambda o, other: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2), lr_scheduler.StepLR(other, 2)], [3]), ValueError,
     "SequentialLR expects all schedulers to belong to the same optimizer, but got scheduler StepLR at index 1 has SGD"),
    (lambda o, other: lr_scheduler.ChainedScheduler([lr_scheduler.StepLR(o, 2), lr_scheduler.ReduceLROnPlateau(o)]), ValueError,
     "ChainedScheduler does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be specified when "
     "calling `step`, but got one at index 1 in the given schedulers sequence."),
    (lambda o, other: lr_scheduler.ChainedScheduler([lr_scheduler.StepLR(o, 2), object()]), TypeError,
     "ChainedScheduler at index 1 should have `optimizer` as its attribute."),
])
def test_scheduler_combinations_reject_bad_lists_with_pytorchs_messages(make, error, message):
    with pytest.raises(error) as raised:
        make(make_optimizer(), make_optimizer())
    assert str(raised.value).startswith(message)
