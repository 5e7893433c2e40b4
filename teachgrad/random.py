"""Random numbers: `Generator`, `manual_seed`, and the default generator behind `rand`/`randn`.

teachgrad's generator wraps numpy's PCG64 bit generator. The same seed gives the same numbers on
every run and every backend (all draws happen here, on the CPU, before any kernel runs). The
numbers differ from PyTorch's (a different algorithm); programs that need PyTorch's exact
numbers should load the same initial weights.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

DEFAULT_SEED = 67280421310721  # PyTorch's default seed value, so `initial_seed()` matches


class Generator:
    """A seedable source of random numbers: `Generator().manual_seed(0)`."""

    def __init__(self, device: Any = "cpu") -> None:
        self.device = device
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from `seed`; returns the generator, like PyTorch."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expected an int, got {type(seed).__name__}")
        self._initial_seed = int(seed)
        self._rng = np.random.Generator(np.random.PCG64(int(seed) & (2**64 - 1)))
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; return the seed used."""
        fresh = int.from_bytes(os.urandom(8), "little") >> 1
        self.manual_seed(fresh)
        return fresh

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> dict:
        """A copy of the generator's state (numpy's PCG64 state dict)."""
        return {"seed": self._initial_seed, "bit_generator": self._rng.bit_generator.state}

    def set_state(self, state: dict) -> None:
        self._initial_seed = state["seed"]
        self._rng.bit_generator.state = state["bit_generator"]

    # draws used by the creation functions, samplers and transforms ----------------------
    def uniform(self, shape: Sequence[int], low: float = 0.0, high: float = 1.0) -> np.ndarray:
        """Samples in [low, high)."""
        if low > high:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low:g} > to={high:g}")
        return self._rng.uniform(low, high, size=tuple(shape))

    def normal(self, shape: Sequence[int], mean: Any = 0.0, std: Any = 1.0) -> np.ndarray:
        """Samples of N(mean, std**2); mean and std are numbers or arrays (one value per sample)."""
        if isinstance(std, np.ndarray):
            if not np.all(std >= 0):  # NaN fails too
                raise RuntimeError("normal expects all elements of std >= 0.0")
        elif not std >= 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        return self._rng.normal(mean, std, size=tuple(shape))

    def bernoulli(self, shape: Sequence[int], p: Any) -> np.ndarray:
        """True with probability p: a number, or an array of probabilities broadcast to shape."""
        if isinstance(p, np.ndarray):
            if not np.all((p >= 0) & (p <= 1)):  # NaN fails too
                raise RuntimeError("bernoulli expects all elements of p to be in [0, 1]")
        elif not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
        return self._rng.uniform(size=tuple(shape)) < p

    def integers(self, low: int, high: int, shape: Sequence[int]) -> np.ndarray:
        """Integers in [low, high)."""
        return self._rng.integers(low, high, size=tuple(shape), dtype=np.int64)

    def permutation(self, n: int) -> np.ndarray:
        return self._rng.permutation(n).astype(np.int64)

    def choice(self, n: int, size: int, replace: bool, p: np.ndarray | None = None) -> np.ndarray:
        return self._rng.choice(n, size=size, replace=replace, p=p).astype(np.int64)


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and so every random function without `generator=`)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def resolve(generator: Generator | None) -> Generator:
    """The generator to draw from: the one given, or the default one."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a teachgrad.Generator, got {type(generator).__name__}")
    return generator


def multinomial(generator: Generator, probs: np.ndarray, num_samples: int, replacement: bool) -> np.ndarray:
    """num_samples category numbers per row of probs, drawn with probability proportional to the weights."""
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    rows = probs.reshape(-1, probs.shape[-1]).astype(np.float64)
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and ((rows > 0).sum(1) < num_samples).any():
        raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough non-negative "
                           "category to sample)")
    drawn = [generator.choice(rows.shape[1], num_samples, replacement, row / row.sum()) for row in rows]
    return np.array(drawn, dtype=np.int64).reshape(probs.shape[:-1] + (num_samples,))
