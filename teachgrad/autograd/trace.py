"""Watching backward: `with trace() as t: loss.backward()` records every step of the pass.

Each step says which node ran (its Function and the rule from the Function's docstring), the
gradient that arrived from above for each output, and the gradient it produced for each input.
Each step also names the values its rule read (the upstream gradient and the saved tensors, as
the rule's code names them) and the leaves (by parameter name when given a module). Small
tensors are recorded by value, large ones by summary statistics. `print(t)` shows every step.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from teachgrad.autograd import engine
from teachgrad.autograd.variable import AccumulateGrad

SMALL = 16  # tensors with at most this many elements are recorded by value


def describe_gradient(grad: Any) -> dict | None:
    """A gradient as data: shape and values (small) or mean/std/min/max/norm (large)."""
    if grad is None:
        return None
    if isinstance(grad, (int, float)):
        return {"shape": (), "values": float(grad)}
    values = np.asarray(grad.detach().numpy(force=True) if grad.device.type != "cpu" else grad.detach().numpy(), dtype=np.float64)
    summary: dict[str, Any] = {"shape": tuple(values.shape)}
    if values.size <= SMALL:
        summary["values"] = values.tolist()
    elif values.size:
        summary.update(mean=float(values.mean()), std=float(values.std()), min=float(values.min()),
                       max=float(values.max()), norm=float(np.linalg.norm(values)))
    return summary


def show_described(described: dict | None) -> str:
    """One described value as text, every number whole: `[2] [3.0, 4.0]` or a summary line."""
    if described is None:
        return "None"
    if "values" in described:
        text = np.array2string(np.asarray(described["values"]), separator=", ", max_line_width=10**9).replace("\n", "")
        return text if described["shape"] == () else f"{list(described['shape'])} {text}"
    if "mean" not in described:
        return f"{list(described['shape'])} (empty)"
    return (f"{list(described['shape'])} mean={described['mean']:.6g} std={described['std']:.6g} "
            f"min={described['min']:.6g} max={described['max']:.6g} norm={described['norm']:.6g}")


def _is_numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) or (hasattr(value, "detach") and hasattr(value, "numel"))


def show_value(value: Any) -> str:
    """A tensor or number (by value or summary) or any other argument (by repr), for banners and traces."""
    return show_described(describe_gradient(value)) if _is_numeric(value) else repr(value)


@lru_cache(maxsize=None)
def saved_names(backward: Callable) -> tuple[str, ...]:
    """The names backward unpacks `ctx.saved_tensors` into (`(x,) = ctx.saved_tensors` gives ('x',))."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(backward)))
    except (OSError, TypeError, SyntaxError):
        return ()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) and node.value.attr == "saved_tensors":
            target = node.targets[0]
            elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            return tuple(e.id if isinstance(e, ast.Name) else "_" for e in elements)
    return ()


def parameter_names(fn: Callable, count: int) -> list[str]:
    """Names for fn's first `count` arguments after ctx (`*grads` gives grads[0], grads[1], ...)."""
    code = fn.__code__
    names = list(code.co_varnames[1:code.co_argcount])
    star = code.co_varnames[code.co_argcount] if code.co_flags & inspect.CO_VARARGS else "arg"
    return [names[i] if i < len(names) else f"{star}[{i - len(names)}]" for i in range(count)]


def saved_values(node: Any) -> list[tuple[str, Any]]:
    """(name, value) for each value forward saved, named as backward unpacks them."""
    saved = node._saved if isinstance(node._saved, tuple) else ()
    names = saved_names(node.function.backward)
    return [(names[i] if i < len(names) else f"ctx.saved_tensors[{i}]", value) for i, value in enumerate(saved)]


