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
from teachgrad.cli.data import DATASETS, load_data
from teachgrad.cli.files import replace_folder, writable_output
from teachgrad.cli.loop import predict, run_path
from teachgrad.cli.models import MODELS, build_model
from teachgrad.cli.plots import confusion_matrix_image, decision_regions, line_chart
from teachgrad.cli.report import compare_paths, epoch_rows, print_epoch, save_image, summary_table, write_metrics
from teachgrad.utils.data import DataLoader

PATHS = ("reference", "numba", "cuda")


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


@click.command()
@click.option("--dataset", type=click.Choice(DATASETS), default="moons", show_default=True, help="What to train on.")
@click.option("--n", "n", type=click.IntRange(min=10), default=400, show_default=True, help="Training samples (toy sets, digits).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Folder of mnist/imagefolder files (digits: its cache).")
@click.option("--model", type=click.Choice(MODELS), default="mlp", show_default=True)
@click.option("--hidden", type=click.IntRange(min=1), default=64, show_default=True, help="Units per hidden layer (mlp).")
@click.option("--layers", type=click.IntRange(min=1), default=2, show_default=True, help="Hidden layers (mlp).")
@click.option("--epochs", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--lr", type=LearningRate(), default=0.1, show_default=True, help="Learning rate: finite, > 0 and <= 10.")
@click.option("--optimizer", type=click.Choice(["sgd", "adam"]), default="sgd", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="Where the fast path runs: with cuda, the numba path in --paths runs on the GPU instead.")
@click.option("--paths", default="reference,numba", show_default=True, callback=parse_paths,
              help="Comma-separated paths to train and cross-check: reference, numba, cuda.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), callback=writable_output,
              help="Write metrics, charts and the model here (replacing an earlier run there, once this one is complete).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def train(dataset, n, data_dir, model, hidden, layers, epochs, batch_size, lr, optimizer, seed, device, paths, out, quiet):
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
    for epoch in range(epochs):
        print_epoch(epoch, results, agreement)
    click.echo(summary_table(results, agreement))
    if out is not None:
        replace_folder(out, lambda folder: _write_outputs(folder, results, agreement, models[paths[-1]], data, test_loader))
        click.echo(f"wrote metrics.json, metrics.csv, loss.png, model.npz and more to {out}")
    if len(paths) > 1 and not agreement.agree:
        raise SystemExit(1)


def _write_outputs(out, results, agreement, model, data, test_loader) -> None:
    write_metrics(out, epoch_rows(results, agreement))
    save_image(out / "loss.png", line_chart({p: [r.loss for r in rs] for p, rs in results.items()}, "training loss"))
    model = model.to("cpu")
    if data.kind == "points":
        points, labels = data.train.points, data.train.labels
        with tg.no_grad():
            predict_grid = lambda grid: model(tg.from_numpy(grid)).argmax(1).numpy()
            save_image(out / "decision_boundary.png", decision_regions(predict_grid, points, labels))
    else:
        predicted, actual = predict(model, test_loader, "cpu")
        matrix = np.zeros((data.classes, data.classes), dtype=np.int64)
        np.add.at(matrix, (actual, predicted), 1)
        save_image(out / "confusion_matrix.png", confusion_matrix_image(matrix))
    tg.save(model.state_dict(), out / "model.npz")
