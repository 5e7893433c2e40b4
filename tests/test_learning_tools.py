"""Stopping at a rule (`autograd.break_on`), watching backward (`autograd.trace`), exporting the graph (`viz`)."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.autograd import breakpoints
from teachgrad.autograd.engine import topological_order
from teachgrad.functions.elementwise import Mul, ReLU
from teachgrad.functions.fused import CrossEntropy, Linear
from teachgrad.kernels import reference
from teachgrad.registry import all_ops
from teachgrad.registry.samples import make_leaves, run


def test_trace_records_each_backward_step_in_order():
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    with tg.autograd.trace() as t:
        (x * 2).relu().sum().backward()
    assert [s.function for s in t.steps] == ["Sum", "ReLU", "Mul", "AccumulateGrad"]
    assert [s.index for s in t.steps] == [0, 1, 2, 3]


def test_trace_records_the_rule_and_the_gradients_by_value():
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    with tg.autograd.trace() as t:
        (x * 2).relu().sum().backward()
    relu = t.steps[1]
    assert "backward: dL/dx = g where x > 0" in relu.rule
    assert relu.upstream[0]["values"] == [1.0, 1.0, 1.0]
    assert relu.produced[0]["values"] == [1.0, 0.0, 1.0]


def test_trace_summarises_large_gradients():
    x = tg.ones(10, 10, requires_grad=True)
    with tg.autograd.trace() as t:
        (x * 3).sum().backward()
    produced = t.steps[1].produced[0]
    assert produced["shape"] == (10, 10) and "values" not in produced
    assert produced["mean"] == pytest.approx(3.0) and produced["norm"] == pytest.approx(30.0)


def test_printed_trace_shows_each_rule_with_its_values_filled_in():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    with tg.autograd.trace() as t:
        (a * b).sum().backward()
    mul = "\n".join(t.steps[1].lines())
    assert mul.startswith("step 1  MulBackward0\n    backward: dL/da = unbroadcast(g * b, a.shape)")
    # the values the rule reads, named as Mul.backward names them, and the gradients it gave (by hand: g*b, g*a)
    for line in ["where g = [2] [1., 1.]", "where a = [2] [1., 2.]", "where b = [2] [3., 4.]",
                 "gives dL/da = [2] [3., 4.]", "gives dL/db = [2] [1., 2.]"]:
        assert line in mul
    assert str(t).splitlines().count("step 1  MulBackward0") == 1


def test_printed_trace_shows_numbers_whole():
    values = np.linspace(0.123456789, 1.987654321, 16)
    x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    with tg.autograd.trace() as t:
        (x * x).sum().backward()  # Mul's rule gives dL/da = g * b = x, exactly
    printed = str(t)
    line = next(l for l in printed.splitlines() if l.startswith("  gives dL/da"))
    assert line.endswith(np.array2string(values, separator=", ", max_line_width=10**9))
    assert "0.12345679" in line and "1.98765432" in line


def test_trace_names_leaves_by_their_parameter_names():
    model = tg.nn.Sequential(tg.nn.Linear(2, 1))
    with tg.autograd.trace(model) as t:
        model(tg.ones(3, 2)).sum().backward()
    leaves = [s for s in t.steps if s.function == "AccumulateGrad"]
    assert sorted(s.node for s in leaves) == ["AccumulateGrad  0.bias [1]", "AccumulateGrad  0.weight [1, 2]"]
    assert {s.rule for s in leaves} == {"0.weight.grad += g", "0.bias.grad += g"}


def test_trace_names_leaves_from_a_dict():
    w = tg.tensor([2.0], requires_grad=True)
    with tg.autograd.trace({"w": w}) as t:
        (w * 3).sum().backward()
    assert t.steps[-1].node == "AccumulateGrad  w [1]"


def test_trace_explains_arguments_that_get_no_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.autograd.trace() as t:
        x.sum().backward()
    assert "(no gradient for dims, keepdim: not a tensor, or not requiring grad)" in str(t)
    assert "None" not in str(t)


def test_trace_stops_recording_after_the_block():
    x = tg.tensor([1.0], requires_grad=True)
    with tg.autograd.trace() as t:
        pass
    x.exp().sum().backward()
    assert t.steps == []


def test_to_dot_names_every_node_with_shapes_and_marks_leaves():
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    w = tg.tensor([[3.0], [4.0]], requires_grad=True)
    dot = tg.viz.to_dot((x @ w).tanh())
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert 'label="MatMul\\n[1, 1]"' in dot and 'label="Tanh\\n[1, 1]"' in dot
    assert dot.count("leaf [") == 2


def test_to_dot_shows_data_and_grad_when_asked():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    dot = tg.viz.to_dot(y, show_data=True, show_grad=True)
    assert "data [1.,2.]" in dot and "grad [2.,4.]" in dot


def test_render_without_graphviz_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        tg.viz.render(tg.tensor([1.0], requires_grad=True) * 2, tmp_path / "graph.png")


@pytest.mark.parametrize("op", [op for op in all_ops() if op.differentiable], ids=lambda op: op.name)
def test_trace_and_dot_cover_every_registered_operation(op):
    sample = next(iter(op.samples(np.random.default_rng(0))))
    leaves = make_leaves(sample, tg.float64, requires_grad=True)
    outs = [o for o in run(op, sample, *leaves) if o.requires_grad]
    loss = sum(o.sum() for o in outs)
    functions = {n.function.__name__ for n in topological_order(loss.grad_fn) if hasattr(n, "function")}
    with tg.autograd.trace() as t:
        loss.backward()
    assert functions <= {s.function for s in t.steps}
    dot = tg.viz.to_dot(loss)
    assert all(f'label="{name}\\n' in dot for name in functions)


# --- stepping through the reference kernels in pdb ---

PDB_COMMANDS = set("abcdhjlnpqrsuw")  # pdb's one-letter commands (`help` at the pdb prompt)


def _code_objects(code):
    """A function's code and the code of the comprehensions and lambdas inside it."""
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


