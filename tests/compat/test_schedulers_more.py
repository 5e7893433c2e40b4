"""LinearLR and ReduceLROnPlateau, checked against PyTorch's formulas written out here."""

from __future__ import annotations

import pytest

import teachgrad as tg
from teachgrad.optim.lr_scheduler import LinearLR, ReduceLROnPlateau


def _sgd(lr=1.0):
    return tg.optim.SGD([tg.nn.Parameter(tg.zeros(1))], lr=lr)


def _lrs(scheduler, steps, metrics=None):
    out = []
    for i in range(steps):
        scheduler.step() if metrics is None else scheduler.step(metrics[i])
        out.append(scheduler.get_last_lr()[0])
    return out


def test_linear_lr_moves_from_start_to_end_factor_then_stays():
    scheduler = LinearLR(_sgd(0.6), start_factor=0.25, end_factor=1.0, total_iters=3)
    assert scheduler.get_last_lr()[0] == pytest.approx(0.15)
    expected = [0.6 * (0.25 + 0.75 * min(3, k) / 3) for k in range(1, 6)]
    assert _lrs(scheduler, 5) == pytest.approx(expected)


def test_linear_lr_rejects_a_zero_start_factor():
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        LinearLR(_sgd(), start_factor=0.0)


def test_plateau_reduces_after_more_than_patience_bad_steps():
    scheduler = ReduceLROnPlateau(_sgd(1.0), factor=0.5, patience=2)
    # best 1.0 at step 1; steps 2, 3 are bad (2 <= patience); step 4 is the third bad one
    assert _lrs(scheduler, 6, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]) == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]


def test_plateau_relative_threshold_ignores_tiny_improvements():
    scheduler = ReduceLROnPlateau(_sgd(1.0), factor=0.1, patience=0, threshold=0.1)
    # 0.95 is not below 1.0 * (1 - 0.1): a bad step; 0.5 is below 0.9 * ... after the reduction
    assert _lrs(scheduler, 3, [1.0, 0.95, 0.5]) == pytest.approx([1.0, 0.1, 0.1])


def test_plateau_absolute_threshold_in_max_mode():
    scheduler = ReduceLROnPlateau(_sgd(1.0), mode="max", factor=0.5, patience=0, threshold=0.2, threshold_mode="abs")
    # improvements must exceed best + 0.2: 1.3 does (best 1.0 -> 1.3), 1.4 does not
    assert _lrs(scheduler, 3, [1.0, 1.3, 1.4]) == [1.0, 1.0, 0.5]


def test_plateau_cooldown_pauses_counting():
    scheduler = ReduceLROnPlateau(_sgd(1.0), factor=0.5, patience=0, cooldown=2)
    assert _lrs(scheduler, 6, [1.0, 2.0, 2.0, 2.0, 2.0, 2.0]) == [1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_plateau_never_goes_below_min_lr_and_skips_changes_below_eps():
    scheduler = ReduceLROnPlateau(_sgd(1.0), factor=0.1, patience=0, min_lr=0.05)
    assert _lrs(scheduler, 4, [1.0, 2.0, 2.0, 2.0]) == pytest.approx([1.0, 0.1, 0.05, 0.05])


def test_plateau_state_dict_round_trips_the_counters():
    scheduler = ReduceLROnPlateau(_sgd(1.0), patience=3)
    _lrs(scheduler, 3, [1.0, 2.0, 2.0])
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["best"] == 1.0 and state["num_bad_epochs"] == 2
    fresh = ReduceLROnPlateau(_sgd(1.0), patience=3)
    fresh.load_state_dict(state)
    assert fresh.num_bad_epochs == 2 and fresh.last_epoch == 3


def test_plateau_rejects_unknown_mode_and_large_factor():
    with pytest.raises(ValueError, match="mode avg is unknown"):
        ReduceLROnPlateau(_sgd(), mode="avg")
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ReduceLROnPlateau(_sgd(), factor=1.0)
