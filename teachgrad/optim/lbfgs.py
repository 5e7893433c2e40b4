"""`LBFGS`: limited-memory BFGS, a quasi-Newton method; each `step(closure)` runs up to max_iter iterations.

The parameters are treated as one flat vector x with gradient g (`_gather_flat_grad`). An
iteration picks a direction d from the last history_size pairs s = x_{k+1} - x_k,
y = g_{k+1} - g_k (the two-loop recursion in `_direction`), then a step length t: a fixed
t = lr, or one that satisfies the strong Wolfe conditions (`_strong_wolfe`, ported from
PyTorch, which ported it from Torch7's lswolfe.lua), and moves x = x + t * d.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from teachgrad import creation
from teachgrad.autograd.grad_mode import no_grad
from teachgrad.optim.optimizer import Optimizer, check_non_negative
from teachgrad.tensor import Tensor


def _cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                       bounds: tuple[float, float] | None = None) -> float:
    """The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clipped to `bounds`
    (default: between x1 and x2); the middle of the bounds when the cubic has no minimum:

        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);   d2 = sqrt(d1**2 - g1 * g2)
        x = x2 - (x2 - x1) * (g2 + d2 - d1) / (g2 - g1 + 2 * d2)      (for x1 <= x2; mirrored otherwise)
    """
    xmin_bound, xmax_bound = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (xmin_bound + xmax_bound) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, xmin_bound), xmax_bound)


class _Point:
    """A trial step length t on the line x + t * d, with the loss f, flat gradient g and slope gtd = g . d there."""

    def __init__(self, t: float, f: float, g: Tensor, gtd: float) -> None:
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(obj_func: Callable[[float], tuple[float, Tensor]], d: Tensor, start: _Point, t: float,
                  c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25) -> tuple[_Point, int]:
    """A step length along d satisfying the strong Wolfe conditions, found by bracketing then zooming:

        sufficient decrease (Armijo):  f(t) <= f(0) + c1 * t * gtd(0)
        curvature:                     |gtd(t)| <= -c2 * gtd(0)

    Return the best point found and the number of function evaluations.
    """
    def evaluate(step: float) -> _Point:
        f_new, g_new = obj_func(step)
        return _Point(step, f_new, g_new, g_new.dot(d).item())

    new = evaluate(t)
    ls_iter, prev, bracket = 0, start, [start, new]
    while ls_iter < max_ls:
        if new.f > start.f + c1 * new.t * start.gtd or (ls_iter > 1 and new.f >= prev.f):
            bracket = [prev, new]
            break
        if abs(new.gtd) <= -c2 * start.gtd:
            return new, ls_iter + 1
        if new.gtd >= 0:
            bracket = [prev, new]
            break
        # extrapolate: the next trial lies in [t + 0.01 * (t - t_prev), 10 * t]
        t = _cubic_interpolate(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd,
                               bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev, new = new, evaluate(t)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [start, new]
    best, zoom_evals = _zoom(evaluate, bracket, start, d, c1, c2, tolerance_change, max_ls - ls_iter)
    return best, ls_iter + 1 + zoom_evals


def _zoom(evaluate: Callable[[float], _Point], bracket: list[_Point], start: _Point, d: Tensor, c1: float, c2: float,
          tolerance_change: float, max_ls: int) -> tuple[_Point, int]:
    """Shrink a bracket [a, b] that holds a strong Wolfe point by cubic interpolation; return its low end
    (the lower loss) when the conditions hold, the bracket is too short, or max_ls evaluations are spent."""
    d_norm = d.abs().max().item()
    insuf_progress = False
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    evals = 0
    while evals < max_ls:
        a, b = bracket[0].t, bracket[1].t
        if abs(b - a) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(a, bracket[0].f, bracket[0].gtd, b, bracket[1].f, bracket[1].gtd)
        # keep the trial at least 10% of the bracket away from its ends, once progress has been slow
        eps = 0.1 * (max(a, b) - min(a, b))
        if min(max(a, b) - t, t - min(a, b)) < eps:
            if insuf_progress or t >= max(a, b) or t <= min(a, b):
                t = max(a, b) - eps if abs(t - max(a, b)) < abs(t - min(a, b)) else min(a, b) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        new = evaluate(t)
        evals += 1
        if new.f > start.f + c1 * t * start.gtd or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
            continue
        if abs(new.gtd) <= -c2 * start.gtd:
            bracket[low] = new
            break
        if new.gtd * (bracket[high].t - bracket[low].t) >= 0:
            bracket[high] = bracket[low]
        bracket[low] = new
    return bracket[low], evals


class LBFGS(Optimizer):
    """PyTorch's L-BFGS (after minFunc). One `step(closure)` runs, on the flat parameter vector x:

        g = gradient at x (closure() re-evaluates the loss and its gradients)
        repeat up to max_iter times:
            first iteration ever:  d = -g;  t = min(1, 1 / sum|g|) * lr
            later:                 s = t * d,  y = g - g_prev;  if y . s > 1e-10: remember (s, y), rho = 1 / (y . s)
                                   d = -H g    (two-loop recursion over the history, H0 = (y . s) / (y . y));  t = lr
            stop if g . d > -tolerance_change
            x = x + t * d          (t from the strong Wolfe line search with line_search_fn="strong_wolfe")
            stop after max_eval closure calls, when max|g| <= tolerance_grad, max|t * d| <= tolerance_change,
            or the loss changed by less than tolerance_change

    Only one parameter group. state (kept on the first parameter, as PyTorch does): "func_evals",
    "n_iter", "d", "t", "old_dirs" (the y's), "old_stps" (the s's), "ro", "H_diag", "prev_flat_grad",
    "prev_loss", "al" (scalars are Python floats).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        check_non_negative(lr=lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval, "tolerance_grad": tolerance_grad,
                    "tolerance_change": tolerance_change, "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _gather_flat_grad(self) -> Tensor:
        """All gradients as one vector (zeros for a parameter without gradient)."""
        return creation.cat([(p.grad if p.grad is not None else creation.zeros_like(p)).reshape(-1) for p in self._params])

    def _add_grad(self, step_size: float, update: Tensor) -> None:
        """x = x + step_size * update, the flat update cut back into the parameters' shapes."""
        offset = 0
        for p in self._params:
            numel = p.numel()
            p.add_(update[offset:offset + numel].view_as(p), alpha=step_size)
            offset += numel

    def _directional_evaluate(self, closure: Callable[[], Any], t: float, d: Tensor) -> tuple[float, Tensor]:
        """Loss and flat gradient at x + t * d; the parameters are put back to x afterwards."""
        x = [p.clone() for p in self._params]
        self._add_grad(t, d)
        loss = float(self._closure_loss(closure))
        flat_grad = self._gather_flat_grad()
        for p, saved in zip(self._params, x):
            p.copy_(saved)
        return loss, flat_grad

    def _direction(self, state: dict, flat_grad: Tensor, history_size: int) -> Tensor:
        """Update the (s, y) history with the last step and return d = -H g by the two-loop recursion."""
        y = flat_grad - state["prev_flat_grad"]
        s = state["d"] * state["t"]
        ys = y.dot(s).item()
        if ys > 1e-10:
            if len(state["old_dirs"]) == history_size:
                for name in ("old_dirs", "old_stps", "ro"):
                    state[name].pop(0)
            state["old_dirs"].append(y)
            state["old_stps"].append(s)
            state["ro"].append(1.0 / ys)
            state["H_diag"] = ys / y.dot(y).item()
        old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        al = state.setdefault("al", [None] * history_size)
        q = flat_grad.neg()
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q).item() * ro[i]
            q.add_(old_dirs[i], alpha=-al[i])
        r = q * state["H_diag"]
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r).item() * ro[i]
            r.add_(old_stps[i], alpha=al[i] - be_i)
        return r

    @no_grad()
    def step(self, closure: Callable[[], Any]) -> Any:
        """Run up to max_iter L-BFGS iterations; `closure` must clear the gradients, compute the loss,
        call backward() and return the loss. Return the loss before the first iteration."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = self._closure_loss(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if flat_grad.abs().max().item() <= tolerance_grad:
            return orig_loss
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = flat_grad.neg()
                state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1)
                t = min(1.0, 1.0 / flat_grad.abs().sum().item()) * lr
            else:
                d = self._direction(state, flat_grad, group["history_size"])
                t = lr
            state["d"], state["t"] = d, t
            state["prev_flat_grad"], state["prev_loss"], prev_loss = flat_grad.clone(), loss, loss
            gtd = flat_grad.dot(d).item()
            if gtd > -tolerance_change:
                break
            loss, flat_grad, t, ls_func_evals = self._move(closure, group, d, t, loss, flat_grad, gtd,
                                                           max_eval - current_evals, last=n_iter == max_iter)
            state["t"] = t
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if (n_iter == max_iter or current_evals >= max_eval or flat_grad.abs().max().item() <= tolerance_grad
                    or (d * t).abs().max().item() <= tolerance_change or abs(loss - prev_loss) < tolerance_change):
                break
        return orig_loss

    def _move(self, closure: Callable[[], Any], group: dict, d: Tensor, t: float, loss: float, flat_grad: Tensor,
              gtd: float, max_ls: int, last: bool) -> tuple[float, Tensor, float, int]:
        """x = x + t * d, with t from the line search if one is set; return the new loss, flat gradient,
        t and the number of closure calls (none after the last fixed step, as in PyTorch)."""
        line_search_fn = group["line_search_fn"]
        if line_search_fn is None:
            self._add_grad(t, d)
            if last:
                return loss, flat_grad, t, 0
            loss = float(self._closure_loss(closure))
            return loss, self._gather_flat_grad(), t, 1
        if line_search_fn != "strong_wolfe":
            raise RuntimeError("only 'strong_wolfe' is supported")
        best, evals = _strong_wolfe(lambda step: self._directional_evaluate(closure, step, d), d,
                                    _Point(0, loss, flat_grad, gtd), t, max_ls=max_ls)
        self._add_grad(best.t, d)
        return best.f, best.g, best.t, evals
