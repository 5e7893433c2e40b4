"""`teachgrad rules` (the math of each operation) and `teachgrad gradcheck` (check it numerically)."""

from __future__ import annotations

import click
import numpy as np

import teachgrad as tg
from teachgrad.autograd import GradcheckError, gradcheck as check_gradients
from teachgrad.registry import all_ops, get
from teachgrad.registry.document import markdown, rule_text
from teachgrad.registry.samples import make_leaves, run


def _operation(name: str | None) -> list:
    if name is None:
        return all_ops()
    try:
        return [get(name)]
    except KeyError:
        names = ", ".join(op.name for op in all_ops())
        raise click.BadParameter(f"no operation named {name!r}; choose from: {names}", param_hint="OP") from None


@click.command()
@click.argument("op", required=False)
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the docs/backward-rules.md document.")
def rules(op, as_markdown):
    """Show the forward formula and backward rule of OP (or of every operation)."""
    if as_markdown:
        click.echo(markdown(), nl=False)
        return
    click.echo("\n\n".join(rule_text(info) for info in _operation(op)))


@click.command()
@click.argument("op", required=False)
@click.option("--backend", "backend_name", type=click.Choice(tg.available_backends()), default="reference", show_default=True)
def gradcheck(op, backend_name):
    """Compare backward with finite differences for OP (or every operation); print a table."""
    failures = 0
    click.echo(f"{'operation':<16} {'samples':>7}  result")
    for info in _operation(op):
        if not info.differentiable:
            continue
        status, count = "ok", 0
        with tg.backend(backend_name):
            for sample in info.samples(np.random.default_rng(1)):
                leaves = make_leaves(sample, tg.float64, requires_grad=True)
                if not any(getattr(x, "requires_grad", False) for x in leaves):
                    continue
                count += 1
                try:
                    check_gradients(lambda *xs: run(info, sample, *xs), leaves, eps=1e-6, atol=1e-6, rtol=1e-4)
                except GradcheckError as error:
                    status = f"FAILED ({sample.name or 'sample'}): {str(error).splitlines()[0]}"
                    failures += 1
                    break
        click.echo(f"{info.name:<16} {count:>7}  {status}")
    if failures:
        raise SystemExit(1)
