"""`Parameter`: a tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

import numpy as np

from teachgrad import dtypes
from teachgrad.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and that a Module lists in `parameters()`.

    `Parameter(data)` shares data's storage, like PyTorch; assigning one as a Module attribute
    registers it. Operations on a Parameter give plain Tensors.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = Tensor._make(np.zeros(0, dtype=np.float32), (0,), None, 0, dtypes.float32)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter expects a Tensor as data, got {type(data).__name__}")
        data = data.detach()
        param = Tensor.__new__(cls)  # (not cls._make: it calls cls.__new__, which is this method)
        param._init(data._storage, data.shape, data._layout_strides, data._offset, data.dtype, data.device, data._version)
        param.requires_grad_(requires_grad)
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        """Everything happens in __new__ (Tensor.__init__ would make a new storage)."""

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        values = self.detach().clone()
        result = Parameter(values, self.requires_grad)
        if self.grad is not None:
            result.grad = self.grad.detach().clone()
        memo[id(self)] = result
        return result
