"""Training on device "cuda" (numba's simulator) follows the CPU run step by step."""

from __future__ import annotations

import numpy as np
import pytest

import teachgrad as tg
from teachgrad import nn, optim


def _train(device: str, make_model, make_optimizer, inputs: np.ndarray, labels: np.ndarray, steps: int):
    """Losses of each step and the final parameters, training from seed 0 on `device`."""
    tg.manual_seed(0)
    model = make_model().to(device)
    optimizer = make_optimizer(model.parameters())
    criterion = nn.CrossEntropyLoss()
    x, y = tg.tensor(inputs, dtype=tg.float32, device=device), tg.tensor(labels, device=device)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [p.detach().cpu().numpy() for p in model.parameters()]


@pytest.mark.parametrize("optimizer_name", ["sgd", "adam"])
def test_an_mlp_trained_on_cuda_matches_the_cpu_run(optimizer_name):
    rng = np.random.default_rng(0)
    inputs, labels = rng.normal(size=(16, 6)), rng.integers(0, 3, 16)
    make_model = lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3))
    make_optimizer = {"sgd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                      "adam": lambda p: optim.Adam(p, lr=0.01)}[optimizer_name]
    with tg.backend("reference"):
        cpu_losses, cpu_params = _train("cpu", make_model, make_optimizer, inputs, labels, steps=5)
    gpu_losses, gpu_params = _train("cuda", make_model, make_optimizer, inputs, labels, steps=5)
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-5)
    assert gpu_losses[-1] < gpu_losses[0]
    for got, want in zip(gpu_params, cpu_params):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_a_small_cnn_trained_on_cuda_matches_the_cpu_run():
    rng = np.random.default_rng(1)
    images, labels = rng.normal(size=(4, 1, 6, 6)), rng.integers(0, 2, 4)
    make_model = lambda: nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                       nn.Linear(18, 2))
    make_optimizer = lambda p: optim.SGD(p, lr=0.05)
    with tg.backend("reference"):
        cpu_losses, cpu_params = _train("cpu", make_model, make_optimizer, images, labels, steps=3)
    gpu_losses, gpu_params = _train("cuda", make_model, make_optimizer, images, labels, steps=3)
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-5)
    for got, want in zip(gpu_params, cpu_params):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
