"""Output files of the commands: checked before the work starts, written atomically.

`write_atomically` (teachgrad.utils.files) writes a temporary file beside the target, then
renames it, and `replace_folder` does the same for a whole folder: an interrupted run leaves
the old output or the new one, never half of one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import click

from teachgrad.utils.files import temporary_sibling, write_atomically


def write_text_atomically(path: Path, text: str) -> Path:
    return write_atomically(path, lambda tmp: tmp.write_text(text))


def writable_output(ctx: click.Context, param: click.Parameter, path: Path | None) -> Path | None:
    """Click callback of every output option: refuse a path that cannot be written, before any work.

    The file (or, for a folder option, the folder) is made in `path.parent`, which must be a
    writable folder; a folder option first creates missing parents, as `mkdir -p` does.
    """
    if path is None:
        return None
    folder = path.parent
    if not param.type.file_okay:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise click.BadParameter(f"cannot write to {path}: {error.strerror or error}") from None
    if not folder.is_dir():
        raise click.BadParameter(f"cannot write to {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise click.BadParameter(f"cannot write to {path}: the folder {folder} is not writable")
    return path


def writable_chart(ctx: click.Context, param: click.Parameter, path: Path | None) -> Path | None:
    """Click callback of a chart file option: `writable_output`, and a name ending in .png or .svg (its format)."""
    if path is not None and path.suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter(f"{path} should end in .png or .svg: the extension names the file format")
    return writable_output(ctx, param, path)


def replace_folder(path: Path, fill: Callable[[Path], None]) -> Path:
    """Call `fill(temporary_folder)`, then swap the finished folder in at `path`, replacing any old one whole.

    The new folder is filled beside `path`; only when it is complete is the old folder renamed
    away, the new one renamed to `path`, and the old one removed. A run that fails or is
    interrupted while filling leaves the old folder as it was and no temporary folder behind.
    """
    path = Path(path)
    temporary = temporary_sibling(path)
    temporary.mkdir()  # (mode 0o777 less the umask, like any new folder)
    try:
        fill(temporary)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    old = temporary_sibling(path)
    if path.exists():
        os.replace(path, old)
    os.replace(temporary, path)
    shutil.rmtree(old, ignore_errors=True)
    return path
