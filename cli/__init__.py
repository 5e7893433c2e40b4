"""The `teachgrad` command line (click)."""

from teachgrad.cli.app import main

__all__ = ["main"]
