"""Every registered operation on device "cuda" (numba's simulator) against the CPU reference backend.

For each sample: the same leaves on the CPU and on the GPU, the operation forward, then
backward of sum(out * w) for a fixed random w; outputs and input gradients must agree. The GPU
leaves are moved with `.to("cuda")` and then made to require grad, so they are leaves too.
"""

from __future__ import annotations

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.registry import all_ops
from teachgrad.registry.samples import make_leaves, run

OPS = all_ops()
# var/std samples with N - correction <= 0 warn, as PyTorch does: expected here
pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom")


def _forward_backward(op, sample, device):
    with tg.backend("reference"):
        leaves = make_leaves(sample, tg.float64)
        leaves = [leaf.to(device) if isinstance(leaf, tg.Tensor) else leaf for leaf in leaves]
        if op.differentiable:
            for leaf in leaves:
                if isinstance(leaf, tg.Tensor) and leaf.is_floating_point():
                    leaf.requires_grad_(True)
        outs = run(op, sample, *leaves)
        for out in outs:
            assert out.device == tg.device(device), f"{op.name} {sample.name}: output on {out.device}, expected {device}"
        values = [o.detach().cpu().numpy() for o in outs]
        differentiable = [o for o in outs if o.requires_grad]
        if differentiable:
            rng = np.random.default_rng(7)
            weights = [tg.tensor(rng.uniform(-1, 1, tuple(o.shape)), device=device) for o in differentiable]
            loss = sum((o * w).sum() for o, w in zip(differentiable, weights))
            loss.backward()
        grads = []
        for leaf in leaves:
            if getattr(leaf, "grad", None) is not None:
                assert leaf.grad.device == leaf.device, f"{op.name} {sample.name}: gradient on {leaf.grad.device}"
                grads.append(leaf.grad.cpu().numpy())
    return values, grads


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_operation_on_cuda_agrees_with_the_cpu_reference(op):
    for sample in op.samples(np.random.default_rng(2)):
        expected_values, expected_grads = _forward_backward(op, sample, "cpu")
        values, grads = _forward_backward(op, sample, "cuda")
        assert len(values) == len(expected_values) and len(grads) == len(expected_grads), f"{op.name} {sample.name}"
        for got, want in zip(values + grads, expected_values + expected_grads):
            assert got.shape == want.shape, f"{op.name} {sample.name}"
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=f"{op.name} {sample.name}")
