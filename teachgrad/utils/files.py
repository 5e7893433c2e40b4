"""Writing a file atomically: write a temporary file beside the target, then rename it over the target.

`os.replace` is atomic on one file system, so a write that fails or is interrupted half-way (a
full disk, Ctrl-C) leaves the previous file whole, never half of a new one.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Callable


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call `write(temporary_path)`, then move the finished file to `path`; on failure, remove it.

    The temporary file lies in the target's folder (so the rename stays on one file system) and
    gets the mode `open(path, "w")` would give: the existing file's, else 0o666 less the umask.
    """
    target = Path(os.path.realpath(path))  # through a symlink, as open() writes
    temporary = temporary_sibling(target)
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        if target.exists():
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        write(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Path(path)


def temporary_sibling(path: Path) -> Path:
    """An unused hidden name beside `path`: .NAME.RANDOM.SUFFIX (the suffix kept for writers that read it)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}{path.suffix}")
