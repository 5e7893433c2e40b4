"""Fixtures for the whole suite: every test starts from, and leaves, the same global state."""

from __future__ import annotations

import pytest

import teachgrad as tg


@pytest.fixture(autouse=True)
def global_state_is_restored():
    """Grad mode, the CPU backend, the default dtype and the random seed are global state."""
    backend, default_dtype = tg.get_backend(), tg.get_default_dtype()
    tg.manual_seed(0)
    assert tg.is_grad_enabled()
    yield
    leaked_grad_mode = not tg.is_grad_enabled()
    tg.set_grad_enabled(True)
    tg.set_backend(backend)
    tg.set_default_dtype(default_dtype)
    assert not leaked_grad_mode, "the test left grad mode disabled"
