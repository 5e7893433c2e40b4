"""What `teachgrad train` reports: agreement between paths, the summary table, and output files."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np
from matplotlib.figure import Figure

from teachgrad.cli.files import write_atomically, write_text_atomically
from teachgrad.cli.loop import EpochResult

# Paths agree when, at every epoch, the losses differ by at most LOSS_TOLERANCE * max(1, |loss|)
# and every parameter differs by at most PARAMETER_TOLERANCE * max(1, |parameter|). Both paths
# compute in float32 but add in different orders (Python floats vs vectorised kernels), so
# results drift apart by rounding; a real bug moves them by orders of magnitude more.
LOSS_TOLERANCE = 1e-3
PARAMETER_TOLERANCE = 1e-3


@dataclass
class Agreement:
    loss_difference: list[float]
    parameter_difference: list[float]
    agree: bool


def compare_paths(results: dict[str, list[EpochResult]]) -> Agreement:
    """Largest difference of each path from the first, per epoch, and the verdict."""
    names = list(results)
    base = results[names[0]]
    loss_diffs, param_diffs, agree = [], [], True
    for epoch, base_epoch in enumerate(base):
        worst_loss = worst_param = 0.0
        for name in names[1:]:
            other = results[name][epoch]
            worst_loss = _largest(worst_loss, abs(other.loss - base_epoch.loss))
            agree &= worst_loss <= LOSS_TOLERANCE * max(1.0, abs(base_epoch.loss))
            for key, value in base_epoch.parameters.items():
                difference = np.abs(other.parameters[key] - value)
                worst_param = _largest(worst_param, float(difference.max(initial=0.0)))
                agree &= bool(np.all(difference <= PARAMETER_TOLERANCE * np.maximum(1.0, np.abs(value))))
        loss_diffs.append(worst_loss)
        param_diffs.append(worst_param)
    return Agreement(loss_diffs, param_diffs, agree)


def _largest(worst: float, difference: float) -> float:
    """The larger difference; NaN (a path computed NaN) counts as larger than any number."""
    return difference if math.isnan(difference) or difference > worst else worst


def epoch_rows(results: dict[str, list[EpochResult]], agreement: Agreement) -> list[dict]:
    rows = []
    for epoch in range(len(next(iter(results.values())))):
        for path, per_epoch in results.items():
            r = per_epoch[epoch]
            rows.append({"epoch": epoch + 1, "path": path, "loss": r.loss, "accuracy": r.accuracy, "seconds": r.seconds,
                         "max_loss_difference": agreement.loss_difference[epoch],
                         "max_parameter_difference": agreement.parameter_difference[epoch]})
    return rows


def print_differences(agreement: Agreement) -> None:
    """One line per epoch: the largest loss and parameter difference between the paths."""
    for epoch, (loss, parameter) in enumerate(zip(agreement.loss_difference, agreement.parameter_difference), start=1):
        click.echo(f"epoch {epoch:>3}: largest difference between paths: loss {loss:.2e}, parameters {parameter:.2e}")


def summary_table(results: dict[str, list[EpochResult]], agreement: Agreement) -> str:
    """Final loss, accuracy, total time and speed-up over reference, one row per path."""
    reference_time = sum(r.seconds for r in results["reference"]) if "reference" in results else None
    lines = [f"{'path':<10} {'final loss':>10} {'test acc':>9} {'seconds':>9} {'speed-up':>9}"]
    for path, per_epoch in results.items():
        seconds = sum(r.seconds for r in per_epoch)
        speedup = f"{reference_time / seconds:8.1f}x" if reference_time and seconds > 0 else "        -"
        lines.append(f"{path:<10} {per_epoch[-1].loss:>10.4f} {per_epoch[-1].accuracy:>9.3f} {seconds:>9.3f} {speedup:>9}")
    if len(results) > 1:
        verdict = "AGREE" if agreement.agree else "DISAGREE"
        lines.append(
            f"paths {verdict}: largest loss difference {max(agreement.loss_difference):.2e}, largest parameter "
            f"difference {max(agreement.parameter_difference):.2e} (tolerance {LOSS_TOLERANCE:g} relative)"
        )
    return "\n".join(lines)


def write_metrics(out: Path, rows: list[dict]) -> None:
    write_text_atomically(out / "metrics.json", json.dumps(rows, indent=2))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomically(out / "metrics.csv", buffer.getvalue())


def save_figure(path: Path, figure: Figure) -> None:
    """Write the figure atomically, in the format its extension names (.png or .svg)."""
    write_atomically(path, lambda tmp: figure.savefig(tmp, format=path.suffix[1:].lower()))
