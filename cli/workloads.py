"""The benchmark set of the fast path (issue 6), shared by `teachgrad bench` and tests/benchmarks.

Each workload times one piece of work through teachgrad on each backend asked for, and the
yardstick the goal is stated against (numpy, numpy written by hand, or the reference backend),
in the same process, so ratios survive a noisy machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import teachgrad as tg
import teachgrad.nn as nn


@dataclass
class Workload:
    """`run[label]()` does the work once; `yardstick` names the label the others are compared with.

    `calls`: how many times one run repeats the work (the time reported is per call). `target`:
    (label, speed): the goal is met when that label's speed against the yardstick (yardstick time
    / label time) reaches `speed`.
    """

    group: str
    name: str
    run: dict[str, Callable[[], object]]
    yardstick: str
    goal: str = ""
    rounds: int = 20
    slow: set = field(default_factory=set)  # labels timed with a single round (the reference path)
    calls: int = 1
    target: tuple[str, float] | None = None


def _on(backend_name: str, fn: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        with tg.backend(backend_name):
            return fn()
    return run


def matmul(n: int, backends: list[str]) -> Workload:
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    ta, tb = tg.from_numpy(a), tg.from_numpy(b)
    run = {name: _on(name, lambda: ta @ tb) for name in backends if name != "reference" or n <= 64}
    run["numpy"] = lambda: a @ b
    goal = ">= 0.8x numpy" if n >= 256 else ""
    return Workload("matmul", f"matmul float32 n={n} ({2 * n**3 / 1e9:.3g} GFLOP)", run, "numpy", goal,
                    rounds={64: 200, 256: 50, 1024: 5}.get(n, 10), target=("numba", 0.8) if goal else None)


def add_broadcast(backends: list[str], transposed: bool = False) -> Workload:
    rng = np.random.default_rng(0)
    x, y = rng.random((1024, 1024), dtype=np.float32), rng.random((1024, 1), dtype=np.float32)
    tx, ty = tg.from_numpy(x), tg.from_numpy(y)
    if transposed:
        run = {name: _on(name, lambda: tx.T + ty) for name in backends if name != "reference"}
        run["numpy"] = lambda: np.add(x.T, y, order="C")
        return Workload("elementwise", "add x.T + (S,1), 1M float32, row-major result", run, "numpy", ">= 1.0x numpy", 50,
                        target=("numba", 1.0))
    run = {name: _on(name, lambda: tx + ty) for name in backends if name != "reference"}
    run["numpy"] = lambda: x + y
    return Workload("elementwise", "add (S,S) + (S,1), 1M float32", run, "numpy", ">= 1.0x numpy", 50,
                    target=("numba", 1.0))


def sum_along(dim: int, backends: list[str]) -> Workload:
    x = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
    tx = tg.from_numpy(x)
    run = {name: _on(name, lambda: tx.sum(dim)) for name in backends if name != "reference"}
    run["numpy"] = lambda: x.sum(dim)
    return Workload("reduction", f"sum of (2048, 2048) float32 over dim {dim}", run, "numpy", ">= 1.0x numpy", 50,
                    target=("numba", 1.0))


def tiny_op(backends: list[str]) -> Workload:
    a, b = tg.ones(2, 2), tg.ones(2, 2, requires_grad=True)
    na = np.ones((2, 2), np.float32)
    run = {f"{name} a+b": _on(name, lambda: a + a) for name in backends}
    run.update({f"{name} a+b recorded": _on(name, lambda: a + b) for name in backends})
    run["numpy"] = lambda: na + na
    return Workload("overhead", "one operation on a (2, 2) tensor (Python + dispatch)", run, "numpy", "a few us", 2000)


class HandWrittenMLP:
    """The 784-128-10 MLP with forward and backward written by hand in numpy (the yardstick)."""

    def __init__(self, params: list[np.ndarray], lr: float) -> None:
        self.w1, self.b1, self.w2, self.b2 = (p.copy() for p in params)
        self.lr = lr

    def step(self, x: np.ndarray, y: np.ndarray) -> None:
        hidden = x @ self.w1.T + self.b1
        active = np.maximum(hidden, 0)
        logits = active @ self.w2.T + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(len(y)), y] -= 1.0  # d(cross-entropy)/d(logits) * batch size
        grad_logits = probs / len(y)
        grad_active = grad_logits @ self.w2
        grad_active[hidden <= 0] = 0.0
        for param, grad in ((self.w2, grad_logits.T @ active), (self.b2, grad_logits.sum(0)),
                            (self.w1, grad_active.T @ x), (self.b1, grad_active.sum(0))):
            param -= self.lr * grad


def _epoch(model: nn.Module, optimizer, loss_fn, x: tg.Tensor, y: tg.Tensor, batch: int) -> None:
    for start in range(0, len(x), batch):
        optimizer.zero_grad()
        loss_fn(model(x[start:start + batch]), y[start:start + batch]).backward()
        optimizer.step()


def mlp_784(backends: list[str], samples: int = 10_000) -> Workload:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((samples, 784)).astype(np.float32)
    y = rng.integers(0, 10, samples)
    tx, ty = tg.from_numpy(x), tg.from_numpy(y)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    by_hand = HandWrittenMLP([p.detach().numpy() for p in model.parameters()], 0.01)
    run = {name: _on(name, lambda: _epoch(model, optimizer, loss_fn, tx, ty, 64)) for name in backends if name != "reference"}
    run["numpy by hand"] = lambda: [by_hand.step(x[s:s + 64], y[s:s + 64]) for s in range(0, samples, 64)]
    return Workload("training", "one epoch, MLP 784-128-10, batch 64, 10,000 samples", run, "numpy by hand",
                    "<= 1.5x the numpy time", rounds=3, target=("numba", 1 / 1.5))


def mlp_small(backends: list[str]) -> Workload:
    rng = np.random.default_rng(0)
    x = tg.from_numpy(rng.standard_normal((50, 2)).astype(np.float32))
    y = tg.from_numpy(rng.standard_normal((50, 1)).astype(np.float32))
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 1))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.01)
    run = {name: _on(name, lambda: _epoch(model, optimizer, nn.MSELoss(), x, y, 10)) for name in backends}
    return Workload("training", "one epoch, MLP 2-100-100-1, 50 points, batch 10", run, "reference",
                    "numba >= 100x reference", rounds=10, slow={"reference"}, target=("numba", 100.0))


def cnn_step(backends: list[str]) -> Workload:
    rng = np.random.default_rng(0)
    x = tg.from_numpy(rng.standard_normal((32, 1, 28, 28)).astype(np.float32))
    y = tg.from_numpy(rng.integers(0, 10, 32))
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.01)
    run = {name: _on(name, lambda: _epoch(model, optimizer, nn.CrossEntropyLoss(), x, y, 32)) for name in backends}
    return Workload("training", "one step, CNN conv(1->8)-pool-conv(8->16)-pool-linear, 28x28, batch 32", run,
                    "reference", "numba much faster than reference", rounds=5, slow={"reference"})


def all_workloads(backends: list[str], quick: bool = False) -> list[Workload]:
    """The benchmark set; `quick` leaves out the largest sizes and the slow reference CNN step."""
    workloads = [matmul(64, backends), matmul(256, backends)]
    if not quick:
        workloads.append(matmul(1024, backends))
    workloads += [add_broadcast(backends), add_broadcast(backends, transposed=True), sum_along(0, backends),
                  sum_along(1, backends), tiny_op(backends), mlp_small(backends), mlp_784(backends, 2_000 if quick else 10_000)]
    if not quick or "reference" not in backends:
        workloads.append(cnn_step(backends))
    return workloads
