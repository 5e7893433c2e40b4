"""`teachgrad rules` (the math of each operation) and `teachgrad gradcheck` (check it numerically)."""

from __future__ import annotations

from dataclasses import replace

import click
import numpy as np

import teachgrad as tg
from teachgrad.autograd.breakpoints import closest_name, spelling_free, where
from teachgrad.autograd.engine import topological_order
from teachgrad.autograd.gradcheck import agree, analytical_jacobian, largest_errors, numerical_jacobian
from teachgrad.registry import OpInfo, Sample, all_ops
from teachgrad.registry.document import markdown, rule_text
from teachgrad.registry.samples import is_float_array, make_leaves, run

# PyTorch's module names whose spelling-free form is not the functional name.
MODULE_NAMES = {"crossentropyloss": "cross_entropy", "bceloss": "binary_cross_entropy",
                "bcewithlogitsloss": "binary_cross_entropy_with_logits", "batchnorm1d": "batch_norm",
                "batchnorm2d": "batch_norm", "mm": "matmul", "bmm": "matmul"}
EPS = 1e-6


def find_operation(name: str) -> OpInfo:
    """The operation called `name` in any of PyTorch's spellings (relu, ReLU, relu_, ReluBackward0, MSELoss)."""
    ops = all_ops()
    by_key = {spelling_free(op.name): op for op in reversed(ops)}
    by_function = {spelling_free(op.function.__name__): op for op in reversed(ops) if op.function is not None}
    key = spelling_free(name)
    found = by_key.get(MODULE_NAMES.get(key, key).replace("_", "")) or by_function.get(key)
    if found is None:
        hint = closest_name(name, [op.name for op in ops])
        raise click.BadParameter(f"no operation named {name!r}{hint}; `teachgrad rules` lists them all", param_hint="OP")
    return found


def _operations(name: str | None) -> list[OpInfo]:
    return all_ops() if name is None else [find_operation(name)]


def _small_sample(info: OpInfo) -> Sample:
    """The sample with the most tensor inputs, then the fewest elements (at least 2), laid out contiguously."""
    samples = [s for s in info.samples(np.random.default_rng(0)) if any(is_float_array(a) for a in s.args)]
    arrays = lambda s: [a for a in s.args if is_float_array(a)]
    size = lambda s: sum(a.size for a in arrays(s))
    best = min(samples, key=lambda s: (not s.gradcheck, -len(arrays(s)), size(s) < 2, size(s)))
    return replace(best, layout="contiguous")


def _show(label: str, value) -> str:
    array = np.asarray(value)
    text = np.array2string(array + 0.0 if array.dtype.kind == "f" else array, precision=4, prefix=" " * 24)
    return f"  {label:<22}{text}"


def _float_outputs(info: OpInfo, sample, leaves: list) -> list:
    return [o for o in run(info, sample, *leaves) if hasattr(o, "dtype") and o.dtype.is_floating_point]


def example(info: OpInfo) -> list[str]:
    """A live example: inputs, output, upstream gradient, backward's gradients and finite differences'."""
    sample = _small_sample(info)
    with tg.backend("reference"):
        leaves = make_leaves(sample, tg.float64, requires_grad=True)
        outs = _float_outputs(info, sample, leaves)
        rng = np.random.default_rng(1)
        upstream = [rng.choice([-1.5, -1.0, -0.5, 0.5, 1.0, 2.0], size=tuple(o.shape)) for o in outs]
        sum((o * tg.tensor(g)).sum() for o, g in zip(outs, upstream)).backward()
        inputs = [(i, x) for i, x in enumerate(leaves) if getattr(x, "requires_grad", False)]
        numeric = numerical_jacobian(lambda *xs: _float_outputs(info, sample, list(xs)), leaves, EPS)
    seed = np.concatenate([g.reshape(-1) for g in upstream])
    lines = [f"example ({sample.name or 'sample'}, float64, computed now):"]
    lines += [_show(f"input {i}", v.tolist() if hasattr(v, "tolist") else v) for i, v in enumerate(leaves)]
    for k, (out, g) in enumerate(zip(outs, upstream)):
        lines += [_show(f"output {k}", out.tolist()), _show(f"g (dL/d output {k})", g)]
    for (i, x), jacobian in zip(inputs, numeric):
        lines += [_show(f"dL/d input {i}", x.grad.tolist()) + "    (backward)",
                  _show("  by finite diff.", (seed @ jacobian).reshape(tuple(x.shape))) + f"    (central, eps={EPS:g})"]
    return lines


