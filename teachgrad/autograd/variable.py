"""`Variable`: what a value needs to take part in autograd; `Scalar` and `Tensor` both are one.

A variable is a *leaf* when no recorded operation produced it (`grad_fn is None`). Gradients
reach a leaf through its `AccumulateGrad` node, which adds them into `.grad`.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple


class Edge(NamedTuple):
    """Where a gradient flows: into output `output_nr` of `node`."""

    node: Any
    output_nr: int


class RemovableHandle:
    """Returned by every `register_*hook`; `remove()` (or leaving a `with` block) unregisters the hook.

    The hook lives in an ordered dict under this handle's `id`, unique among all handles, so
    removing one registration of a function leaves its other registrations in place.
    """

    _next_id = 0

    def __init__(self, hooks_dict: dict[int, Callable]) -> None:
        self.hooks_dict = hooks_dict
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()


class AccumulateGrad:
    """The graph node of a leaf: runs the leaf's hooks, then adds the gradient into `.grad`."""

    def __init__(self, variable: "Variable") -> None:
        self.variable = variable
        self.hooks: dict[int, Callable] = {}
        self.next_edges: tuple = ()

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def accumulate(self, grad: Any) -> None:
        for hook in list(self.hooks.values()):
            replaced = hook(grad)
            if replaced is not None:
                grad = replaced
        self.variable._accumulate_grad(grad)

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


class Variable:
    """Autograd state shared by Scalar and Tensor: `grad`, `grad_fn`, `requires_grad`, `is_leaf`.

    Subclasses provide `_accumulate_grad`, `_zeros`, `_alias`, `_is_differentiable` and
    `backward`, the parts that depend on what the value is (a float or an array).
    """

    grad: Any = None
    grad_fn: Any = None
    _requires_grad: bool = False
    _output_nr: int = 0
    _accumulator: AccumulateGrad | None = None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.grad_fn is not None and not flag:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if flag and not self._is_differentiable():
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got {self._kind()}")
        self._requires_grad = bool(flag)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def _set_grad_fn(self, node: Any, output_nr: int) -> None:
        self.grad_fn, self._output_nr, self._requires_grad = node, output_nr, True

    def _grad_accumulator(self) -> AccumulateGrad:
        if self._accumulator is None:
            self._accumulator = AccumulateGrad(self)
        return self._accumulator

    def register_hook(self, hook: Callable[[Any], Any]) -> RemovableHandle:
        """Call `hook(grad)` when this value's gradient is computed; a returned value replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            hooks = self._grad_accumulator().hooks
        else:
            hooks = self.grad_fn.output_pre_hooks(self._output_nr)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def retain_grad(self) -> None:
        """Keep `.grad` for this non-leaf value too (leaves always keep it)."""
        if self.grad_fn is None or getattr(self, "_retains_grad", False):
            return
        self._retains_grad = True

        def store(grad: Any) -> None:
            self._accumulate_grad(grad)

        self.register_hook(store)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and getattr(self, "_retains_grad", False)

    def _kind(self) -> str:
        return type(self).__name__

    def _check_history(self) -> None:
        """Raise if this value's recorded history no longer matches its data (see Tensor)."""

    def _version_value(self) -> int:
        """How many times the data was modified in place (0 for values that cannot be)."""
        return 0

    def _metadata(self) -> tuple | None:
        """What a gradient for this value must match: (shape, dtype, device), or None to accept any."""
        return None
