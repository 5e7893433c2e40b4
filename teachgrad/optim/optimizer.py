"""`Optimizer`: parameter groups, per-parameter state, `zero_grad`, `step`, and state dicts (PyTorch's structure).

    optimizer.param_groups   [{"params": [p, ...], "lr": ..., other hyper-parameters}, ...]
    optimizer.state          {parameter: {"momentum_buffer": ..., "step": ..., ...}}

A subclass implements `step()`: for every group, for every parameter with a gradient, update the
parameter's values in place under `no_grad`, keeping whatever it needs across steps in
`self.state[p]`.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from teachgrad import creation
from teachgrad.autograd.grad_mode import enable_grad
from teachgrad.dtypes import float32
from teachgrad.tensor import Tensor


class _RequiredParameter:
    """Marks a hyper-parameter without a default (it must be given)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def check_non_negative(**values: Any) -> None:
    """PyTorch's ValueError for a negative hyper-parameter, checked in the order given."""
    labels = {"lr": "learning rate", "eps": "epsilon value"}
    for name, value in values.items():
        if value < 0.0:
            raise ValueError(f"Invalid {labels.get(name, name + ' value')}: {value}")


def check_betas(betas: tuple) -> None:
    """PyTorch's ValueError unless 0 <= beta < 1 for both betas of an Adam-family optimizer."""
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")


class Optimizer:
    """Base class of optimizers: `params` is an iterable of tensors or of dicts (parameter groups)."""

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones take the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized parameters: to None (default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = p.grad.detach()
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    @staticmethod
    def _gradients(group: dict) -> Iterator[tuple[Any, Any]]:
        """(parameter, gradient) for each parameter of the group that has a gradient; with
        `maximize` the gradient is negated, so every update rule can descend."""
        for p in group["params"]:
            if p.grad is not None:
                yield p, (-p.grad if group["maximize"] else p.grad)

    @staticmethod
    def _decayed(p: Tensor, grad: Tensor, group: dict) -> Tensor:
        """Apply the group's weight decay (when weight_decay != 0) and return the gradient to use:

            decoupled_weight_decay:   p = p * (1 - lr * weight_decay)     (AdamW's; g unchanged)
            otherwise (L2 penalty):   g = g + weight_decay * p
        """
        weight_decay = group["weight_decay"]
        if weight_decay == 0:
            return grad
        if group.get("decoupled_weight_decay", False):
            p.mul_(1 - group["lr"] * weight_decay)
            return grad
        return grad.add(p, alpha=weight_decay)

    def _advance_state(self, p: Tensor, *buffers: str, **scalars: float) -> tuple[dict, float]:
        """Count a step of p: return state[p], its "step" counter advanced, and the new step number t = 1, 2, ...

        On p's first step the state is made as PyTorch makes it: "step" = 0, then each scalar (both
        float32 0-dim tensors), then a zero tensor like p for each buffer name.
        """
        state = self.state[p]
        if not state:
            state["step"] = creation.tensor(0.0, dtype=float32)
            for name, value in scalars.items():
                state[name] = creation.tensor(value, dtype=float32)
            for name in buffers:
                state[name] = creation.zeros_like(p)
        state["step"].add_(1)
        return state, state["step"].item()

    def _closure_loss(self, closure: Callable[[], Any] | None) -> Any:
        """Re-evaluate the model (with gradients) when a closure is given, as PyTorch does."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # state dicts ----------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{"state": {index: state}, "param_groups": [{..., "params": [index, ...]}]}.

        Parameters are numbered in the order the groups list them, so the dict holds no tensors
        that are parameters, only their state.
        """
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": [index_of[id(p)] for p in group["params"]]})
        state = {index_of[id(p)]: s for p, s in self.state.items() if id(p) in index_of}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by `state_dict` (for the same parameters, in the same order)."""
        state_dict = copy.deepcopy(state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        param_of = {index: p for group, saved in zip(self.param_groups, saved_groups) for index, p in zip(saved["params"], group["params"])}
        self.state = defaultdict(dict)
        for index, values in state_dict["state"].items():
            index = int(index)
            if index not in param_of:
                continue
            param = param_of[index]
            self.state[param] = {key: self._cast_state(param, key, value) for key, value in values.items()}
        self.param_groups = [dict(saved, params=group["params"]) for group, saved in zip(self.param_groups, saved_groups)]

    @staticmethod
    def _cast_state(param: Tensor, key: str, value: Any) -> Any:
        """State tensors take the parameter's dtype, except the step counter."""
        if isinstance(value, Tensor) and key != "step" and value.is_floating_point():
            return value.to(param.dtype)
        return value

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
