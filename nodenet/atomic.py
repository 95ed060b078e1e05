"""Atomic file writes: a temporary file beside the target, then a rename.

A reader never sees a half-written file: either the old file or the complete new one.

Examples
--------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> with atomic_write(path) as f:
...     _ = f.write("complete")
>>> path.read_text()
'complete'
"""

import contextlib
import os

from .checks import as_path
from .errors import FileAccessError

__all__ = ["atomic_write", "file_name"]


def file_name(path):
    """``path`` as a Path; raise FileAccessError if it names a directory, not a file.

    Examples
    --------
    >>> file_name("out/loss.png").name
    'loss.png'
    >>> file_name(".")
    Traceback (most recent call last):
    ...
    nodenet.errors.FileAccessError: cannot write '.': it is a directory, not a file name; give a file name
    """
    path = as_path(path)
    if not path.name or path.is_dir():
        raise FileAccessError(f"cannot write '{path}': it is a directory, not a file name; give a file name")
    return path


@contextlib.contextmanager
def atomic_write(path, mode="w"):
    """Open a temporary file for writing; on success rename it to ``path``.

    ``mode`` is ``"w"`` (text, UTF-8) or ``"wb"``. If the block raises, the temporary
    file is removed and ``path`` is left as it was.

    Examples
    --------
    >>> with atomic_write("/nonexistent-dir/x.json") as f:
    ...     pass
    Traceback (most recent call last):
    ...
    nodenet.errors.FileAccessError: cannot write '/nonexistent-dir/x.json': its directory does not exist; create it first or choose another path
    """
    path = file_name(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        handle = open(temporary, mode, **({} if "b" in mode else {"encoding": "utf-8"}))
    except FileNotFoundError:
        raise FileAccessError(f"cannot write '{path}': its directory does not exist; "
                              "create it first or choose another path") from None
    except OSError as err:
        raise FileAccessError(f"cannot write '{path}': {err.strerror}; choose another path") from err
    try:
        with handle:
            yield handle
        try:
            os.replace(temporary, path)
        except OSError as err:
            raise FileAccessError(f"cannot write '{path}': {err.strerror}; choose another path") from err
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
