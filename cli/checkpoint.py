"""The checkpoint `teachgrad train --out` writes (model.npz): the weights and how they were trained.

It is a `teachgrad.save` file holding a dict, like a PyTorch training checkpoint:

    {"model_state_dict": model.state_dict(),
     "trained_with": {"dataset": "moons", "n": 400, "seed": 0, "data_dir": None, "model": "mlp",
                      "hidden": 64, "layers": 2, "epochs": 10, "batch_size": 32, "lr": 0.1, "optimizer": "sgd"}}

The test split depends only on dataset, n, seed and data_dir, so `teachgrad eval` rebuilds the
model and the same test split from the record. `teachgrad.load` reads it as plain data.
"""

from __future__ import annotations

from pathlib import Path

import click

import teachgrad as tg
import teachgrad.nn as nn
from teachgrad.cli.data import DATASETS
from teachgrad.cli.models import MODELS

# The entries of "trained_with" that rebuild the model and the test split, and their types.
RECORD_TYPES = {"dataset": (str,), "n": (int,), "seed": (int,), "data_dir": (str, type(None)), "model": (str,),
                "hidden": (int,), "layers": (int,)}


def save_checkpoint(path: Path, model: nn.Module, trained_with: dict) -> None:
    tg.save({"model_state_dict": model.state_dict(), "trained_with": trained_with}, path)


def load_checkpoint(path: Path) -> tuple[dict, dict]:
    """The state dict and the training record of a checkpoint; a clear error when it is not one."""
    saved = tg.load(path)
    record = saved.get("trained_with") if isinstance(saved, dict) else None
    if not isinstance(record, dict) or not isinstance(saved.get("model_state_dict"), dict):
        raise click.ClickException(f"{path} is not a checkpoint written by `teachgrad train --out`: it holds no "
                                   "model_state_dict with a trained_with record")
    wrong = [key for key, types in RECORD_TYPES.items() if type(record.get(key)) not in types]
    if wrong or record["dataset"] not in DATASETS or record["model"] not in MODELS:
        given = ", ".join(f"{key}={record.get(key)!r}" for key in RECORD_TYPES)
        raise click.ClickException(f"{path} has a damaged training record: {given}")
    return saved["model_state_dict"], record
