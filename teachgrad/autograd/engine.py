"""The backward pass: one engine for Scalars and Tensors.

Starting from the node that produced the output, `run_backward` lists every node the output
depends on in reverse topological order (each node comes after all nodes that use its outputs),
then calls each node's `backward` once, when all gradients for its outputs have been summed.
The walk is iterative (an explicit stack), so a chain of 100,000 operations needs no recursion,
and it follows inputs in their order, so the traversal is the same on every run.
"""

from __future__ import annotations

from typing import Any

from teachgrad.autograd.grad_mode import no_grad
from teachgrad.autograd.variable import AccumulateGrad


# Called after every backward step as observer(node, upstream_grads, produced_grads);
# `teachgrad.autograd.trace` uses this to record the backward pass.
step_observers: list = []


def topological_order(root: Any) -> list:
    """Return the nodes reachable from `root`, each before the nodes its inputs come from."""
    postorder, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            postorder.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for edge in reversed(node.next_edges):
            if edge is not None and edge.node not in visited:
                stack.append((edge.node, False))
    postorder.reverse()
    return postorder


def run_backward(root_node: Any, output_nr: int, gradient: Any, retain_graph: bool = False) -> None:
    """Backpropagate `gradient` (dL/d output) from output `output_nr` of `root_node`.

    For each node: sum the incoming gradients of each output (zeros for unused outputs), run
    the output hooks, call `Function.backward`, and pass each input's gradient along its edge.
    Saved values are freed after use unless `retain_graph` is true.
    """
    pending: dict[Any, dict[int, Any]] = {root_node: {output_nr: gradient}}
    with no_grad():
        for node in topological_order(root_node):
            grads_by_output = pending.pop(node, None)
            if grads_by_output is None:
                continue  # every backward that leads here returned None: no gradient flows on
            if isinstance(node, AccumulateGrad):
                node.accumulate(grads_by_output[0])
                for observe in step_observers:
                    observe(node, [grads_by_output[0]], ())
                continue
            grads = _complete_output_grads(node, grads_by_output)
            input_grads = node.function.backward(node, *grads)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            _check_gradient_count(node, input_grads)
            for observe in step_observers:
                observe(node, grads, input_grads)
            for edge, grad in zip(node.next_edges, input_grads):
                if edge is not None and grad is not None:
                    _add_pending(pending, edge, grad)
            if not retain_graph:
                node.release_saved()


def _complete_output_grads(node: Any, grads_by_output: dict[int, Any]) -> list:
    """One gradient per output: hooks applied, zeros where an output was not used."""
    grads = []
    for index, make_zeros in enumerate(node.output_zeros):
        grad = grads_by_output.get(index)
        if grad is None:
            grad = make_zeros() if make_zeros is not None else None
        for hook in node.pre_hooks.get(index, ()):
            replaced = hook(grad)
            if replaced is not None:
                grad = replaced
        grads.append(grad)
    return grads


def _check_gradient_count(node: Any, input_grads: tuple) -> None:
    expected = len(node.next_edges)
    if len(input_grads) != expected:
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {expected}, got {len(input_grads)})"
        )


def _add_pending(pending: dict, edge: Any, grad: Any) -> None:
    """Sum `grad` into the gradient waiting for output `edge.output_nr` of `edge.node`."""
    slot = pending.setdefault(edge.node, {})
    previous = slot.get(edge.output_nr)
    slot[edge.output_nr] = grad if previous is None else previous + grad
