"""Choosing the CPU backend: set_backend, `with backend(...)`, TEACHGRAD_BACKEND, get_backend."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import teachgrad as tg
from teachgrad import kernels


def run_python(code: str, backend_variable: str | None) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with TEACHGRAD_BACKEND set (or unset)."""
    env = {k: v for k, v in os.environ.items() if k != "TEACHGRAD_BACKEND"}
    if backend_variable is not None:
        env["TEACHGRAD_BACKEND"] = backend_variable
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_available_backends_lists_reference_and_numba() -> None:
    assert {"reference", "numba"} <= set(tg.available_backends())


def test_set_backend_changes_what_get_backend_reports() -> None:
    tg.set_backend("numba")  # naming a backend does not load it
    assert tg.get_backend() == "numba"
    tg.set_backend("reference")
    assert tg.get_backend() == "reference"


def test_reference_backend_runs_the_kernels_when_selected() -> None:
    tg.set_backend("reference")
    assert kernels.cpu_kernels() is kernels.reference
    assert (tg.tensor([1.0, 2.0]) * 3).tolist() == [3.0, 6.0]


def test_set_backend_with_an_unknown_name_raises_listing_the_available_ones_and_changes_nothing() -> None:
    before = tg.get_backend()
    with pytest.raises(ValueError, match="unknown backend 'cuda-fast'.*reference.*numba"):
        tg.set_backend("cuda-fast")
    assert tg.get_backend() == before


def test_backend_context_manager_sets_the_backend_inside_and_restores_it_after() -> None:
    tg.set_backend("reference")
    with tg.backend("numba"):
        assert tg.get_backend() == "numba"
    assert tg.get_backend() == "reference"


def test_backend_context_manager_restores_the_backend_when_the_block_raises() -> None:
    tg.set_backend("reference")
    with pytest.raises(KeyError):
        with tg.backend("numba"):
            raise KeyError("inside")
    assert tg.get_backend() == "reference"


def test_backend_context_manager_with_an_unknown_name_raises_before_entering() -> None:
    tg.set_backend("reference")
    entered = []
    with pytest.raises(ValueError, match="available backends: reference, numba"):
        with tg.backend("bogus"):
            entered.append(True)
    assert not entered
    assert tg.get_backend() == "reference"


def test_environment_variable_chooses_the_backend_at_import() -> None:
    result = run_python("import teachgrad; print(teachgrad.get_backend())", "numba")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "numba"


def test_default_backend_without_the_environment_variable_is_an_available_backend_that_runs() -> None:
    code = "import teachgrad as tg; print(tg.get_backend() in tg.available_backends(), (tg.ones(2) + 1).tolist())"
    result = run_python(code, None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True [2.0, 2.0]"


def test_unknown_backend_in_the_environment_raises_a_clear_value_error_when_used() -> None:
    result = run_python("import teachgrad; print((teachgrad.ones(2) + 1).tolist())", "bogus")
    assert result.returncode != 0
    assert "ValueError" in result.stderr
    assert "bogus" in result.stderr and "reference" in result.stderr
