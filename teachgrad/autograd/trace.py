"""Watching backward: `with trace() as t: loss.backward()` records every step of the pass.

Each step says which node ran (its Function and the rule from the Function's docstring), the
gradient that arrived from above for each output, and the gradient it produced for each input.
Small tensors are recorded by value, large ones by summary statistics. `print(t)` shows a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from teachgrad.autograd import engine
from teachgrad.autograd.variable import AccumulateGrad

SMALL = 16  # tensors with at most this many elements are recorded by value


def describe_gradient(grad: Any) -> dict | None:
    """A gradient as data: shape and values (small) or mean/std/min/max/norm (large)."""
    if grad is None:
        return None
    if isinstance(grad, float):
        return {"shape": (), "values": grad}
    values = np.asarray(grad.detach().numpy(force=True) if grad.device.type != "cpu" else grad.detach().numpy(), dtype=np.float64)
    summary: dict[str, Any] = {"shape": tuple(values.shape)}
    if values.size <= SMALL:
        summary["values"] = values.round(6).tolist()
    elif values.size:
        summary.update(mean=float(values.mean()), std=float(values.std()), min=float(values.min()),
                       max=float(values.max()), norm=float(np.linalg.norm(values)))
    return summary


@dataclass
class Step:
    """One backward step: a node, what arrived from above, what it passed to its inputs."""

    index: int
    node: str
    function: str
    rule: str
    upstream: list = field(default_factory=list)
    produced: list = field(default_factory=list)

    def as_row(self) -> tuple[str, str, str, str]:
        return (str(self.index), self.node, _short(self.upstream), _short(self.produced))


def _short(grads: list) -> str:
    parts = []
    for g in grads:
        if g is None:
            parts.append("None")
        elif "values" in g:
            parts.append(f"{list(g['shape'])} {np.array2string(np.asarray(g['values']), precision=4, separator=',')}".replace("\n", ""))
        else:
            parts.append(f"{list(g['shape'])} mean={g['mean']:.4g} norm={g['norm']:.4g}")
    return "; ".join(parts) or "-"


class trace:
    """Context manager recording each backward step run inside it into `steps`."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def __enter__(self) -> "trace":
        engine.step_observers.append(self._record)
        return self

    def __exit__(self, *exc_info) -> None:
        engine.step_observers.remove(self._record)

    def _record(self, node: Any, upstream: list, produced: tuple) -> None:
        if isinstance(node, AccumulateGrad):
            shape = tuple(getattr(node.variable, "shape", ()))
            step = Step(len(self.steps), "AccumulateGrad", "AccumulateGrad",
                        f"leaf.grad += g  (a leaf of shape {list(shape)})")
        else:
            doc = node.function.__doc__ or ""
            step = Step(len(self.steps), node.name(), node.function.__name__, _rule_lines(doc))
        step.upstream = [describe_gradient(g) for g in upstream]
        step.produced = [describe_gradient(g) for g in produced]
        self.steps.append(step)

    def __str__(self) -> str:
        header = ("step", "node", "gradient from above", "gradients to inputs")
        rows = [header] + [s.as_row() for s in self.steps]
        widths = [min(max(len(r[i]) for r in rows), 60) for i in range(4)]
        lines = []
        for number, row in enumerate(rows):
            lines.append("  ".join(cell[:60].ljust(w) for cell, w in zip(row, widths)).rstrip())
            if number == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    __repr__ = __str__


def _rule_lines(doc: str) -> str:
    """The 'backward:' part of a Function docstring (the whole docstring if there is none)."""
    lines = [l.strip() for l in doc.strip().splitlines()]
    for i, line in enumerate(lines):
        if line.startswith("backward:"):
            rest = [line] + [l for l in lines[i + 1 :] if l and not l.startswith("forward:")]
            return "\n".join(rest)
    return "\n".join(lines)
