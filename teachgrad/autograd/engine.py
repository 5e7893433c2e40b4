"""The backward pass: one engine for Scalars and Tensors.

Starting from the node that produced the output, `run_backward` lists every node the output
depends on in reverse topological order (each node comes after all nodes that use its outputs),
then calls each node's `backward` once, when all gradients for its outputs have been summed.
The walk is iterative (an explicit stack), so a chain of 100,000 operations needs no recursion,
and it follows inputs in their order, so the traversal is the same on every run.
"""

from __future__ import annotations

from typing import Any

from teachgrad.autograd.grad_mode import set_grad_enabled
from teachgrad.autograd.variable import AccumulateGrad, Edge, Variable
from teachgrad.functions.broadcast import unbroadcast


# Called after every backward step as observer(node, upstream_grads, produced_grads);
# `teachgrad.autograd.trace` uses this to record the backward pass.
step_observers: list = []
# Called just before every backward rule as hook(node, grads); `teachgrad.autograd.break_on` uses this.
stop_before_backward: list = []


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


def run_backward(root_node: Any, output_nr: int, gradient: Any, retain_graph: bool = False,
                 capture: dict | None = None, create_graph: bool = False) -> None:
    """Backpropagate `gradient` (dL/d output) from output `output_nr` of `root_node`.

    For each node: sum the incoming gradients of each output (zeros for unused outputs), run
    the output hooks, call `Function.backward`, and pass each input's gradient along its edge.
    Saved values are freed after use unless `retain_graph` is true.

    With `capture` (a dict {Edge: None}, as `autograd.grad` passes), the summed gradient that
    reaches each of those edges is stored in the dict instead of being added into any `.grad`.

    The rules are tensor operations, so with `create_graph` (grad mode on while they run) the
    backward pass is recorded like any forward: the gradients it produces have a `grad_fn`, and
    differentiating them gives second derivatives.
    """
    pending: dict[Any, dict[int, Any]] = {root_node: {output_nr: gradient}}
    with set_grad_enabled(create_graph):
        for node in topological_order(root_node):
            grads_by_output = pending.pop(node, None)
            if grads_by_output is None:
                continue  # every backward that leads here returned None: no gradient flows on
            if capture is not None:
                for edge in capture:
                    if edge.node is node and edge.output_nr in grads_by_output:
                        capture[edge] = grads_by_output[edge.output_nr]
                if isinstance(node, AccumulateGrad):
                    continue
            if isinstance(node, AccumulateGrad):
                node.accumulate(grads_by_output[0])
                for observe in step_observers:
                    observe(node, [grads_by_output[0]], ())
                continue
            grads = _complete_output_grads(node, grads_by_output)
            for stop in stop_before_backward:
                stop(node, grads)
            input_grads = node.function.backward(node, *grads)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            _check_gradient_count(node, input_grads)
            input_grads = tuple(_validate_gradient(node, i, grad) for i, grad in enumerate(input_grads))
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
    for index in range(len(node.outputs)):
        grad = grads_by_output.get(index)
        if grad is None:
            grad = node.zero_gradient(index)
        for hook in list(node.pre_hooks.get(index, {}).values()):
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


def _validate_gradient(node: Any, index: int, grad: Any) -> Any:
    """Check the gradient `node`'s backward returned for input `index` against that input.

    PyTorch's rule: a gradient of the input's shape passes; one of a shape the input broadcasts
    to is summed back to the input's shape (broadcasting's adjoint); any other shape, or a
    non-scalar gradient on another device, is an error. Other dtypes are converted to the input's.
    """
    expected = node.input_metadata[index]
    if grad is None or expected is None:
        return grad
    found = grad._metadata() if isinstance(grad, Variable) else None
    if found == expected:
        return grad  # the common case: nothing to fix
    if found is None:
        raise RuntimeError(f"expected Variable or None (got {type(grad).__name__})")
    shape, dtype, device = expected
    if tuple(grad.shape) != shape:
        if not _is_expandable_to(shape, tuple(grad.shape)):
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {index} - got "
                               f"{list(grad.shape)} but expected shape compatible with {list(shape)}")
        grad = unbroadcast(grad, shape)
    if grad.device != device:
        if grad.ndim != 0:
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {index} - "
                               f"expected device {device} but got {grad.device}")
        grad = grad.to(device)
    return grad if grad.dtype is dtype else grad.to(dtype)


def _is_expandable_to(shape: tuple, target: tuple) -> bool:
    """Whether broadcasting turns `shape` into `target` (each trailing size equal, or 1)."""
    if len(shape) > len(target):
        return False
    return all(size in (1, wanted) for size, wanted in zip(reversed(shape), reversed(target)))


def _add_pending(pending: dict, edge: Any, grad: Any) -> None:
    """Sum `grad` into the gradient waiting for output `edge.output_nr` of `edge.node`."""
    slot = pending.setdefault(edge.node, {})
    previous = slot.get(edge.output_nr)
    slot[edge.output_nr] = grad if previous is None else previous + grad


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, returned instead of added into `.grad`.

    PyTorch's `torch.autograd.grad`. `outputs` and `inputs` are tensors or sequences of them;
    `grad_outputs` holds dL/d output for each non-scalar output. No `.grad` is changed.
    With `create_graph` the backward pass is recorded, so the results can be differentiated again.
    """
    from_one = not isinstance(outputs, (list, tuple))
    outputs = [outputs] if from_one else list(outputs)
    inputs = [inputs] if not isinstance(inputs, (list, tuple)) else list(inputs)
    retain_graph = create_graph if retain_graph is None else retain_graph
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    edges = [Edge(t.grad_fn, t._output_nr) if t.grad_fn is not None else Edge(t._grad_accumulator(), 0) for t in inputs]
    totals: list = [None] * len(inputs)
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = out.new_ones(out.shape)
        capture = dict.fromkeys(edges)
        root = out.grad_fn if out.grad_fn is not None else out._grad_accumulator()
        keep = bool(retain_graph) or i < len(outputs) - 1
        seed = g if create_graph else g.detach()
        run_backward(root, out._output_nr if out.grad_fn is not None else 0, seed, keep, capture, create_graph)
        for k, edge in enumerate(edges):
            if capture[edge] is not None:
                totals[k] = capture[edge] if totals[k] is None else totals[k] + capture[edge]
    for k, total in enumerate(totals):
        if total is None and not allow_unused:
            raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                               "Set allow_unused=True if this is the desired behavior.")
    return tuple(totals)
