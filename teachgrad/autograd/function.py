"""`Function`: an operation with a forward and a hand-written backward, PyTorch's API.

Every differentiable operation in teachgrad, built in or written by a user, is a subclass::

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    y = Square.apply(x)

`apply` runs `forward` without recording, then, when an input requires grad and grad mode is on,
makes a `Node` (the object behind `y.grad_fn`) that remembers where each input's gradient goes.
The node is also the `ctx` that forward and backward receive, as in PyTorch.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from teachgrad.autograd import grad_mode
from teachgrad.autograd.variable import Edge, Variable

_FREED = object()
_NO_HOOKS: dict = {}
# Called just before every recorded forward as hook(node, args); `teachgrad.autograd.break_on` uses this.
stop_before_forward: list = []


class Node:
    """A recorded call of a Function: the `ctx` of forward/backward and the `grad_fn` of outputs.

    `next_edges[i]` says where the gradient for input i goes: the `Node` that produced that
    input (with the output index), an `AccumulateGrad` for a leaf, or None when input i needs
    no gradient. `input_metadata[i]` is what that gradient must match (input i's shape, dtype,
    device). `outputs[k]` is (the output's class, its metadata): enough to make a zero gradient
    for an output that backward never reached.
    """

    pre_hooks: dict = _NO_HOOKS  # output index -> hooks; a node's own dict once one is registered
    _saved: Any = ()
    _saved_versions: tuple = ()
    _non_differentiable: frozenset = frozenset()

    def __init__(self, function: type, args: tuple, recording: bool = True) -> None:
        self.function = function
        self.recording = recording
        self.outputs: tuple = ()
        if not recording:  # grad mode is off: forward runs, but nothing is kept for backward
            self.needs_input_grad = (False,) * len(args)
            self.next_edges = self.input_metadata = ()
            return
        needs, edges, metadata = [], [], []
        for value in args:
            needed = isinstance(value, Variable) and value._requires_grad
            needs.append(needed)
            if needed:
                value._check_history()
                edges.append(_edge_of(value))
                metadata.append(value._metadata())
            else:
                edges.append(None)
                metadata.append(None)
        self.needs_input_grad, self.next_edges, self.input_metadata = tuple(needs), tuple(edges), tuple(metadata)

    # ctx API used inside forward/backward -------------------------------------------------
    # `ctx.needs_input_grad` (a tuple of bools, one per positional input of forward) says which
    # inputs need a gradient, so backward can skip the others:
    #
    #     def backward(ctx, g):
    #         a, b = ctx.saved_tensors
    #         grad_a = g * b if ctx.needs_input_grad[0] else None
    #         grad_b = g * a if ctx.needs_input_grad[1] else None
    #         return grad_a, grad_b
    #
    # Anything else backward needs (a dim, a shape, a number) goes on ctx as an attribute:
    # `ctx.dim = dim` in forward, `ctx.dim` in backward.

    def save_for_backward(self, *values: Any) -> None:
        """Keep tensors (inputs or outputs of forward) for backward; call it at most once in forward.

        Save tensors this way, not as attributes of ctx: their versions are noted, so that an
        in-place change before backward is an error instead of a wrong gradient, and they are
        freed after backward unless `retain_graph=True`.

        >>> import teachgrad as tg
        >>> class Cube(tg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 3 * x * x * g
        >>> x = tg.tensor([2.0], requires_grad=True)
        >>> Cube.apply(x).backward()
        >>> x.grad
        tensor([12.])
        """
        if not self.recording:
            return
        self._saved = values
        self._saved_versions = tuple(v._version_value() if isinstance(v, Variable) else 0 for v in values)

    @property
    def saved_tensors(self) -> tuple:
        """The values given to `save_for_backward`, in order; freed by backward unless `retain_graph`.

        Raises if a saved value was modified in place since it was saved (its old values, which
        backward needs, are gone), or if backward already freed them:

        >>> import teachgrad as tg
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x.exp()          # Exp saves its output for backward
        >>> y.add_(1)            # ...which this changes in place
        tensor([3.7183, 8.3891], grad_fn=<AddBackward0>)
        >>> y.sum().backward()
        Traceback (most recent call last):
        RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: [a tensor of dtype teachgrad.float32] is at version 1; expected version 0 instead.
        """
        if self._saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward(). Specify retain_graph=True if you need "
                "to backward through the graph a second time or if you need to access saved "
                "tensors after calling backward."
            )
        for value, version in zip(self._saved, self._saved_versions):
            if isinstance(value, Variable) and value._version_value() != version:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{value._kind()}] is at version {value._version_value()}; expected version "
                    f"{version} instead."
                )
        return self._saved

    def mark_non_differentiable(self, *outputs: Variable) -> None:
        """Declare outputs that get no gradient and never require grad (indices, masks, counts).

        backward still receives one gradient per output; for these it is zeros.

        >>> import teachgrad as tg
        >>> class MaxWithIndex(tg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         index = x.argmax()
        ...         ctx.mark_non_differentiable(index)
        ...         ctx.save_for_backward(x, index)
        ...         return x[index], index
        ...     @staticmethod
        ...     def backward(ctx, g, g_index):
        ...         x, index = ctx.saved_tensors
        ...         grad = x.new_zeros(x.shape)
        ...         grad[index] = g
        ...         return grad
        >>> x = tg.tensor([1.0, 5.0, 3.0], requires_grad=True)
        >>> value, index = MaxWithIndex.apply(x)
        >>> value.requires_grad, index.requires_grad
        (True, False)
        >>> value.backward()
        >>> x.grad
        tensor([0., 1., 0.])
        """
        self._non_differentiable = self._non_differentiable | {id(o) for o in outputs}

    # graph API used by the engine -----------------------------------------------------------
    def name(self) -> str:
        # PyTorch names its built-in backward nodes MulBackward0 (numbered) and a user's MyFnBackward.
        suffix = "Backward0" if self.function.__module__.startswith("teachgrad.") else "Backward"
        return f"{self.function.pytorch_name or self.function.__name__}{suffix}"

    @property
    def output_shapes(self) -> list[tuple]:
        """The shape of each output (() for a non-tensor output)."""
        return [tuple(meta[0]) if meta is not None else () for _, meta in self.outputs]

    def zero_gradient(self, index: int) -> Any:
        """A zero gradient for output `index`, for when backward never reached it."""
        kind, meta = self.outputs[index]
        return kind._zeros(meta) if kind is not None else None

    def output_pre_hooks(self, index: int) -> dict:
        """The hooks (handle id -> `hook(grad)`) run on output `index`'s gradient before backward."""
        if self.pre_hooks is _NO_HOOKS:
            self.pre_hooks = {}
        return self.pre_hooks.setdefault(index, {})

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the edges: (node, output index) per positional argument of forward.

        (None, 0) marks an argument that gets no gradient: a number such as `dim`, or a tensor
        that does not require grad.
        """
        return tuple((e.node, e.output_nr) if e is not None else (None, 0) for e in self.next_edges)

    def release_saved(self) -> None:
        self._saved = _FREED

    def __repr__(self) -> str:
        return f"<{self.name()}>"


def _edge_of(value: Variable) -> Edge:
    """Where a gradient for `value` must go: its producing node, or its leaf accumulator."""
    if value.grad_fn is not None:
        return Edge(value.grad_fn, value._output_nr)
    return Edge(value._grad_accumulator(), 0)


class Function:
    """Base class of differentiable operations; subclass it and call `YourFunction.apply(...)`.

    `forward(ctx, *args, **kwargs)` computes the outputs from the inputs (any non-tensor
    arguments are passed through). `backward(ctx, *grad_outputs)` receives one gradient per
    output and returns one gradient per positional input of forward, None where an input needs
    no gradient.

    `pytorch_name` names the node (`grad_fn`) as PyTorch names it, where that is not the class's
    name: the fused `Linear` is PyTorch's `Addmm`, so its outputs print `grad_fn=<AddmmBackward0>`.
    """

    pytorch_name: str | None = None

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must implement forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must implement backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward; record a Node on the outputs when a gradient will be needed."""
        enabled = grad_mode._grad_enabled
        recording = enabled and _any_requires_grad(args)
        node = Node(cls, args, recording)
        if recording:
            for stop in stop_before_forward:
                stop(node, args)
        grad_mode._grad_enabled = False  # forward itself is not recorded (a cheaper `with no_grad():`)
        try:
            outputs = cls.forward(node, *args, **kwargs)
        finally:
            grad_mode._grad_enabled = enabled
        if not recording:
            return outputs
        if isinstance(outputs, tuple):
            return tuple(_record_output(node, index, out, args) for index, out in enumerate(outputs))
        return _record_output(node, 0, outputs, args)


def _any_requires_grad(args: tuple) -> bool:
    for value in args:
        if isinstance(value, Variable) and value._requires_grad:
            return True
    return False


def _record_output(node: Node, index: int, out: Any, args: tuple) -> Any:
    """Make `node` the grad_fn of output `index` (a fresh alias if it is one of the inputs)."""
    if not isinstance(out, Variable):
        node.outputs += ((None, None),)
        return out
    for value in args:
        if out is value:  # an output that is an input becomes a new alias, so the input keeps its history
            out = out._alias()
            break
    node.outputs += ((type(out), out._metadata()),)
    if id(out) not in node._non_differentiable and out._is_differentiable():
        out._set_grad_fn(node, index)
    return out


class DelayedError(Function):
    """Pass values through, recording a node whose backward refuses: a derivative not available.

    forward:  outputs = values (the results of a once-differentiable backward)
    backward: raises RuntimeError naming `op`; `sources` (what the values depend on) link the
              node into the graph, so differentiating anything computed from the values reaches it.
    """

    @staticmethod
    def forward(ctx: Node, op: str, values: tuple, *sources: Any) -> tuple:
        ctx.op = op
        return values

    @staticmethod
    def backward(ctx: Node, *grads: Any) -> Any:
        raise RuntimeError(f"trying to differentiate twice a function that was marked with @once_differentiable "
                           f"({ctx.op})")


def once_differentiable(backward: Callable) -> Callable:
    """Decorate a Function's `backward` whose result cannot itself be differentiated (PyTorch's).

    The rule runs without recording. When the backward pass is being recorded (`create_graph=True`)
    and the gradients or saved tensors it used require grad, its results come out of a
    `DelayedError` node: a second derivative through them raises instead of silently being 0.

    >>> import teachgrad as tg
    >>> class Cube(tg.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     @tg.autograd.once_differentiable
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x ** 2 * g
    >>> x = tg.tensor([2.0], requires_grad=True)
    >>> (dx,) = tg.autograd.grad(Cube.apply(x), x, create_graph=True)
    >>> dx.backward()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    RuntimeError: trying to differentiate twice a function that was marked with @once_differentiable (CubeBackward...)
    """

    @functools.wraps(backward)
    def wrapper(ctx: Node, *grads: Any) -> Any:
        if not grad_mode._grad_enabled:  # an ordinary backward: nothing to guard
            return backward(ctx, *grads)
        grad_mode._grad_enabled = False
        try:
            results = backward(ctx, *grads)
        finally:
            grad_mode._grad_enabled = True
        sources = [v for v in (*grads, *ctx._saved) if isinstance(v, Variable) and v._requires_grad]
        if not sources:
            return results
        single = not isinstance(results, tuple)
        delayed = DelayedError.apply(ctx.name(), (results,) if single else results, *sources)
        return delayed[0] if single else delayed

    return wrapper
