"""`teachgrad datasets`: list the datasets; `teachgrad datasets show NAME --out FILE.png|svg` draws one."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from teachgrad.cli.data import DATASETS, IMAGES, TOY, load_data
from teachgrad.cli.files import writable_chart
from teachgrad.cli.plots import class_names, image_grid, scatter
from teachgrad.cli.report import save_figure

DESCRIPTIONS = {
    "digits": "handwritten-style digits 0-9 rendered with pillow (28x28, no download)",
    "mnist": "MNIST handwritten digits: IDX files from --data-dir, else downloaded into the cache",
    "fashion-mnist": "Fashion-MNIST clothing: IDX files from --data-dir, else downloaded into the cache",
    "imagefolder": "--data-dir/CLASS/*.png|jpg, as 28x28 grayscale",
}


@click.group(invoke_without_command=True)
@click.pass_context
def datasets(ctx):
    """List the datasets `teachgrad train` can use."""
    if ctx.invoked_subcommand is None:
        for name in TOY:
            click.echo(f"{name:<14} toy 2-D set, 2 classes")
        for name in IMAGES:
            click.echo(f"{name:<14} {DESCRIPTIONS[name]}")


@datasets.command()
@click.argument("name", type=click.Choice(DATASETS))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, callback=writable_chart,
              help="The file to write: FILE.png or FILE.svg.")
@click.option("--n", "n", type=click.IntRange(min=10), default=200, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path))
def show(name, out, n, seed, data_dir):
    """Draw a sample of NAME: a scatter plot for 2-D sets, an image grid for image sets."""
    data = load_data(name, n, seed, data_dir)
    names = class_names(data.train, data.classes)
    if data.kind == "points":
        figure = scatter(data.train.points, data.train.labels, names, f"{name}: {len(data.train)} training points")
    else:
        count = min(32, len(data.train))
        items = [data.train[i] for i in range(count)]
        figure = image_grid([np.asarray(x.numpy())[0] for x, _ in items], [names[int(y)] for _, y in items],
                            f"{name}: the first {count} of {len(data.train)} training images")
    save_figure(out, figure)
    click.echo(f"wrote {out}")
