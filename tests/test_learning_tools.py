"""Watching backward (`autograd.trace`) and exporting the graph (`viz.to_dot`, `viz.render`)."""

from __future__ import annotations

import numpy as np
import pytest

import teachgrad as tg
from teachgrad.autograd.engine import topological_order
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


def test_printed_trace_is_a_table_with_one_line_per_step():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.autograd.trace() as t:
        x.exp().sum().backward()
    lines = str(t).splitlines()
    assert lines[0].split() == ["step", "node", "gradient", "from", "above", "gradients", "to", "inputs"]
    assert len(lines) == 2 + len(t.steps)
    assert "ExpBackward" in lines[3]


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
