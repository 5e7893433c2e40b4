"""The click group behind the `teachgrad` command; each subcommand lives in its own module."""

from __future__ import annotations

import click

import teachgrad


class Application(click.Group):
    """A click group that turns unexpected errors into one line (exit 1) unless --debug is given."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(f"{type(error).__name__}: {error} (run with --debug for the traceback)") from None


@click.group(cls=Application, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(teachgrad.__version__, prog_name="teachgrad")
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """teachgrad: train small models on the reference and fast paths, and see how they agree."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
