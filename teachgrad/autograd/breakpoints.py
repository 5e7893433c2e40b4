"""`break_on("relu")`: stop in pdb at the first line of an operation's backward (or forward) rule.

pdb's `step` from `loss.backward()` passes hundreds of helper calls (the engine's bookkeeping,
shape checks, dtype promotion) before it reaches a rule. `break_on` stops exactly at the rule:

    with tg.autograd.break_on("relu"):          # or "ReLU", "relu_", "ReluBackward0", ReLU
        loss.backward()                         # pdb opens at ReLU.backward's first line

The engine calls `stop_before_backward` just before each rule (and `Function.apply` calls
`stop_before_forward` before each recorded forward). When the rule is one of the chosen Functions,
a banner names the values the rule works on, and the debugger is entered as the rule's frame
starts. The ops a rule uses (relu's mask, matmul's transposes) run with grad mode off, so they
are never recorded and never stop a `when="forward"` break.
"""

from __future__ import annotations

import difflib
import dis
import pdb
import sys
from pathlib import Path
from typing import Any, Callable

from teachgrad.autograd import engine, function
from teachgrad.autograd.function import Function, Node
from teachgrad.autograd.trace import parameter_names, saved_values, show_value

# Stepping (`s`) from a rule skips the plumbing between rules and lands where the math is.
PLUMBING = ["teachgrad.autograd.*", "teachgrad.tensor", "teachgrad.tensor_format", "teachgrad.functions.dispatch",
            "teachgrad.functions.broadcast", "teachgrad.dtypes", "teachgrad.strides", "numpy", "numpy.*"]
HELP = "n: run one line   s: step into   p NAME: print   ll: the whole rule   c: continue   q: quit"


def _subclasses(cls: type) -> list[type]:
    found, pending = [], [cls]
    while pending:
        subclasses = pending.pop().__subclasses__()
        found += subclasses
        pending += subclasses
    return found


def spelling_free(name: str) -> str:
    """The spelling-free form of a name: ReLU, relu, relu_ and ReluBackward0 all become 'relu'."""
    return name.removesuffix("Backward0").removesuffix("Backward").replace("_", "").lower()


def closest_name(name: str, names: list[str]) -> str:
    """' (did you mean X?)' for the known name nearest to `name` (ignoring case), or '' when none is close."""
    by_lower = {known.lower(): known for known in names}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""


def functions_named(name: str | type) -> list[type]:
    """Every Function subclass called `name`, in any of PyTorch's spellings (the tensor and Scalar Mul, ...),
    or whose node PyTorch calls `name` (`pytorch_name`: AddmmBackward0 is the fused Linear)."""
    if isinstance(name, type) and issubclass(name, Function):
        return [name]
    everything = _subclasses(Function)
    wanted = spelling_free(name)
    found = [cls for cls in everything if wanted in (spelling_free(cls.__name__), spelling_free(cls.pytorch_name or ""))]
    if not found:
        names = sorted({cls.__name__ for cls in everything})
        raise ValueError(f"break_on: no Function named {name!r}{closest_name(name, names)}; an operation "
                         f"composed of others has no rule of its own (`teachgrad rules {name}` lists its parts)")
    return found


def first_line(fn: Callable) -> int:
    """The line of fn's body that runs first (after decorators, the def line and the docstring)."""
    code = fn.__code__
    return min(line for _, line in dis.findlinestarts(code) if line is not None and line > code.co_firstlineno)


def where(fn: Callable) -> str:
    """file:line of fn's first body line (for an editor or pdb's `break`), relative to the working directory if inside it."""
    path = Path(fn.__code__.co_filename)
    if path.is_relative_to(Path.cwd()):
        path = path.relative_to(Path.cwd())
    return f"{path}:{first_line(fn)}"


def _banner(title: str, fn: Callable, values: list[tuple[str, Any, str]]) -> str:
    lines = [f"break_on: {title}, stopped in {fn.__qualname__} ({where(fn)})"]
    lines += [f"  {name} = {show_value(value)}    ({what})" for name, value, what in values]
    return "\n".join(lines + [f"  {HELP}"])


def backward_banner(node: Node, grads: list) -> str:
    """Name the upstream gradients and the saved tensors backward is about to use."""
    backward = node.function.backward
    values = [(n, g, "gradient from above, dL/d out") for n, g in zip(parameter_names(backward, len(grads)), grads)]
    values += [(n, v, "saved by forward") for n, v in saved_values(node)]
    return _banner(node.name(), backward, values)


def forward_banner(node: Node, args: tuple) -> str:
    """Name the inputs forward is about to use."""
    forward = node.function.forward
    values = [(n, v, "input") for n, v in zip(parameter_names(forward, len(args)), args)]
    return _banner(f"{node.function.__name__}.apply", forward, values)


class RuleDebugger(pdb.Pdb):
    """pdb that skips the plumbing between rules when stepping."""

    def __init__(self) -> None:
        super().__init__(skip=PLUMBING)


def enter_debugger(frame: Any, banner: str) -> None:
    """Print the banner and open pdb in `frame`, stopping at its first line."""
    print(banner)
    RuleDebugger().set_trace(frame)


def _stop_when_entered(code: Any, banner: str) -> None:
    """Open the debugger in the next frame that runs `code` (the call that follows); then restore the tracer."""
    previous = sys.gettrace()

    def on_call(frame, event, arg):
        if event != "call" or frame.f_code is not code:
            return None
        sys.settrace(previous)
        enter_debugger(frame, banner)
        return frame.f_trace
    sys.settrace(on_call)


class break_on:
    """Stop in pdb at the first line of a Function's backward (or forward) while this is active.

    `name` is an operation name in any of PyTorch's spellings (`relu`, `ReLU`, `relu_`,
    `ReluBackward0`) or a Function class, your own included. `when` is "backward" or
    "forward"; a forward stops only when autograd records it (not under no_grad, and never
    inside a backward rule). Use it as a context manager or call `.remove()`.
    """

    def __init__(self, name: str | type, when: str = "backward") -> None:
        if when not in ("backward", "forward"):
            raise ValueError(f"break_on: when must be 'backward' or 'forward', got {when!r}")
        self.functions = functions_named(name)
        self.when = when
        self._hooks = engine.stop_before_backward if when == "backward" else function.stop_before_forward
        self._hooks.append(self._stop)

    def _stop(self, node: Node, values: Any) -> None:
        if node.function not in self.functions:
            return
        if self.when == "backward":
            _stop_when_entered(node.function.backward.__code__, backward_banner(node, values))
        else:
            _stop_when_entered(node.function.forward.__code__, forward_banner(node, values))

    def remove(self) -> None:
        """Stop breaking on this Function."""
        if self._stop in self._hooks:
            self._hooks.remove(self._stop)

    def __enter__(self) -> "break_on":
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()
