"""The `teachgrad` command line (click): the group in app.py, one module per command."""

from teachgrad.cli import bench, datasets_command, eval_command, rules, train
from teachgrad.cli.app import main

for command in (train.train, bench.bench, rules.rules, rules.gradcheck, datasets_command.datasets, eval_command.evaluate):
    main.add_command(command)

__all__ = ["main"]
