"""`teachgrad bench`: the fast path's benchmark set, with ratios against the yardsticks."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import click

import teachgrad as tg
from teachgrad.cli.files import writable_output, write_text_atomically
from teachgrad.cli.workloads import Workload, all_workloads


def median_seconds(fn, rounds: int) -> float:
    """Median wall time of `fn` over `rounds` runs, after one untimed run (compilation, caches)."""
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# numpy's OpenBLAS threads and Numba's OpenMP threads keep spinning for a while after a call and
# slow each other down (docs/performance.md); a pause between labels lets them go idle first.
SETTLE_SECONDS = 0.5


def measure(workload: Workload, quick: bool) -> dict:
    rounds = max(1, workload.rounds // 5) if quick else workload.rounds
    seconds = {}
    for label, fn in workload.run.items():
        time.sleep(0 if quick else SETTLE_SECONDS)
        seconds[label] = median_seconds(fn, 1 if label in workload.slow else rounds)
    base = seconds[workload.yardstick]
    return {"group": workload.group, "name": workload.name, "yardstick": workload.yardstick, "goal": workload.goal,
            "seconds": seconds, "speed_vs_yardstick": {label: base / s for label, s in seconds.items() if s > 0}}


def _format_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def table(results: list[dict]) -> str:
    lines = [f"{'work':<58} {'path':<22} {'median':>10} {'speed vs yardstick':>19}  goal"]
    for r in results:
        for number, (label, seconds) in enumerate(r["seconds"].items()):
            ratio = r["speed_vs_yardstick"][label]
            marker = "(yardstick)" if label == r["yardstick"] else f"{ratio:.2f}x"
            lines.append(f"{(r['name'] if number == 0 else ''):<58} {label:<22} {_format_time(seconds):>10} "
                         f"{marker:>19}  {r['goal'] if number == 0 else ''}")
    return "\n".join(lines)


@click.command()
@click.option("--backends", default="numba,reference", show_default=True,
              help="Comma-separated CPU backends to time (reference only runs the small workloads).")
@click.option("--quick", is_flag=True, help="Fewer rounds, smaller sizes: a smoke run in seconds.")
@click.option("--group", "groups", multiple=True,
              type=click.Choice(["matmul", "elementwise", "reduction", "overhead", "training"]),
              help="Only these groups (repeatable).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), callback=writable_output,
              help="Also write the results as JSON.")
def bench(backends, quick, groups, json_path):
    """Time teachgrad's kernels and training against numpy and the reference backend."""
    names = [b.strip() for b in backends.split(",") if b.strip()]
    unknown = [b for b in names if b not in tg.available_backends()]
    if unknown or not names:
        raise click.BadParameter(f"unknown backend(s) {', '.join(unknown) or '(none)'}; choose from "
                                 f"{', '.join(tg.available_backends())}", param_hint="--backends")
    results = []
    for workload in all_workloads(names, quick):
        if groups and workload.group not in groups:
            continue
        click.echo(f"timing {workload.name} ...", err=True)
        results.append(measure(workload, quick))
    click.echo(table(results))
    if json_path is not None:
        write_text_atomically(json_path, json.dumps(results, indent=2))
        click.echo(f"wrote {json_path}")
