"""`teachgrad eval`: the accuracy of a saved model (`train --out`'s model.npz) on a dataset."""

from __future__ import annotations

from pathlib import Path

import click

import teachgrad as tg
from teachgrad.cli.data import DATASETS, load_data
from teachgrad.cli.loop import predict
from teachgrad.cli.models import MODELS, build_model
from teachgrad.utils.data import DataLoader


@click.command("eval")
@click.option("--checkpoint", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--dataset", type=click.Choice(DATASETS), default="moons", show_default=True)
@click.option("--n", "n", type=click.IntRange(min=10), default=200, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--model", type=click.Choice(MODELS), default="mlp", show_default=True)
@click.option("--hidden", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--layers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def evaluate(checkpoint, dataset, n, data_dir, model, hidden, layers, seed):
    """Accuracy of the model saved in CHECKPOINT on the dataset's test split."""
    data = load_data(dataset, n, seed, data_dir)
    net = build_model(model, data.input_shape, data.classes, hidden, layers)
    state = tg.load(checkpoint)
    try:
        net.load_state_dict(state)
    except (RuntimeError, KeyError) as error:
        raise click.ClickException(f"{checkpoint} does not match a {model} model for {dataset}: {error}") from None
    predicted, actual = predict(net, DataLoader(data.test, batch_size=256), "cpu")
    click.echo(f"accuracy {float((predicted == actual).mean()):.4f} on {len(actual)} test samples of {dataset}")
