"""Shared fixtures for the tensor specification tests."""

from __future__ import annotations

import pytest

import teachgrad as tg


@pytest.fixture(autouse=True)
def global_state_is_restored():
    """Grad mode, CPU backend and default dtype are global: every test must leave them as it found them."""
    backend, default_dtype = tg.get_backend(), tg.get_default_dtype()
    assert tg.is_grad_enabled()
    yield
    leaked_grad_mode = not tg.is_grad_enabled()
    tg.set_grad_enabled(True)
    tg.set_backend(backend)
    tg.set_default_dtype(default_dtype)
    assert not leaked_grad_mode, "the test left grad mode disabled"
