"""`teachgrad eval`: the accuracy of a saved model (`train --out`'s model.npz) on the test split it was trained with."""

from __future__ import annotations

from pathlib import Path

import click

from teachgrad.cli.checkpoint import load_checkpoint
from teachgrad.cli.data import load_data
from teachgrad.cli.loop import predict
from teachgrad.cli.models import build_model
from teachgrad.utils.data import DataLoader


@click.command("eval")
@click.option("--checkpoint", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The model.npz that `teachgrad train --out` wrote.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the dataset's files are now, if not where training read them.")
def evaluate(checkpoint, data_dir):
    """Accuracy of the model in CHECKPOINT on the test split it was trained with (both rebuilt from its record)."""
    state, record = load_checkpoint(checkpoint)
    folder = data_dir or (Path(record["data_dir"]) if record["data_dir"] else None)
    data = load_data(record["dataset"], record["n"], record["seed"], folder)
    net = build_model(record["model"], data.input_shape, data.classes, record["hidden"], record["layers"])
    try:
        net.load_state_dict(state)
    except (RuntimeError, KeyError) as error:
        raise click.ClickException(f"{checkpoint}: its weights do not fit the {record['model']} model its record "
                                   f"describes: {error}") from None
    predicted, actual = predict(net, DataLoader(data.test, batch_size=256), "cpu")
    click.echo(f"test acc {float((predicted == actual).mean()):.4f} on {len(actual)} test samples of "
               f"{record['dataset']} ({record['model']} model)")
