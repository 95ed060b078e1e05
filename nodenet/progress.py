"""A progress bar on standard error for long work, such as exporting many frames.

On a terminal the bar redraws in place; elsewhere (logs, CI) only the closing line is
written. Short work (a few items) and ``quiet=True`` write nothing.

Examples
--------
>>> import io
>>> stream = io.StringIO()
>>> sum(progress(range(50), label="adding", stream=stream))
1225
>>> stream.getvalue().startswith("adding: 50/50 done in ")
True
"""

import sys
import time

__all__ = ["progress"]

BAR = 24
QUIET_BELOW = 10


def progress(items, *, label, quiet=False, stream=None, total=None):
    """Yield ``items``, showing how many of ``total`` (default: ``len(items)``) are done."""
    stream = stream or sys.stderr
    total = len(items) if total is None else total
    show = not quiet and total >= QUIET_BELOW
    live = show and stream.isatty()
    start = last = time.perf_counter()
    for done, item in enumerate(items, start=1):
        yield item
        now = time.perf_counter()
        if live and (now - last > 0.1 or done == total):
            filled = BAR * done // total
            stream.write(f"\r{label}: [{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}")
            stream.flush()
            last = now
    if show:
        stream.write(f"{chr(13) if live else ''}{label}: {total}/{total} done in "
                     f"{time.perf_counter() - start:.1f}s{' ' * BAR if live else ''}\n")
        stream.flush()
