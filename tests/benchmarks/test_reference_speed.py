"""How slow is the reference backend? (issue: the tensor reference engine, "Speed").

Run with timings:  python -m pytest tests/benchmarks/test_reference_speed.py --benchmark-enable
Without --benchmark-enable (the default) each benchmark runs once, as a smoke test.
"""

from __future__ import annotations

import numpy as np

import teachgrad as tg


def _matmul_forward_backward(a, b):
    a.grad = b.grad = None
    (a @ b).sum().backward()
    return a.grad


def test_reference_matmul_64_forward_backward(benchmark):
    rng = np.random.default_rng(0)
    a = tg.tensor(rng.standard_normal((64, 64)), dtype=tg.float32, requires_grad=True)
    b = tg.tensor(rng.standard_normal((64, 64)), dtype=tg.float32, requires_grad=True)
    with tg.backend("reference"):
        grad = benchmark.pedantic(_matmul_forward_backward, (a, b), rounds=3, iterations=1)
    np.testing.assert_allclose(grad.numpy(), np.ones((64, 64)) @ b.detach().numpy().T, rtol=1e-4)


def _mlp_step(params, x, y, lr=0.01):
    w1, b1, w2, b2, w3, b3 = params
    hidden = (x @ w1 + b1).relu()
    hidden = (hidden @ w2 + b2).relu()
    loss = ((hidden @ w3 + b3 - y) ** 2).mean()
    loss.backward()
    with tg.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss.item()


def test_reference_mlp_2_100_100_1_training_step_batch_10(benchmark):
    rng = np.random.default_rng(0)
    shapes = [(2, 100), (100,), (100, 100), (100,), (100, 1), (1,)]
    params = [tg.tensor(rng.standard_normal(s) * 0.1, dtype=tg.float32, requires_grad=True) for s in shapes]
    x = tg.tensor(rng.standard_normal((10, 2)), dtype=tg.float32)
    y = tg.tensor(rng.standard_normal((10, 1)), dtype=tg.float32)
    with tg.backend("reference"):
        first = _mlp_step(params, x, y)
        benchmark.pedantic(_mlp_step, (params, x, y), rounds=3, iterations=1)
        assert _mlp_step(params, x, y) < first
