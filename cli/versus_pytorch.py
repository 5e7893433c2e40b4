"""The per-operation and training workloads of issue 11, timed for teachgrad and PyTorch side by side.

Each workload is written once, against a *library* argument that is either `teachgrad` or
`torch`: the API is the same, so the very same code runs on both (that is the point of mirroring
PyTorch). PyTorch is optional (`pip install -e '.[bench]'`); without it the single operations are timed
against numpy.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Callable

import numpy as np

import teachgrad as tg
from teachgrad.cli.workloads import Workload

OPERATION_CALLS = 2000  # single operations are timed in loops of this many calls
PYTORCH_GOAL = 1 / 1.5  # "<= 1.5x PyTorch's time" as a speed ratio


def import_pytorch() -> ModuleType | None:
    """torch when it is installed (the bench extra), else None; teachgrad itself never needs it."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


def _libraries(torch: ModuleType | None) -> dict[str, ModuleType]:
    return {"teachgrad": tg, "pytorch": torch} if torch is not None else {"teachgrad": tg}


def _repeated(fn: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        for _ in range(OPERATION_CALLS):
            fn()
    return run


def _operation_inputs(lib: ModuleType) -> tuple:
    rng = np.random.default_rng(0)
    a = lib.from_numpy(rng.standard_normal((10, 100)).astype(np.float32)).requires_grad_()
    b = lib.from_numpy(rng.standard_normal((10, 100)).astype(np.float32))
    w = lib.from_numpy(rng.standard_normal((100, 100)).astype(np.float32))
    return a, b, w


OPERATIONS: dict[str, Callable] = {
    "a + b, (10, 100) float32, a requires grad": lambda a, b, w: a + b,
    "a * 2.0": lambda a, b, w: a * 2.0,
    "a.relu()": lambda a, b, w: a.relu(),
    "a @ w, (10, 100) @ (100, 100)": lambda a, b, w: a @ w,
    "a.sum()": lambda a, b, w: a.sum(),
    "((a @ w).relu() * 2.0 + b).sum().backward()": lambda a, b, w: ((a @ w).relu() * 2.0 + b).sum().backward(),
}


def _numpy_forward_backward(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The last operation line written by hand in numpy: forward, then d(sum)/da."""
    hidden = a @ w
    out = np.maximum(hidden, 0) * 2.0 + b
    out.sum()
    return (2.0 * (hidden > 0)) @ w.T


NUMPY_OPERATIONS: dict[str, Callable] = {
    "a + b, (10, 100) float32, a requires grad": lambda a, b, w: a + b,
    "a * 2.0": lambda a, b, w: a * 2.0,
    "a.relu()": lambda a, b, w: np.maximum(a, 0),
    "a @ w, (10, 100) @ (100, 100)": lambda a, b, w: a @ w,
    "a.sum()": lambda a, b, w: a.sum(),
    "((a @ w).relu() * 2.0 + b).sum().backward()": _numpy_forward_backward,
}


def operation(name: str, torch: ModuleType | None) -> Workload:
    run = {}
    for label, lib in _libraries(torch).items():
        a, b, w = _operation_inputs(lib)
        run[label] = _repeated(lambda op=OPERATIONS[name], a=a, b=b, w=w: op(a, b, w))
    if torch is None:
        a, b, w = (x.detach().numpy() for x in _operation_inputs(tg))
        run["numpy"] = _repeated(lambda op=NUMPY_OPERATIONS[name], a=a, b=b, w=w: op(a, b, w))
    yardstick = "pytorch" if torch is not None else "numpy"
    return Workload("pytorch", name, run, yardstick, "<= 1.5x PyTorch" if torch is not None else "",
                    rounds=7, calls=OPERATION_CALLS, target=("teachgrad", PYTORCH_GOAL) if torch is not None else None)


def _epoch(model, optimizer, loss_fn, x, y, batch: int) -> Callable[[], None]:
    def run() -> None:
        for start in range(0, len(x), batch):
            optimizer.zero_grad()
            loss_fn(model(x[start:start + batch]), y[start:start + batch]).backward()
            optimizer.step()
    return run


def _mlp_784_epoch(lib: ModuleType, x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(784, 128), lib.nn.ReLU(), lib.nn.Linear(128, 10))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
    return _epoch(model, optimizer, lib.nn.CrossEntropyLoss(), lib.from_numpy(x), lib.from_numpy(y), 64)


def _mlp_small_epoch(lib: ModuleType, x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 1), nn.Sigmoid())
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    return _epoch(model, optimizer, nn.BCELoss(), lib.from_numpy(x), lib.from_numpy(y), 10)


def _cnn_epoch(lib: ModuleType, x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 10))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
    return _epoch(model, optimizer, nn.CrossEntropyLoss(), lib.from_numpy(x), lib.from_numpy(y), 32)


def mlp_784(torch: ModuleType, samples: int) -> Workload:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((samples, 784)).astype(np.float32), rng.integers(0, 10, samples)
    run = {label: _mlp_784_epoch(lib, x, y) for label, lib in _libraries(torch).items()}
    return Workload("pytorch", f"epoch, MLP 784-128-10, batch 64, {samples:,} samples, SGD", run, "pytorch",
                    "<= 0.8x PyTorch", rounds=3, target=("teachgrad", 1 / 0.8))


def mlp_small(torch: ModuleType) -> Workload:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)
    run = {label: _mlp_small_epoch(lib, x, y) for label, lib in _libraries(torch).items()}
    return Workload("pytorch", "epoch, MLP 2-100-100-1 + sigmoid/BCE, 50 points, batch 10", run, "pytorch",
                    "<= 1.5x PyTorch", rounds=20, target=("teachgrad", PYTORCH_GOAL))


def cnn(torch: ModuleType, samples: int) -> Workload:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((samples, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, samples)
    run = {label: _cnn_epoch(lib, x, y) for label, lib in _libraries(torch).items()}
    return Workload("pytorch", f"epoch, CNN conv(1->8,3)-relu-pool-conv(8->16,3)-relu-pool-linear, batch 32, "
                    f"{samples:,} samples", run, "pytorch", "<= 1.5x PyTorch", rounds=3, target=("teachgrad", PYTORCH_GOAL))


def versus_pytorch_workloads(quick: bool = False) -> list[Workload]:
    """The table of issue 11: single operations, forward+backward, and three training epochs.

    Without PyTorch, only the single operations, against numpy (the "training" group times the
    same epochs against numpy written by hand and the reference backend).
    """
    torch = import_pytorch()
    workloads = [operation(name, torch) for name in OPERATIONS]
    if torch is not None:
        workloads += [mlp_784(torch, 2_000 if quick else 10_000), mlp_small(torch), cnn(torch, 256 if quick else 1_024)]
    return workloads
