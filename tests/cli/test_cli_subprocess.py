"""The installed `teachgrad` command, run as a real process like a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys

from PIL import Image

import teachgrad as tg


def teachgrad_command() -> list[str]:
    found = shutil.which("teachgrad")
    return [found] if found else [sys.executable, "-c", "from teachgrad.cli import main; main()"]


def test_default_train_cross_checks_both_paths_and_shows_the_speed_up():
    result = subprocess.run(teachgrad_command() + ["train", "--quiet"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "paths AGREE" in result.stdout
    numba_row = next(line for line in result.stdout.splitlines() if line.startswith("numba"))
    assert float(numba_row.split()[-1].rstrip("x")) > 1.0  # the fast path is faster, by the summary's own measure


def test_train_out_in_a_subprocess_writes_files_that_open(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--epochs", "2", "--n", "80", "--hidden", "8", "--quiet", "--out", str(out)]
    result = subprocess.run(teachgrad_command() + args, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "decision_boundary.png", "learning_curves.png", "metrics.csv", "metrics.json", "model.npz"]
    for name, size in [("learning_curves.png", (1000, 400)), ("decision_boundary.png", (600, 500))]:
        with Image.open(out / name) as image:
            image.verify()
        with Image.open(out / name) as image:
            assert image.size == size
    assert "head.weight" in tg.load(out / "model.npz")["model_state_dict"]
