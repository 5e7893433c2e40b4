"""The click group behind the `teachgrad` command; each subcommand lives in its own module."""

import click

import teachgrad


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(teachgrad.__version__, prog_name="teachgrad")
def main() -> None:
    """teachgrad: train small models on the reference and fast paths, and see how they agree."""
