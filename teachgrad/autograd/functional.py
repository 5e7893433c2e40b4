"""Whole derivatives of a function, PyTorch's `torch.autograd.functional`, built from `autograd.grad`.

For y = func(x):

    vjp(func, x, v)      = v^T J             one backward
    jvp(func, x, v)      = J v               backward with a dummy u (J^T u, linear in u), differentiated in u
    jacobian(func, x)    = J = dy/dx         one backward per element of y: row i is e_i^T J
    hessian(func, x)     = d^2 y / dx^2      the jacobian of the gradient (func returns a scalar)
    hvp(func, x, v)      = H v               the gradient's vjp with v (H is symmetric)

The second derivatives differentiate the recorded backward pass (`create_graph=True`).
"""

from __future__ import annotations

from typing import Any, Callable

from teachgrad.autograd.engine import grad
from teachgrad.autograd.grad_mode import enable_grad
from teachgrad.functions.indexing import Cat


def _as_tuple(value: Any) -> tuple[tuple, bool]:
    return (tuple(value), True) if isinstance(value, (tuple, list)) else ((value,), False)


def _from_tuple(values: tuple, was_tuple: bool) -> Any:
    return values if was_tuple else values[0]


def _fresh_inputs(inputs: tuple, create_graph: bool) -> tuple:
    """Inputs that require grad: aliases keeping the caller's graph with `create_graph`, else detached copies."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in inputs)


def _vjp(outputs: tuple, inputs: tuple, vs: tuple, create_graph: bool) -> tuple:
    """sum_k v_k^T d outputs_k / d inputs, one tensor per input (zeros where an input is unused)."""
    pairs = [(y, v) for y, v in zip(outputs, vs) if y.requires_grad]
    grads = grad([y for y, _ in pairs], inputs, [v for _, v in pairs], retain_graph=True,
                 create_graph=create_graph, allow_unused=True) if pairs else (None,) * len(inputs)
    return tuple(x.new_zeros(x.shape) if g is None else g for g, x in zip(grads, inputs))


def _finish(values: tuple, create_graph: bool) -> tuple:
    return values if create_graph else tuple(v.detach() for v in values)


def _evaluate(func: Callable, inputs: Any, create_graph: bool) -> tuple:
    """(fresh inputs, whether inputs was a tuple, outputs, whether the outputs were a tuple)."""
    xs, tuple_in = _as_tuple(inputs)
    xs = _fresh_inputs(xs, create_graph)
    with enable_grad():
        ys, tuple_out = _as_tuple(func(*xs))
    return xs, tuple_in, ys, tuple_out


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False) -> tuple:
    """(func(inputs), v^T J): `v` may be left out when func returns a single-element tensor."""
    xs, tuple_in, ys, tuple_out = _evaluate(func, inputs, create_graph)
    vs = _as_tuple(v)[0] if v is not None else tuple(y.new_ones(y.shape) for y in ys)
    with enable_grad():
        result = _vjp(ys, xs, vs, create_graph)
    return _from_tuple(_finish(ys, create_graph), tuple_out), _from_tuple(_finish(result, create_graph), tuple_in)


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False) -> tuple:
    """(func(inputs), J v): `u -> J^T u` is linear in u, so its vjp with v is J v (the double-backward trick)."""
    xs, tuple_in, ys, tuple_out = _evaluate(func, inputs, create_graph)
    vs = _as_tuple(v)[0] if v is not None else tuple(x.new_ones(x.shape) for x in xs)
    with enable_grad():
        us = tuple(y.new_zeros(y.shape).requires_grad_(True) for y in ys)
        transposed = _vjp(ys, xs, us, create_graph=True)
        result = _vjp(transposed, us, vs, create_graph)
    return _from_tuple(_finish(ys, create_graph), tuple_out), _from_tuple(_finish(result, create_graph), tuple_out)


def jacobian(func: Callable, inputs: Any, create_graph: bool = False) -> Any:
    """d func / d inputs: shape output.shape + input.shape, nested per output and input when tuples."""
    xs, tuple_in, ys, tuple_out = _evaluate(func, inputs, create_graph)
    blocks = []
    with enable_grad():
        for y in ys:
            rows = [_vjp((y,), xs, (_one_hot(y, i),), create_graph) for i in range(y.numel())]
            per_input = tuple(_stack([row[k] for row in rows], y.shape + x.shape, x) for k, x in enumerate(xs))
            blocks.append(_from_tuple(_finish(per_input, create_graph), tuple_in))
    return _from_tuple(tuple(blocks), tuple_out)


def _one_hot(y: Any, index: int) -> Any:
    seed = y.new_zeros(y.numel())
    seed[index] = 1
    return seed.view(y.shape)


def _stack(rows: list, shape: tuple, like: Any) -> Any:
    """The rows (each of like's shape) as one tensor of `shape`."""
    if not rows:
        return like.new_zeros(shape)
    return Cat.apply(0, *[row.reshape(1, -1) for row in rows]).reshape(shape)


def hessian(func: Callable, inputs: Any, create_graph: bool = False) -> Any:
    """d^2 func / d inputs^2 for a func returning one element: the jacobian of its gradient."""
    tuple_in = isinstance(inputs, (tuple, list))

    def gradient(*xs: Any) -> Any:
        return jacobian(func, xs if tuple_in else xs[0], create_graph=True)

    return jacobian(gradient, inputs, create_graph)


def hvp(func: Callable, inputs: Any, v: Any, create_graph: bool = False) -> tuple:
    """(func(inputs), H v) for a func returning one element, by differentiating its recorded gradient."""
    xs, tuple_in, ys, _ = _evaluate(func, inputs, create_graph)
    with enable_grad():
        gradient = _vjp(ys, xs, tuple(y.new_ones(y.shape) for y in ys), create_graph=True)
        result = _vjp(gradient, xs, _as_tuple(v)[0], create_graph)
    return _finish(ys, create_graph)[0], _from_tuple(_finish(result, create_graph), tuple_in)
