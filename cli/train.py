"""`teachgrad train`: train one model per path from the same start, and show how they agree.

Every path (reference, numba, cuda) starts from the same initial weights and sees the batches in
the same order, so their losses and parameters should match up to float rounding; the summary
says whether they do and how much faster each path is than the reference one.
"""

from __future__ import annotations

import math
from pathlib import Path

import click
import numpy as np

import teachgrad as tg
from teachgrad.cli.checkpoint import save_checkpoint
from teachgrad.cli.data import DATASETS, load_data
from teachgrad.cli.files import replace_folder, writable_output
from teachgrad.cli.loop import predict, run_path
from teachgrad.cli.models import MODELS, build_model, describe_model
from teachgrad.cli.plots import class_names, confusion_matrix, decision_boundary, learning_curves
from teachgrad.cli.recipes import recipes_help, use_recipe
from teachgrad.cli.report import compare_paths, epoch_rows, print_differences, save_figure, summary_table, write_metrics
from teachgrad.utils.data import DataLoader

PATHS = ("reference", "numba", "cuda")
PER_DATASET = "per dataset"


class LearningRate(click.FloatRange):
    """A learning rate: finite, > 0 and <= MAX_LR (a larger step only makes the loss overflow)."""

    MAX_LR = 10.0

    def __init__(self) -> None:
        super().__init__(min=0, max=self.MAX_LR, min_open=True)

    def convert(self, value, param, ctx) -> float:
        rate = super().convert(value, param, ctx)
        if math.isnan(rate):  # (NaN passes every range comparison)
            self.fail(f"{value!r} is not a number; the learning rate must be finite, > 0 and <= {self.MAX_LR:g}", param, ctx)
        return rate


def parse_paths(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:
    paths = [p.strip() for p in value.split(",") if p.strip()]
    unknown = [p for p in paths if p not in PATHS]
    if unknown or not paths:
        raise click.BadParameter(f"unknown path(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(PATHS)}")
    if len(set(paths)) != len(paths):
        raise click.BadParameter("a path is listed twice")
    return paths


@click.command(epilog=recipes_help())
@click.option("--dataset", type=click.Choice(DATASETS), default="moons", show_default=True, is_eager=True,
              callback=use_recipe, help="What to train on; it picks the defaults of the options below (see the end).")
@click.option("--n", "n", type=click.IntRange(min=10), show_default=PER_DATASET, help="Training samples (toy sets, digits).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of mnist/imagefolder files (digits: its cache). Without it, mnist and fashion-mnist "
                   "are downloaded into the cache ($TEACHGRAD_CACHE, else ~/.cache/teachgrad).")
@click.option("--model", type=click.Choice(MODELS), show_default=PER_DATASET)
@click.option("--hidden", type=click.IntRange(min=1), show_default=PER_DATASET, help="Units per hidden layer (mlp).")
@click.option("--layers", type=click.IntRange(min=1), show_default=PER_DATASET, help="Hidden layers (mlp).")
@click.option("--epochs", type=click.IntRange(min=1), show_default=PER_DATASET)
@click.option("--batch-size", type=click.IntRange(min=1), show_default=PER_DATASET)
@click.option("--lr", type=LearningRate(), show_default=PER_DATASET, help="Learning rate: finite, > 0 and <= 10.")
@click.option("--optimizer", type=click.Choice(["sgd", "adam"]), show_default=PER_DATASET)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="Where the fast path runs: with cuda, the numba path in --paths runs on the GPU instead.")
@click.option("--paths", show_default=PER_DATASET, callback=parse_paths,
              help="Comma-separated paths to train and cross-check: reference, numba, cuda.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), callback=writable_output,
              help="Write metrics, charts and the model here (replacing an earlier run there, once this one is complete).")
@click.option("--format", "chart_format", type=click.Choice(["png", "svg"]), default="png", show_default=True,
              help="The file format of the charts in --out.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def train(dataset, n, data_dir, model, hidden, layers, epochs, batch_size, lr, optimizer, seed, device, paths, out,
          chart_format, quiet):
    """Train a model on each path from the same start and report agreement and speed."""
    if device == "cuda":
        paths = list(dict.fromkeys("cuda" if p == "numba" else p for p in paths))
    if "cuda" in paths and not tg.cuda.is_available():
        raise click.ClickException(str(tg.cuda.unavailable_error()))
    data = load_data(dataset, n, seed, data_dir)
    if data.kind == "images" and "reference" in paths:
        click.echo("note: the reference path runs pure-Python kernels and is slow on images (seconds per batch); "
                   "--paths numba trains the fast path alone", err=True)
    tg.manual_seed(seed)
    initial = build_model(model, data.input_shape, data.classes, hidden, layers).state_dict()
    test_loader = DataLoader(data.test, batch_size=256)
    results, models = {}, {}
    for path in paths:
        net = build_model(model, data.input_shape, data.classes, hidden, layers)
        net.load_state_dict(initial)
        train_loader = DataLoader(data.train, batch_size=batch_size, shuffle=True, generator=tg.Generator().manual_seed(seed))
        results[path] = run_path(path, net, train_loader, test_loader, optimizer, lr, epochs, quiet)
        models[path] = net
    agreement = compare_paths(results)
    if len(paths) > 1:
        print_differences(agreement)
    click.echo(summary_table(results, agreement))
    if out is not None:
        trained_with = {"dataset": dataset, "n": n, "seed": seed, "data_dir": str(data_dir.resolve()) if data_dir else None,
                        "model": model, "hidden": hidden, "layers": layers, "epochs": epochs, "batch_size": batch_size,
                        "lr": lr, "optimizer": optimizer}
        title = f"{dataset}: {describe_model(model, hidden, layers)}, {optimizer} lr={lr:g}, batch {batch_size}"
        replace_folder(out, lambda folder: _write_outputs(folder, results, agreement, models[paths[-1]], data, test_loader,
                                                          trained_with, title, chart_format))
        click.echo(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} to {out}")
    if len(paths) > 1 and not agreement.agree:
        raise SystemExit(1)


def _write_outputs(out, results, agreement, model, data, test_loader, trained_with, title, chart_format) -> None:
    write_metrics(out, epoch_rows(results, agreement))
    save_figure(out / f"learning_curves.{chart_format}", learning_curves(results, title))
    model = model.to("cpu").eval()
    names = class_names(data.train, data.classes)
    accuracy = f"test acc {list(results.values())[-1][-1].accuracy:.3f}"  # (of the saved model: the last path's)
    if data.kind == "points":
        with tg.no_grad():
            scores = lambda grid: model(tg.from_numpy(grid)).numpy()
            figure = decision_boundary(scores, data.train.points, data.train.labels, names, f"{title}\n{accuracy}")
        save_figure(out / f"decision_boundary.{chart_format}", figure)
    else:
        predicted, actual = predict(model, test_loader, "cpu")
        matrix = np.zeros((data.classes, data.classes), dtype=np.int64)
        np.add.at(matrix, (actual, predicted), 1)
        save_figure(out / f"confusion_matrix.{chart_format}", confusion_matrix(matrix, names, f"{title}\n{accuracy}"))
    save_checkpoint(out / "model.npz", model, trained_with)
