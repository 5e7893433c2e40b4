"""scripts/gpu_check.py runs end to end (its --smoke sizes, under the simulator)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[3] / "scripts" / "gpu_check.py"


def test_the_gpu_check_script_runs_and_its_checks_pass(capsys, tmp_path):
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    gpu_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu_check)
    status = gpu_check.main(["--smoke", "--skip", "registry", "--json", str(tmp_path / "figures.json")])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "all checks passed" in printed and "FAILED" not in printed
    for title in ("Primitives at realistic sizes", "Timings", "One epoch, MLP"):
        assert title in printed
    assert (tmp_path / "figures.json").exists()


def test_the_gpu_check_script_refuses_full_sizes_under_the_simulator(capsys):
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    gpu_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu_check)
    assert gpu_check.main([]) == 2
    assert "--smoke" in capsys.readouterr().err
