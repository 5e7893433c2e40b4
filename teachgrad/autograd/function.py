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

from typing import Any, Callable

from teachgrad.autograd.grad_mode import _set_enabled, is_grad_enabled
from teachgrad.autograd.variable import Edge, Variable

_FREED = object()


class Node:
    """A recorded call of a Function: the `ctx` of forward/backward and the `grad_fn` of outputs.

    `next_edges[i]` says where the gradient for input i goes: the `Node` that produced that
    input (with the output index), an `AccumulateGrad` for a leaf, or None when input i needs
    no gradient.
    `input_metadata[i]` is what that gradient must match (input i's shape, dtype, device).
    """

    def __init__(self, function: type, args: tuple, recording: bool = True) -> None:
        self.function = function
        self.recording = recording
        if not recording:  # grad mode is off: forward runs, but nothing is kept for backward
            self.needs_input_grad = (False,) * len(args)
            self.next_edges = ()
            self.input_metadata = ()
        else:
            self.needs_input_grad = tuple(isinstance(a, Variable) and a.requires_grad for a in args)
            for value, needs in zip(args, self.needs_input_grad):
                if needs:
                    value._check_history()
            self.next_edges = tuple(_edge_of(a) if needs else None for a, needs in zip(args, self.needs_input_grad))
            self.input_metadata = tuple(a._metadata() if needs else None for a, needs in zip(args, self.needs_input_grad))
        self.output_zeros: list[Callable[[], Any]] = []
        self.output_shapes: list[tuple] = []
        self.pre_hooks: dict[int, list[Callable]] = {}
        self._saved: Any = ()
        self._saved_versions: tuple = ()
        self._non_differentiable: set[int] = set()

    # ctx API used inside forward/backward -------------------------------------------------
    def save_for_backward(self, *values: Any) -> None:
        """Keep values (usually input or output tensors) for backward, noting their versions."""
        if not self.recording:
            return
        self._saved = values
        self._saved_versions = tuple(v._version_value() if isinstance(v, Variable) else 0 for v in values)

    @property
    def saved_tensors(self) -> tuple:
        """The values given to `save_for_backward`; freed by backward unless `retain_graph`.

        Raises if a saved value was modified in place since it was saved: its old values,
        which backward needs, are gone.
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
        """Declare outputs (e.g. indices) that get no gradient and never require grad."""
        self._non_differentiable.update(id(o) for o in outputs)

    # graph API used by the engine -----------------------------------------------------------
    def name(self) -> str:
        # PyTorch names its built-in backward nodes MulBackward0 (numbered) and a user's MyFnBackward.
        suffix = "Backward0" if self.function.__module__.startswith("teachgrad.") else "Backward"
        return f"{self.function.__name__}{suffix}"

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the edges: (node, output index) per input, (None, 0) for no grad."""
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
    """

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must implement forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must implement backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward; record a Node on the outputs when a gradient will be needed."""
        previous = is_grad_enabled()
        node = Node(cls, args, recording=previous)
        recording = previous and any(node.needs_input_grad)
        _set_enabled(False)  # forward itself is not recorded (a cheaper `with no_grad():`)
        try:
            outputs = cls.forward(node, *args, **kwargs)
        finally:
            _set_enabled(previous)
        if not recording:
            return outputs
        as_tuple = outputs if isinstance(outputs, tuple) else (outputs,)
        as_tuple = tuple(_fresh_output(out, args) for out in as_tuple)
        for index, out in enumerate(as_tuple):
            node.output_zeros.append(out._zeros_maker() if isinstance(out, Variable) else None)
            node.output_shapes.append(tuple(getattr(out, "shape", ())))
            if isinstance(out, Variable) and id(out) not in node._non_differentiable and out._is_differentiable():
                out._set_grad_fn(node, index)
        return as_tuple if isinstance(outputs, tuple) else as_tuple[0]


def _fresh_output(out: Any, args: tuple) -> Any:
    """An output that is one of the inputs becomes a new alias, so the input keeps its history."""
    if isinstance(out, Variable) and any(out is a for a in args):
        return out._alias()
    return out
