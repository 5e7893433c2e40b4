"""Without a GPU and without numba's simulator, device "cuda" refuses clearly."""

from __future__ import annotations

import os

import pytest

import teachgrad as tg

pytestmark = pytest.mark.skipif(
    os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" or tg.cuda.is_available(),
    reason="CUDA (a GPU or the simulator) is available here",
)

MESSAGE = r"CUDA is not available: .*install teachgrad\[cuda\] and run on a machine with an NVIDIA GPU, or set NUMBA_ENABLE_CUDASIM=1"


def test_cuda_reports_that_it_is_not_available():
    assert tg.cuda.is_available() is False
    assert tg.cuda.device_count() == 0


def test_moving_a_tensor_to_cuda_raises_a_clear_error():
    x = tg.ones(2, 3, requires_grad=True)
    for move in (lambda: x.to("cuda"), lambda: x.cuda(), lambda: x.to(tg.device("cuda", 0))):
        with pytest.raises(RuntimeError, match=MESSAGE):
            move()
    assert x.device == tg.device("cpu") and x.grad is None  # nothing the user had changed


def test_creating_a_tensor_on_cuda_raises_a_clear_error():
    for make in (lambda: tg.zeros(2, device="cuda"), lambda: tg.tensor([1.0], device="cuda"),
                 lambda: tg.randn(3, device="cuda")):
        with pytest.raises(RuntimeError, match=MESSAGE):
            make()


def test_moving_a_module_to_cuda_raises_a_clear_error():
    with pytest.raises(RuntimeError, match=MESSAGE):
        tg.nn.Linear(2, 2).to("cuda")


def test_synchronize_raises_the_same_error():
    with pytest.raises(RuntimeError, match=MESSAGE):
        tg.cuda.synchronize()
