"""`teachgrad datasets`: list the datasets; `teachgrad datasets show NAME --out FILE.png` draws one."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from teachgrad.cli.data import DATASETS, IMAGES, TOY, load_data
from teachgrad.cli.files import writable_output
from teachgrad.cli.plots import image_grid, scatter
from teachgrad.cli.report import save_image

DESCRIPTIONS = {
    "digits": "handwritten-style digits 0-9 rendered with pillow (28x28, no download)",
    "mnist": "MNIST IDX files from --data-dir",
    "fashion-mnist": "Fashion-MNIST IDX files from --data-dir",
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
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, callback=writable_output,
              help="The PNG file to write.")
@click.option("--n", "n", type=click.IntRange(min=10), default=200, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path))
def show(name, out, n, seed, data_dir):
    """Draw a sample of NAME: a scatter plot for 2-D sets, an image grid for image sets."""
    data = load_data(name, n, seed, data_dir)
    if data.kind == "points":
        image = scatter(data.train.points, data.train.labels)
    else:
        count = min(32, len(data.train))
        items = [data.train[i] for i in range(count)]
        image = image_grid([np.asarray(x.numpy())[0] for x, _ in items], [str(int(y)) for _, y in items])
    save_image(out, image)
    click.echo(f"wrote {out} ({image.width}x{image.height})")
