"""The backward engine, grad modes, hooks and custom Functions, exercised with Scalars."""

from __future__ import annotations

import pytest

from teachgrad import Scalar, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from teachgrad.autograd import Function, topological_order
from teachgrad.autograd.variable import AccumulateGrad


@pytest.fixture(autouse=True)
def grad_mode_is_restored():
    """Every test starts and must end with grad mode on; a leak would break later tests."""
    assert is_grad_enabled()
    yield
    leaked = not is_grad_enabled()
    set_grad_enabled(True)
    assert not leaked, "the test left grad mode disabled"


# graph shape -----------------------------------------------------------------------------


def test_value_used_twice_gets_the_sum_of_both_gradients() -> None:
    a = Scalar(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0


def test_value_multiplied_by_itself_gets_product_rule_gradient() -> None:
    a = Scalar(3.0, requires_grad=True)
    (a * a).backward()
    assert a.grad == 6.0


def test_shared_subexpression_in_a_diamond_gets_gradient_from_both_paths() -> None:
    a = Scalar(2.0, requires_grad=True)
    b = a * 3.0          # db/da = 3
    c = b * b + b.exp()  # dc/db = 2b + e^b
    c.backward()
    assert a.grad == pytest.approx(3.0 * (2 * 6.0 + 2.718281828459045**6.0))


def test_chain_of_100000_operations_backpropagates_without_recursion_error() -> None:
    a = Scalar(0.5, requires_grad=True)
    x = a
    for _ in range(100_000):
        x = x + 1.0
    x.backward()
    assert x.data == 100_000.5
    assert a.grad == 1.0


# accumulation and retain_graph -----------------------------------------------------------


def test_gradients_accumulate_across_backward_calls_on_separate_graphs() -> None:
    a = Scalar(2.0, requires_grad=True)
    (a * 3.0).backward()
    (a * a).backward()
    assert a.grad == 3.0 + 2 * 2.0


def test_retain_graph_allows_a_second_backward_which_doubles_the_gradient() -> None:
    a, b = Scalar(2.0, requires_grad=True), Scalar(5.0, requires_grad=True)
    y = a * b
    y.backward(retain_graph=True)
    assert a.grad == 5.0
    y.backward()
    assert a.grad == 10.0 and b.grad == 4.0


def test_second_backward_through_mul_without_retain_graph_raises() -> None:
    a, b = Scalar(2.0, requires_grad=True), Scalar(5.0, requires_grad=True)
    y = a * b
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_with_explicit_gradient_scales_the_result() -> None:
    a = Scalar(2.0, requires_grad=True)
    (a * 3.0).backward(gradient=0.5)
    assert a.grad == 1.5


# grad modes ------------------------------------------------------------------------------


def test_no_grad_context_manager_stops_recording_and_restores_the_mode() -> None:
    a = Scalar(2.0, requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = a * 2.0
    assert is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad


def test_no_grad_restores_the_mode_when_the_block_raises() -> None:
    with pytest.raises(KeyError):
        with no_grad():
            raise KeyError("boom")
    assert is_grad_enabled()


def test_no_grad_decorator_stops_recording_inside_the_function_only() -> None:
    @no_grad()
    def double(x: Scalar) -> Scalar:
        return x * 2.0

    a = Scalar(2.0, requires_grad=True)
    assert double(a).grad_fn is None
    assert is_grad_enabled()
    assert (a * 2.0).grad_fn is not None


def test_enable_grad_context_manager_records_inside_no_grad() -> None:
    a = Scalar(2.0, requires_grad=True)
    with no_grad():
        with enable_grad():
            y = a * 2.0
        assert not is_grad_enabled()
    assert y.grad_fn is not None


def test_enable_grad_decorator_records_inside_no_grad() -> None:
    @enable_grad()
    def double(x: Scalar) -> Scalar:
        return x * 2.0

    a = Scalar(2.0, requires_grad=True)
    with no_grad():
        y = double(a)
        assert not is_grad_enabled()
    assert y.grad_fn is not None


@pytest.mark.parametrize("mode", [False, True])
def test_set_grad_enabled_context_manager_sets_and_restores_the_mode(mode: bool) -> None:
    a = Scalar(2.0, requires_grad=True)
    with set_grad_enabled(mode):
        assert is_grad_enabled() is mode
        y = a * 2.0
    assert is_grad_enabled()
    assert (y.grad_fn is not None) is mode


def test_set_grad_enabled_true_context_manager_records_inside_no_grad() -> None:
    a = Scalar(2.0, requires_grad=True)
    with no_grad():
        with set_grad_enabled(True):
            y = a * 2.0
        assert not is_grad_enabled()
    assert y.grad_fn is not None


def test_set_grad_enabled_decorator_applies_only_when_the_function_runs() -> None:
    @set_grad_enabled(False)
    def double(x: Scalar) -> Scalar:
        assert not is_grad_enabled()
        return x * 2.0

    assert is_grad_enabled()  # defining the function did not switch the mode
    a = Scalar(2.0, requires_grad=True)
    assert double(a).grad_fn is None
    assert is_grad_enabled()


def test_set_grad_enabled_as_plain_call_switches_mode_until_switched_back() -> None:
    a = Scalar(2.0, requires_grad=True)
    try:
        set_grad_enabled(False)
        assert not is_grad_enabled()
        assert (a * 2.0).grad_fn is None
    finally:
        set_grad_enabled(True)
    assert is_grad_enabled()
    assert (a * 2.0).grad_fn is not None


def test_set_grad_enabled_rejects_a_non_bool() -> None:
    with pytest.raises(TypeError, match="bool"):
        set_grad_enabled(0)
    assert is_grad_enabled()


class Recorder(Function):
    """Identity that records, when its backward runs, whether grad mode was on."""

    seen: list[bool] = []

    @staticmethod
    def forward(ctx, x):
        return Scalar(x.data)

    @staticmethod
    def backward(ctx, g):
        Recorder.seen.append(is_grad_enabled())
        probe = Scalar(1.0, requires_grad=True) * 2.0
        Recorder.seen.append(probe.grad_fn is not None)
        return g


def test_backward_itself_does_not_record_a_graph() -> None:
    Recorder.seen = []
    a = Scalar(2.0, requires_grad=True)
    Recorder.apply(a).backward()
    assert Recorder.seen == [False, False]
    assert is_grad_enabled()


# hooks and retain_grad -------------------------------------------------------------------


def test_hook_on_leaf_replaces_the_gradient_stored_in_grad() -> None:
    a = Scalar(2.0, requires_grad=True)
    a.register_hook(lambda g: g * 10.0)
    (a * 3.0).backward()
    assert a.grad == 30.0


def test_hook_on_leaf_runs_when_backward_is_called_on_the_leaf_itself() -> None:
    a = Scalar(2.0, requires_grad=True)
    a.register_hook(lambda g: g * 10.0)
    a.backward()
    assert a.grad == 10.0


def test_hook_on_non_leaf_replaces_the_gradient_flowing_to_its_inputs() -> None:
    a = Scalar(2.0, requires_grad=True)
    b = a * 3.0
    b.register_hook(lambda g: g + 1.0)
    (b * 2.0).backward()
    assert a.grad == (2.0 + 1.0) * 3.0


def test_hook_returning_none_sees_the_gradient_without_changing_it() -> None:
    seen = []
    a = Scalar(2.0, requires_grad=True)
    b = a * 3.0
    b.register_hook(seen.append)
    (b * 5.0).backward()
    assert seen == [5.0]
    assert a.grad == 15.0


def test_removed_hook_is_not_called() -> None:
    calls = []
    a = Scalar(2.0, requires_grad=True)
    handle = a.register_hook(lambda g: calls.append(g) or g * 100.0)
    handle.remove()
    (a * 3.0).backward()
    assert calls == []
    assert a.grad == 3.0


def test_register_hook_on_value_not_requiring_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        Scalar(2.0).register_hook(lambda g: g)


def test_non_leaf_has_no_grad_after_backward_by_default() -> None:
    a = Scalar(2.0, requires_grad=True)
    b = a * 3.0
    (b * b).backward()
    assert b.grad is None
    assert not b.retains_grad


def test_retain_grad_keeps_the_gradient_of_a_non_leaf() -> None:
    a = Scalar(2.0, requires_grad=True)
    b = a * 3.0
    b.retain_grad()
    (b * b).backward()
    assert b.retains_grad
    assert b.grad == 2 * 6.0
    assert a.grad == 2 * 6.0 * 3.0


# custom Functions ------------------------------------------------------------------------


class ScaledProduct(Function):
    """forward: out = x * y * alpha (alpha a plain number); backward: g*y*alpha, g*x*alpha, None."""

    needs_seen: list[tuple] = []

    @staticmethod
    def forward(ctx, x, y, alpha):
        ctx.save_for_backward(x.data, y.data)
        ctx.alpha = alpha
        ScaledProduct.needs_seen.append(ctx.needs_input_grad)
        return Scalar(x.data * y.data * alpha)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        grad_x = g * y * ctx.alpha if ctx.needs_input_grad[0] else None
        grad_y = g * x * ctx.alpha if ctx.needs_input_grad[1] else None
        return grad_x, grad_y, None


def test_custom_function_passes_non_tensor_argument_through_to_forward() -> None:
    out = ScaledProduct.apply(Scalar(2.0, requires_grad=True), Scalar(3.0), 10.0)
    assert out.data == 60.0


def test_custom_function_backward_uses_saved_values_and_ctx_attributes() -> None:
    x, y = Scalar(2.0, requires_grad=True), Scalar(3.0, requires_grad=True)
    ScaledProduct.apply(x, y, 10.0).backward()
    assert x.grad == 30.0 and y.grad == 20.0


def test_custom_function_needs_input_grad_says_which_inputs_need_a_gradient() -> None:
    ScaledProduct.needs_seen = []
    x, y = Scalar(2.0, requires_grad=True), Scalar(3.0)
    ScaledProduct.apply(x, y, 10.0).backward()
    assert ScaledProduct.needs_seen == [(True, False, False)]
    assert x.grad == 30.0 and y.grad is None


def test_custom_function_without_inputs_requiring_grad_records_nothing() -> None:
    out = ScaledProduct.apply(Scalar(2.0), Scalar(3.0), 10.0)
    assert out.grad_fn is None and not out.requires_grad


def test_custom_function_output_has_named_grad_fn_with_edges_to_inputs() -> None:
    x, y = Scalar(2.0, requires_grad=True), Scalar(3.0)
    out = ScaledProduct.apply(x, y, 10.0)
    assert out.grad_fn.name() == "ScaledProductBackward"  # a user's Function: no number, as in PyTorch
    (x_node, _), (y_node, _), (alpha_node, _) = out.grad_fn.next_functions
    assert isinstance(x_node, AccumulateGrad) and x_node.variable is x
    assert y_node is None and alpha_node is None


class FirstOnly(Function):
    """forward: out = x * y; backward returns None for y even when y requires grad."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(y.data)
        return Scalar(x.data * y.data)

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y, None


def test_custom_function_returning_none_leaves_that_leaf_without_grad() -> None:
    x, y = Scalar(2.0, requires_grad=True), Scalar(3.0, requires_grad=True)
    FirstOnly.apply(x, y).backward()
    assert x.grad == 3.0
    assert y.grad is None


def test_custom_function_returning_none_stops_gradient_to_everything_behind_that_input() -> None:
    x, w = Scalar(2.0, requires_grad=True), Scalar(3.0, requires_grad=True)
    FirstOnly.apply(x, w * 2.0).backward()
    assert x.grad == 6.0
    assert w.grad is None


class TooManyGradients(Function):
    @staticmethod
    def forward(ctx, x):
        return Scalar(x.data)

    @staticmethod
    def backward(ctx, g):
        return g, g


def test_custom_function_returning_wrong_number_of_gradients_raises() -> None:
    out = TooManyGradients.apply(Scalar(1.0, requires_grad=True))
    with pytest.raises(RuntimeError, match=r"TooManyGradientsBackward.*expected 1, got 2"):
        out.backward()


# traversal order -------------------------------------------------------------------------


class Tag(Function):
    """Identity that appends its label to `Tag.order` when its backward runs."""

    order: list[str] = []

    @staticmethod
    def forward(ctx, x, label):
        ctx.label = label
        return Scalar(x.data)

    @staticmethod
    def backward(ctx, g):
        Tag.order.append(ctx.label)
        return g, None


def backward_order_of_a_wide_graph() -> list[str]:
    """Build a graph with many branches that share a node; return the order backward visits."""
    Tag.order = []
    a = Scalar(1.0, requires_grad=True)
    shared = Tag.apply(a, "shared")
    branches = [Tag.apply(shared * float(i), f"branch{i}") for i in range(20)]
    total = Tag.apply(sum(branches, Scalar(0.0)), "total")
    total.backward()
    return list(Tag.order)


def test_backward_visits_nodes_in_the_same_order_on_every_run() -> None:
    first = backward_order_of_a_wide_graph()
    _garbage = [Scalar(float(i)) for i in range(1000)]  # shift the ids of the next graph's nodes
    second = backward_order_of_a_wide_graph()
    assert first == second


def test_backward_calls_each_node_once_after_all_nodes_that_use_it() -> None:
    order = backward_order_of_a_wide_graph()
    assert sorted(order) == sorted(["total", "shared"] + [f"branch{i}" for i in range(20)])
    assert order[0] == "total" and order[-1] == "shared"


def test_topological_order_puts_each_node_before_the_nodes_of_its_inputs() -> None:
    a, b = Scalar(2.0, requires_grad=True), Scalar(3.0, requires_grad=True)
    c = a * b
    d = c + a
    e = (d * c).exp() - b
    order = topological_order(e.grad_fn)
    assert order[0] is e.grad_fn
    assert len(order) == len(set(order)), "a node appears twice"
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for edge in node.next_edges:
            if edge is not None:
                assert position[node] < position[edge.node], f"{node} is not before {edge.node}"
    leaves = [node.variable for node in order if isinstance(node, AccumulateGrad)]
    assert sorted(leaves, key=id) == sorted([a, b], key=id)
    # Sub, Exp, Mul(d*c), Add, Mul(a*b) and the two leaf accumulators
    assert len(order) == 7


def test_no_grad_works_as_a_bare_decorator():
    from teachgrad import Scalar, no_grad, is_grad_enabled

    @no_grad
    def double(x):
        return x * 2, is_grad_enabled()

    y, enabled_inside = double(Scalar(1.0, requires_grad=True))
    assert not y.requires_grad and not enabled_inside and is_grad_enabled()


def test_the_ctx_examples_in_function_docstrings_run_as_written():
    import doctest

    import teachgrad.autograd.function as module
    result = doctest.testmod(module)
    assert result.attempted >= 15 and result.failed == 0
