"""Autograd: the Function API, the backward engine, grad modes, gradcheck, trace and break_on."""

from teachgrad.autograd.engine import grad, run_backward, topological_order
from teachgrad.autograd.function import Function, Node, once_differentiable
from teachgrad.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from teachgrad.autograd import functional
from teachgrad.autograd.trace import trace
from teachgrad.autograd.breakpoints import break_on
from teachgrad.autograd.grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from teachgrad.autograd.variable import Variable

__all__ = [
    "Function", "Node", "grad", "once_differentiable", "gradgradcheck", "functional", "break_on", "Variable", "gradcheck", "GradcheckError", "trace", "run_backward", "topological_order",
    "no_grad", "enable_grad", "inference_mode", "set_grad_enabled", "is_grad_enabled",
]
