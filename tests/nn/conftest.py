"""Shared fixtures for the nn, optim and serialization tests."""

from __future__ import annotations

import numpy as np
import pytest

import teachgrad as tg


@pytest.fixture(autouse=True)
def global_state_is_restored():
    """Grad mode, backend, default dtype and the random seed are global: each test starts from a fixed state."""
    backend, default_dtype = tg.get_backend(), tg.get_default_dtype()
    tg.manual_seed(0)
    assert tg.is_grad_enabled()
    yield
    leaked_grad_mode = not tg.is_grad_enabled()
    tg.set_grad_enabled(True)
    tg.set_backend(backend)
    tg.set_default_dtype(default_dtype)
    assert not leaked_grad_mode, "the test left grad mode disabled"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