def locations(info: OpInfo) -> list[str]:
    """Where forward and backward are, for an editor or pdb's `break` (a composed op: its parts)."""
    if info.function is not None:
        functions = [info.function]
    else:
        sample = _small_sample(info)
        leaves = make_leaves(sample, tg.float64, requires_grad=True)
        roots = [o.grad_fn for o in _float_outputs(info, sample, leaves) if o.grad_fn is not None]
        order = [n for root in roots for n in topological_order(root) if hasattr(n, "function")]
        functions = list(dict.fromkeys(n.function for n in order))
        functions.reverse()
    width = max((len(fn.__name__) for fn in functions), default=0) + 11
    lines = [] if info.function is not None or not functions else ["composed of:"]
    for fn in functions:
        lines += [f"  {fn.__name__ + '.forward':<{width}}{where(fn.forward)}",
                  f"  {fn.__name__ + '.backward':<{width}}{where(fn.backward)}"]
    return lines


@click.command()
@click.argument("op", required=False)
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the docs/backward-rules.md document.")
def rules(op, as_markdown):
    """Show the forward formula and backward rule of OP (or of every operation).

    For one OP, also where its forward and backward are (file:line) and a small example computed
    now: the inputs, the output, an upstream gradient, backward's gradients and the same gradients
    by finite differences. OP may be spelled as in PyTorch: relu, ReLU, relu_, MSELoss.
    """
    if as_markdown:
        click.echo(markdown(), nl=False)
        return
    if op is None:
        click.echo("\n\n".join(rule_text(info) for info in all_ops()))
        return
    info = find_operation(op)
    lines = [rule_text(info), ""] + locations(info)
    if info.differentiable:
        lines += [""] + example(info)
    click.echo("\n".join(lines))


def check_sample(info: OpInfo, sample) -> tuple[list, list, list] | None:
    """(leaves requiring grad, numerical and analytical Jacobians) for one sample; None without such leaves."""
    leaves = make_leaves(sample, tg.float64, requires_grad=True)
    differentiable = [x for x in leaves if getattr(x, "requires_grad", False)]
    if not differentiable:
        return None
    fn = lambda *xs: run(info, sample, *xs)
    return differentiable, numerical_jacobian(fn, leaves, EPS), analytical_jacobian(fn, leaves)


def _worst_entries(numerical: np.ndarray, analytical: np.ndarray, count: int = 4) -> list[str]:
    difference = np.abs(analytical - numerical)
    order = np.argsort(difference, axis=None)[::-1][:count]
    return [f"      d out[{r}] / d in[{c}]: analytic {analytical[r, c]: .10g}  numeric {numerical[r, c]: .10g}"
            f"  |diff| {difference[r, c]:.2g}" for r, c in zip(*np.unravel_index(order, difference.shape))]


@click.command()
@click.argument("op", required=False)
@click.option("--backend", "backend_name", type=click.Choice(tg.available_backends()), default="reference", show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="Show analytic vs numeric Jacobian entries for each sample.")
def gradcheck(op, backend_name, verbose):
    """Compare backward with finite differences for OP (or every operation); print a table.

    The errors are the largest |analytic - numeric| and |analytic - numeric| / |numeric| (over
    entries with |numeric| > 1e-6) of any Jacobian entry; an entry passes within 1e-6 + 1e-4 |numeric|.
    """
    operations = _operations(op)
    failures = 0
    click.echo(f"{'operation':<16} {'samples':>7}  {'result':<6}  {'max abs err':>11}  {'max rel err':>11}")
    for info in (i for i in operations if i.differentiable):
        count, worst_abs, worst_rel, failed = 0, 0.0, 0.0, []
        with tg.backend(backend_name):
            for sample in info.samples(np.random.default_rng(1)):
                checked = check_sample(info, sample)
                if checked is None:
                    continue
                count += 1
                for index, (num, ana) in enumerate(zip(checked[1], checked[2])):
                    absolute, relative = largest_errors(num, ana)
                    worst_abs, worst_rel = max(worst_abs, absolute), max(worst_rel, relative)
                    if not agree(num, ana, atol=1e-6, rtol=1e-4):
                        failed.append(f"{sample.name or 'sample'} input {index}")
                    if verbose:
                        click.echo(f"  {info.name} {sample.name or sample.layout}, input {index} "
                                   f"(Jacobian {ana.shape[0]}x{ana.shape[1]}): max abs {absolute:.2g}, max rel {relative:.2g}; "
                                   f"the entries that differ most:")
                        click.echo("\n".join(_worst_entries(num, ana)))
        failures += bool(failed)
        result = f"FAILED ({', '.join(failed)})" if failed else "ok"
        click.echo(f"{info.name:<16} {count:>7}  {result:<6}  {worst_abs:>11.2g}  {worst_rel:>11.2g}")
    if failures:
        raise SystemExit(1)
