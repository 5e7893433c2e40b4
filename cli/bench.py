"""`teachgrad bench`: the fast path's benchmark set, with ratios against the yardsticks."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import click

import teachgrad as tg
from teachgrad.cli.files import writable_output, write_text_atomically
from teachgrad.cli.versus_pytorch import versus_pytorch_workloads
from teachgrad.cli.workloads import Workload, all_workloads


def seconds_of(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# numpy's OpenBLAS threads and Numba's OpenMP threads keep spinning for a while after a call and
# slow each other down (docs/performance.md); a pause before each timed run lets them go idle first.
SETTLE_SECONDS = 0.2


def measure(workload: Workload, quick: bool) -> dict:
    """Median seconds per call of each label, timed in alternated rounds (label 1, label 2, ...,
    label 1, ...) after one untimed run each, so that a change in the machine's load hits all."""
    rounds = max(1, workload.rounds // 5) if quick else workload.rounds
    for fn in workload.run.values():
        fn()  # compilation, caches
    times: dict[str, list[float]] = {label: [] for label in workload.run}
    for round_number in range(rounds):
        for label, fn in workload.run.items():
            if label in workload.slow and round_number > 0:
                continue
            time.sleep(0 if quick else SETTLE_SECONDS)
            times[label].append(seconds_of(fn) / workload.calls)
    seconds = {label: statistics.median(t) for label, t in times.items()}
    base = seconds[workload.yardstick]
    speed = {label: base / s for label, s in seconds.items() if s > 0}
    met = None
    if workload.target is not None:
        label, wanted = workload.target
        met = speed.get(label, 0.0) >= wanted
    return {"group": workload.group, "name": workload.name, "yardstick": workload.yardstick, "goal": workload.goal,
            "seconds": seconds, "speed_vs_yardstick": speed, "goal_met": met}


def _format_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def _goal_text(result: dict) -> str:
    if not result["goal"]:
        return ""
    verdict = {True: "met", False: "NOT met", None: ""}[result["goal_met"]]
    return f"{result['goal']}: {verdict}" if verdict else result["goal"]


def table(results: list[dict]) -> str:
    lines = [f"{'work':<58} {'path':<22} {'median':>10} {'speed vs yardstick':>19}  goal"]
    for r in results:
        for number, (label, seconds) in enumerate(r["seconds"].items()):
            ratio = r["speed_vs_yardstick"][label]
            marker = "(yardstick)" if label == r["yardstick"] else f"{ratio:.2f}x"
            lines.append(f"{(r['name'] if number == 0 else ''):<58} {label:<22} {_format_time(seconds):>10} "
                         f"{marker:>19}  {_goal_text(r) if number == 0 else ''}")
    return "\n".join(lines)


@click.command()
@click.option("--backends", default="numba,reference", show_default=True,
              help="Comma-separated CPU backends to time (reference only runs the small workloads).")
@click.option("--quick", is_flag=True, help="Fewer rounds, smaller sizes: a smoke run in seconds.")
@click.option("--group", "groups", multiple=True,
              type=click.Choice(["matmul", "elementwise", "reduction", "overhead", "training", "pytorch"]),
              help="Only these groups (repeatable).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), callback=writable_output,
              help="Also write the results as JSON.")
def bench(backends, quick, groups, json_path):
    """Time teachgrad's kernels and training against numpy, the reference backend and PyTorch.

    The "pytorch" group times single operations and training epochs for teachgrad and PyTorch
    side by side when torch is installed (pip install -e '.[bench]'), against numpy otherwise.
    """
    names = [b.strip() for b in backends.split(",") if b.strip()]
    unknown = [b for b in names if b not in tg.available_backends()]
    if unknown or not names:
        raise click.BadParameter(f"unknown backend(s) {', '.join(unknown) or '(none)'}; choose from "
                                 f"{', '.join(tg.available_backends())}", param_hint="--backends")
    workloads = all_workloads(names, quick) if set(groups) != {"pytorch"} else []
    if not groups or "pytorch" in groups:
        workloads += versus_pytorch_workloads(quick)
    results = []
    for workload in workloads:
        if groups and workload.group not in groups:
            continue
        click.echo(f"timing {workload.name} ...", err=True)
        results.append(measure(workload, quick))
    click.echo(table(results))
    if json_path is not None:
        write_text_atomically(json_path, json.dumps(results, indent=2))
        click.echo(f"wrote {json_path}")