def test_reference_kernels_name_no_variable_like_a_pdb_command():
    # at the pdb prompt `n` or `p` runs a command instead of showing the variable; the
    # primitives' operands a and b keep their documented names (shown with `p a`)
    tables = [*reference.UNARY.values(), *reference.BINARY.values(), *reference.REDUCTIONS.values()]
    functions = [f for f in [*vars(reference).values(), *tables]
                 if inspect.isfunction(f) and f.__module__ == reference.__name__]
    clashes = set()
    for function in functions:
        operands = {"a", "b"} if not function.__name__.startswith(("_", "<")) else set()
        for code in _code_objects(function.__code__):
            clashes |= {f"{function.__name__}: {name}" for name in code.co_varnames
                        if name in PDB_COMMANDS - operands}
    assert sorted(clashes) == []


def _first_body_line(fn) -> int:
    """The line after fn's `def` line, read from its source (every rule here starts on that line)."""
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if line.lstrip().startswith("def ")) + 1


@pytest.fixture
def stops(monkeypatch):
    """Where break_on would open pdb: (code object, banner) for each stop, instead of a debugger."""
    seen = []
    monkeypatch.setattr(breakpoints, "enter_debugger", lambda frame, banner: seen.append((frame.f_code, banner)))
    return seen


def test_break_on_stops_at_the_first_line_of_the_backward_rule(stops):
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    with tg.autograd.break_on("relu"):
        (x * 2).relu().sum().backward()
    assert [code for code, _ in stops] == [ReLU.backward.__code__]
    assert f"elementwise.py:{_first_body_line(ReLU.backward)})" in stops[0][1]


def test_break_on_banner_names_the_upstream_gradient_and_the_saved_tensors(stops):
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    with tg.autograd.break_on("relu"):
        (x * 2).relu().sum().backward()
    banner = stops[0][1]
    assert "g = [3] [1., 1., 1.]    (gradient from above, dL/d out)" in banner
    assert "x = [3] [ 2., -4.,  6.]    (saved by forward)" in banner


@pytest.mark.parametrize("name", ["relu", "ReLU", "relu_", "ReluBackward0", ReLU])
def test_break_on_accepts_pytorchs_spellings(name):
    with tg.autograd.break_on(name) as stop:
        assert ReLU in stop.functions


def test_break_on_accepts_the_node_name_pytorch_prints_for_a_fused_function():
    with tg.autograd.break_on("AddmmBackward0") as addmm, tg.autograd.break_on("NllLossBackward0") as nll_loss:
        assert addmm.functions == [Linear] and CrossEntropy in nll_loss.functions


def test_break_on_a_misspelt_name_suggests_the_closest():
    with pytest.raises(ValueError, match="no Function named 'relux' \\(did you mean 'ReLU'\\?\\)"):
        tg.autograd.break_on("relux")


def test_break_on_stops_at_every_call_until_the_block_ends(stops):
    x = tg.tensor([1.0, -2.0], requires_grad=True)
    with tg.autograd.break_on("relu"):
        x.relu().sum().backward()
        x.relu().sum().backward()
    x.relu().sum().backward()
    assert len(stops) == 2


def test_break_on_forward_stops_at_the_recorded_forward_not_inside_backward_rules(stops):
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.autograd.break_on("mul", when="forward"):
        (a * 3).sigmoid().sum().backward()  # Sigmoid's rule multiplies too: g * out * (1 - out)
        with tg.no_grad():
            a * 3
    assert [code for code, _ in stops] == [Mul.forward.__code__]
    assert "a = [2] [1., 2.]    (input)" in stops[0][1]


def test_break_on_opens_pdb_at_the_rule():
    program = ("import teachgrad as tg\n"
               "x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)\n"
               "with tg.autograd.break_on('relu'):\n"
               "    (x * 2).relu().sum().backward()\n"
               "print('grad', x.grad.tolist())\n")
    result = subprocess.run([sys.executable, "-c", program], input="p g\nc\n", capture_output=True, text=True, timeout=120)
    assert "-> (x,) = ctx.saved_tensors" in result.stdout
    assert "(Pdb) tensor([1., 1., 1.])" in result.stdout
    assert "grad [2.0, 0.0, 2.0]" in result.stdout
