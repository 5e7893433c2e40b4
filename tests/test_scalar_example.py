"""examples/scalar_mlp.py: a Scalar MLP trained with SGD learns its toy problem."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "scalar_mlp.py"


@pytest.fixture(scope="module")
def example() -> ModuleType:
    """Import the example from its file (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("scalar_mlp_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [0, 1])
def test_scalar_mlp_reaches_90_percent_training_accuracy(example: ModuleType, seed: int) -> None:
    # Checked on seeds 0..39: accuracy after 15 steps is at least 0.92 for every one of them.
    assert example.main(steps=15, seed=seed, print_every=0) >= 0.9


def test_scalar_mlp_training_halves_the_loss(example: ModuleType) -> None:
    xs, ys = example.make_blobs(n_points=50, seed=0)
    model = example.MLP(2, [4, 4], np.random.default_rng(0))
    losses = example.train(model, xs, ys, steps=10)
    assert len(losses) == 10
    assert losses[-1] < 0.5 * losses[0]


def test_scalar_mlp_is_untrained_before_training(example: ModuleType) -> None:
    # Guards the two tests above: the accuracy comes from training, not from the start.
    assert example.main(steps=0, seed=0, print_every=0) < 0.9


def test_scalar_mlp_prints_the_loss_every_n_steps(example: ModuleType, capsys) -> None:
    example.main(steps=4, seed=0, print_every=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("step")] == ["0", "2", "3"]
    assert lines[-1].startswith("accuracy")


def test_make_blobs_is_reproducible_and_balanced(example: ModuleType) -> None:
    xs, ys = example.make_blobs(n_points=50, seed=3)
    assert (xs, ys) == example.make_blobs(n_points=50, seed=3)
    assert len(xs) == 50 and all(len(x) == 2 for x in xs)
    assert ys.count(-1.0) == 25 and ys.count(1.0) == 25