@dataclass
class Step:
    """One backward step: a node, its rule, the values the rule used, what it passed to its inputs.

    `values` names each value the rule read: the gradient from above (as backward calls it) and
    the tensors forward saved (as backward unpacks them). `produced[i]` is the gradient for
    forward's input i, named `dL/d<input>` in `produced_names`; None for an input that gets no
    gradient (a number such as `dim`, or a tensor that does not require grad).
    """

    index: int
    node: str
    function: str
    rule: str
    upstream: list = field(default_factory=list)
    produced: list = field(default_factory=list)
    values: list = field(default_factory=list)
    produced_names: list = field(default_factory=list)

    def lines(self) -> list[str]:
        """The step as text: the rule, then the values filled in, then what the rule gave."""
        lines = [f"step {self.index}  {self.node}"]
        lines += [f"    {line}" for line in self.rule.splitlines()]
        lines += [f"  where {name} = {show_described(value)}" for name, value in self.values]
        given = [(n, g) for n, g in zip(self.produced_names, self.produced) if g is not None]
        lines += [f"  gives {name} = {show_described(g)}" for name, g in given]
        skipped = [n.removeprefix("dL/d") for n, g in zip(self.produced_names, self.produced) if g is None]
        if skipped:
            lines.append(f"  (no gradient for {', '.join(skipped)}: not a tensor, or not requiring grad)")
        return lines


def _leaf_names(params: Any) -> dict[int, str]:
    """id(tensor) -> name, from a module's `named_parameters()` or a {name: tensor} dict."""
    if params is None:
        return {}
    pairs = params.named_parameters() if hasattr(params, "named_parameters") else params.items()
    return {id(tensor): name for name, tensor in pairs}


class trace:
    """Context manager recording each backward step run inside it into `steps`.

    `params` names the leaves: a module (its `named_parameters()` names, e.g. `0.weight`) or a
    dict {name: tensor}, as torchviz's `make_dot(params=...)` takes. `print(t)` shows each step.
    """

    def __init__(self, params: Any = None) -> None:
        self.steps: list[Step] = []
        self.leaf_names = _leaf_names(params)

    def __enter__(self) -> "trace":
        engine.step_observers.append(self._record)
        return self

    def __exit__(self, *exc_info) -> None:
        engine.step_observers.remove(self._record)

    def _record(self, node: Any, upstream: list, produced: tuple) -> None:
        if isinstance(node, AccumulateGrad):
            self.steps.append(self._leaf_step(node, upstream[0]))
            return
        backward, forward = node.function.backward, node.function.forward
        step = Step(len(self.steps), node.name(), node.function.__name__, _rule_lines(node.function.__doc__ or ""))
        step.upstream = [describe_gradient(g) for g in upstream]
        step.produced = [describe_gradient(g) for g in produced]
        step.values = list(zip(parameter_names(backward, len(upstream)), step.upstream))
        step.values += [(name, describe_gradient(v)) for name, v in saved_values(node) if _is_numeric(v)]
        step.produced_names = [f"dL/d{name}" for name in parameter_names(forward, len(produced))]
        self.steps.append(step)

    def _leaf_step(self, node: AccumulateGrad, grad: Any) -> Step:
        leaf = node.variable
        shape = list(getattr(leaf, "shape", ()))
        name = self.leaf_names.get(id(leaf), "leaf")
        step = Step(len(self.steps), f"AccumulateGrad  {name} {shape}", "AccumulateGrad", f"{name}.grad += g")
        step.upstream = [describe_gradient(grad)]
        step.values = [("g", step.upstream[0])]
        return step

    def __str__(self) -> str:
        return "\n".join(line for step in self.steps for line in step.lines())

    __repr__ = __str__


def _rule_lines(doc: str) -> str:
    """The 'backward:' part of a Function docstring (the whole docstring if there is none)."""
    lines = [l.strip() for l in doc.strip().splitlines()]
    for i, line in enumerate(lines):
        if line.startswith("backward:"):
            rest = [line] + [" " * len("backward: ") + l for l in lines[i + 1 :] if l and not l.startswith("forward:")]
            return "\n".join(rest)
    return "\n".join(lines)
