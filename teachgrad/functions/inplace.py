"""In-place operations and autograd: how `x.add_(y)` stays correct when x's old values are gone.

Three ideas, PyTorch's:

- **Versions.** A storage counts the in-place writes into it (`VersionCounter`, shared by a tensor
  and all its views). `save_for_backward` notes the count; if it has changed when backward reads
  the saved tensor, the values backward needs were overwritten, and backward raises instead of
  computing a wrong gradient.
- **Recording on a copy.** When autograd must record an in-place operation (`write`), it computes
  the new values from a clone of the old ones with ordinary Functions, writes them into the
  storage, and gives the tensor the result's history: x.add_(y) is recorded as x = x_old + y.
- **Views rewrite their base** (`record`, PyTorch's CopySlices): writing into a view changes the
  base tensor too, so the base's new history is "the old base with the view's region replaced"
  (`views.WriteIntoView`).
"""

from __future__ import annotations

from typing import Any, Callable

from teachgrad import dtypes
from teachgrad.autograd.grad_mode import is_grad_enabled, no_grad
from teachgrad.autograd.variable import Variable
from teachgrad.functions import elementwise as ew
from teachgrad.functions import views
from teachgrad.functions.dispatch import run_add_scaled, run_assign
from teachgrad.strides import broadcast_shapes, check_no_internal_overlap


class VersionCounter:
    """Counts in-place writes to a storage; shared by a tensor and all its views.

    `save_for_backward` remembers the count; if it changed before backward, the saved values
    are stale and backward raises instead of computing a wrong gradient.
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


def recording(target: Any, *others: Any) -> bool:
    """Whether an in-place op on `target` must be recorded for autograd; refuses leaves that require grad."""
    records = is_grad_enabled() and (target.requires_grad or any(isinstance(o, Variable) and o.requires_grad
                                                                 for o in others))
    if records and target.is_leaf and target.requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    return records


def record(target: Any, result: Any) -> Any:
    """Write a recorded result into target's storage and make its history target's history.

    On a view, the base is rewritten too: its new history is "the old base with the view's
    region replaced by result" (views.WriteIntoView, PyTorch's CopySlices).
    """
    base = target._base
    if base is not None:
        if base.is_leaf and base.requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
        new_base = views.WriteIntoView.apply(base, result, (target.shape, target.stride(), target.storage_offset()))
        with no_grad():
            run_assign(base, new_base)
        base._set_grad_fn(new_base.grad_fn, new_base._output_nr)
    else:
        with no_grad():
            run_assign(target, result)
    target._version.value += 1
    target._set_grad_fn(result.grad_fn, result._output_nr)
    if base is not None:
        base._history_version = target._version.value
    return target


def write(target: Any, compute: Callable[[Any], Any], *others: Any, replaces: bool = False,
          one_value: bool = False) -> Any:
    """Run `compute` and write its result into target's storage (every `x.op_(...)` ends here).

    When autograd records it, compute runs on a clone (so values saved for backward stay
    intact) and target takes the result's history. `replaces` marks results that ignore the old
    values (fill_, copy_): the old history then receives a zero gradient, as in PyTorch.
    Elements sharing memory (an expanded view) are refused, as in PyTorch, except by ops that
    write `one_value` (fill_, masked_fill_), which PyTorch allows there.
    """
    if not one_value:
        check_no_internal_overlap(target.shape, target.stride())
    if recording(target, *others):
        old = target.clone()
        result = castable(target, compute(old))
        if replaces:
            result = ew.Where.apply(old.new_ones(target.shape, dtype=dtypes.bool_), result, old)
        return record(target, result)
    with no_grad():
        run_assign(target, castable(target, compute(target)))
    target._version.value += 1
    return target


def add_scaled(target: Any, other: Any, alpha: float) -> Any:
    """target += alpha * other: one `add_scaled` kernel when autograd records nothing and both
    are float tensors of one dtype (an optimizer's update), else the general `write`."""
    if (isinstance(other, Variable) and other.dtype is target.dtype and target.dtype.is_floating_point
            and target.is_contiguous() and not recording(target, other)):
        shape = broadcast_shapes(target.shape, other.shape)
        if shape != target.shape:
            raise RuntimeError(f"output with shape {list(target.shape)} doesn't match the broadcast shape {list(shape)}")
        run_add_scaled(target, other, alpha)
        target._version.value += 1
        return target
    return write(target, lambda t: t.add(other, alpha), other)


def castable(target: Any, result: Any) -> Any:
    """Refuse to write a result of a higher dtype category into target (float into int64, ...)."""
    if result.dtype.category > target.dtype.category:
        raise RuntimeError(f"result type {result.dtype.scalar_type} can't be cast to the desired output type "
                           f"{target.dtype.scalar_type}")
    return result
