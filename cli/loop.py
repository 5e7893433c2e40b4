"""The training loop `teachgrad train` runs: the loop a user writes with teachgrad's public API."""

from __future__ import annotations

import contextlib
import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import click
import numpy as np

import teachgrad as tg
import teachgrad.nn as nn
from teachgrad.utils.data import DataLoader


@dataclass
class EpochResult:
    loss: float
    accuracy: float
    seconds: float
    parameters: dict = field(repr=False, default_factory=dict)


def make_optimizer(name: str, model: nn.Module, lr: float) -> tg.optim.Optimizer:
    if name == "adam":
        return tg.optim.Adam(model.parameters(), lr=lr)
    return tg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def train_epoch(model: nn.Module, batches: Iterable, loss_fn: Any, optimizer: Any, device: str, where: str) -> float:
    """One pass over the batches; returns the mean training loss.

    A NaN or infinite loss stops the run with an error naming `where` (path and epoch) and the step.
    """
    model.train()
    total, count = 0.0, 0
    for step, (inputs, targets) in enumerate(batches, start=1):
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        value = loss.item()
        if not math.isfinite(value):
            raise click.ClickException(f"the training loss is {value} on the {where}, step {step}; training stopped "
                                       "(the weights diverged: a smaller --lr usually helps)")
        loss.backward()
        optimizer.step()
        total += value * len(targets)
        count += len(targets)
    return total / max(count, 1)


@tg.no_grad()
def predict(model: nn.Module, loader: DataLoader, device: str) -> tuple[np.ndarray, np.ndarray]:
    """Predicted and true classes for every sample of the loader."""
    model.eval()
    predicted, actual = [], []
    for inputs, targets in loader:
        predicted.append(model(inputs.to(device)).argmax(1).cpu().numpy())
        actual.append(targets.numpy())
    return np.concatenate(predicted), np.concatenate(actual)


def snapshot(model: nn.Module) -> dict[str, np.ndarray]:
    return {name: p.detach().cpu().numpy().copy() for name, p in model.named_parameters()}


def run_path(path: str, model: nn.Module, train_loader: DataLoader, test_loader: DataLoader, optimizer_name: str,
             lr: float, epochs: int, quiet: bool) -> list[EpochResult]:
    """Train one model on one path ("reference", "numba" or "cuda"); record and print every epoch as it ends."""
    device = "cuda" if path == "cuda" else "cpu"
    backend_name = "numba" if path == "cuda" else path
    model = model.to(device)
    optimizer = make_optimizer(optimizer_name, model, lr)
    loss_fn = nn.CrossEntropyLoss()
    results = []
    with tg.backend(backend_name):
        warm_up(model, train_loader, loss_fn, device)
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            with _progress(train_loader, f"{path:>9} epoch {epoch}/{epochs}", quiet) as batches:
                loss = train_epoch(model, batches, loss_fn, optimizer, device, f"{path} path, epoch {epoch}")
            seconds = time.perf_counter() - start
            predicted, actual = predict(model, test_loader, device)
            results.append(EpochResult(loss, float((predicted == actual).mean()), seconds, snapshot(model)))
            click.echo(f"{path:>9} epoch {epoch:>{len(str(epochs))}}/{epochs}: loss {loss:.4f}  "
                       f"test acc {results[-1].accuracy:.3f}  ({seconds:.2f} s)")
    return results


def warm_up(model: nn.Module, loader: DataLoader, loss_fn: Any, device: str) -> None:
    """One untimed forward and backward on a copy of the model, so kernel compilation is not timed."""
    items = [loader.dataset[i] for i in range(min(loader.batch_size or 1, len(loader.dataset)))]
    inputs, targets = loader.collate_fn(items)
    loss_fn(copy.deepcopy(model)(inputs.to(device)), targets.to(device)).backward()


def _progress(loader: DataLoader, label: str, quiet: bool):
    if quiet:
        return contextlib.nullcontext(loader)
    return click.progressbar(loader, label=label, file=click.get_text_stream("stderr"), show_eta=False)
