"""The settings `teachgrad train` uses for each dataset, for every option the command line leaves out.

A recipe is what a course would pick for a demo that works: with seed 0, on the dataset's test
split, measured on a 2-core machine (the run's wall time, both paths on the 2-D sets; digits
include drawing its 5,000 images on first use):

| dataset | goal | test acc | wall time | paths |
| --- | --- | --- | --- | --- |
| moons | 0.97 | 1.000 | 10 s | reference 7.8 s, numba 0.8 s |
| xor | 0.97 | 0.977 | 33 s | reference 27 s, numba 2.7 s |
| circle | 0.97 | 0.990 | 33 s | reference 27 s, numba 2.7 s |
| spiral | 0.95 | 0.977 | 34 s | reference 28 s, numba 2.7 s |
| digits | 0.95 | 0.968 | 16 s | numba 9.7 s |
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import click

from teachgrad.cli.models import describe_model


@dataclass(frozen=True)
class Recipe:
    """Default values of `teachgrad train`'s options for one dataset (the option names, with `_` for `-`)."""

    model: str
    epochs: int
    lr: float
    optimizer: str = "adam"
    batch_size: int = 32
    n: int = 400
    hidden: int = 32
    layers: int = 2
    paths: str = "reference,numba"

    def describe(self) -> str:
        return (f"{describe_model(self.model, self.hidden, self.layers)}, {self.optimizer} lr {self.lr:g}, "
                f"{self.epochs} epochs of batch {self.batch_size}, n {self.n}, paths {self.paths}")


_TWO_D = Recipe(model="mlp", epochs=20, lr=0.01)
# Bands, corners and turns (split, xor, circle, spiral) want more points, then larger batches.
_HARDER = Recipe(model="mlp", epochs=30, lr=0.01, batch_size=64, n=1200)
# Image sets train the fast path only: the reference path's pure-Python convolutions take about 5 s
# per batch (`--paths reference,numba --n 200 --epochs 1` cross-checks the paths on digits in 46 s).
_IMAGES = Recipe(model="cnn", epochs=10, lr=0.001, batch_size=64, paths="numba")
_MNIST = Recipe(model="cnn", epochs=2, lr=0.001, batch_size=64, paths="numba")  # (60,000 training images)

RECIPES: dict[str, Recipe] = {
    "simple": _TWO_D, "diag": _TWO_D, "moons": _TWO_D,
    "split": _HARDER, "xor": _HARDER, "circle": _HARDER, "spiral": _HARDER,
    "digits": Recipe(model="cnn", epochs=8, lr=0.002, n=4000, paths="numba"),
    "mnist": _MNIST, "fashion-mnist": _MNIST, "imagefolder": _IMAGES,
}


def use_recipe(ctx: click.Context, param: click.Parameter, dataset: str) -> str:
    """Callback of the eager --dataset option: options not given default to the dataset's recipe."""
    ctx.default_map = asdict(RECIPES[dataset])
    return dataset


def recipes_help() -> str:
    """The recipes as the epilog of `teachgrad train --help` (\\b keeps click from rewrapping them)."""
    return "\b\nDefaults per dataset (any option given replaces its default):\n" + "\n".join(
        f"  {name:<13} {recipe.describe()}" for name, recipe in RECIPES.items())
