"""The run directory: what ``nodenet run`` writes, read back, built beside its place and swapped in.

    summary.json    scenario, settings, status, steps, losses, timings, library versions
    network.json    the trained network
    history.npz     every link's weight (and dw and grad, if recorded) at every recorded step
    animation.gif, animation.mp4, player.html, frames.json, frames/   (as asked)
    loss.png, weights.png, and whatever the scenario's report adds

Examples
--------
>>> sorted(ANIMATIONS)
['gif', 'html', 'json', 'mp4', 'png']
"""

import json
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import FileAccessError, FileFormatError, SettingError
from .history import History

__all__ = ["RUN_FORMAT", "ANIMATIONS", "read_summary", "start", "swap", "Earlier", "loss_summary", "versions"]

RUN_FORMAT = "nodenet-run"
# export format -> the name it has in a run directory
ANIMATIONS = {"gif": "animation.gif", "mp4": "animation.mp4", "html": "player.html", "json": "frames.json",
              "png": "frames"}


def read_summary(run_dir):
    """The summary.json of the run directory ``run_dir``, checked to be one.

    Examples
    --------
    >>> read_summary("no/such/run")
    Traceback (most recent call last):
    ...
    nodenet.errors.FileAccessError: 'no/such/run' is not a run directory (it has no summary.json): give a directory that nodenet run wrote, e.g. runs/mazur
    """
    path = Path(run_dir) / "summary.json"
    if not path.is_file():
        raise FileAccessError(f"'{run_dir}' is not a run directory (it has no summary.json): "
                              "give a directory that nodenet run wrote, e.g. runs/mazur")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise FileFormatError(f"'{path}' is not valid JSON ({err}): run the scenario again") from None
    if not isinstance(summary, dict) or summary.get("format") != RUN_FORMAT:
        raise FileFormatError(f"'{path}' is not a nodenet run summary: run the scenario again")
    if summary.get("version") != 1:
        raise FileFormatError(f"'{path}' has version {summary.get('version')!r}; this nodenet reads version 1")
    _check_summary(summary, path)
    return summary


def _check_summary(summary, path):
    def number(value):
        return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
    checks = {
        "scenario": lambda v: isinstance(v, str), "status": lambda v: isinstance(v, str),
        "settings": lambda v: isinstance(v, dict),
        "steps": lambda v: isinstance(v, int) and v >= 0, "epochs": lambda v: isinstance(v, int) and v >= 0,
        "frames": lambda v: isinstance(v, int) and v >= 0,
        "loss": lambda v: isinstance(v, dict) and all(number(v.get(k)) for k in ("first", "last", "best")),
        "timings": lambda v: isinstance(v, dict) and all(number(x) and x is not None for x in v.values()),
        "files": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v) and "summary.json" in v,
    }
    for key, valid in checks.items():
        if not valid(summary.get(key)):
            raise FileFormatError(f"'{path}' has no valid {key!r}: it is damaged; run the scenario again")


def start(out):
    """Make the directory a run of ``out`` is built in, beside it; refuse an ``out`` that is not a run's."""
    out = out.resolve()                   # "." and "" have no name to build beside
    if out == Path.cwd() or out in Path.cwd().parents:
        raise FileAccessError(f"'{out}' holds the directory you are in, and a run replaces its directory "
                              "whole: choose another --out, e.g. runs/NAME")
    if out.exists() and not out.is_dir():
        raise FileAccessError(f"'{out}' is a file, not a run directory: choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / "summary.json").is_file():
        raise FileAccessError(f"'{out}' exists and is not a run directory: choose another --out, "
                              "or remove it")
    building = out.with_name(f".{out.name}.partial")
    shutil.rmtree(building, ignore_errors=True)
    try:
        building.mkdir(parents=True)
    except OSError as err:
        raise FileAccessError(f"cannot write the run directory '{out}': {err.strerror}; "
                              "choose another --out") from None
    return building


def swap(building, out):
    """Put the finished ``building`` in the place of ``out``, and remove what was there."""
    out = out.resolve()
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    building.rename(out)
    shutil.rmtree(old, ignore_errors=True)


@dataclass
class Earlier:
    """A run directory to resume: where it is and its summary."""

    path: Path
    summary: dict

    @classmethod
    def read(cls, path):
        return cls(Path(path), read_summary(path))

    @property
    def settings(self):
        return self.summary["settings"]

    @property
    def position(self):
        """Whole epochs done, and steps done of the next one."""
        stopped = self.summary.get("stopped") or {"epochs_done": self.summary.get("epochs"), "steps_in_epoch": 0}
        if not isinstance(stopped, dict):
            stopped = {}
        done, steps = stopped.get("epochs_done"), stopped.get("steps_in_epoch")
        if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in (done, steps)):
            raise FileFormatError(f"'{self.path / 'summary.json'}' does not say where the run stopped: "
                                  "it cannot be resumed; run the scenario again")
        return done, steps

    def network(self, scenario, inputs, targets):
        """The network as the run left it, with its history."""
        from .io import load as load_network
        if self.summary["scenario"] != scenario.name:
            raise SettingError(f"'{self.path}' is a run of scenario {self.summary['scenario']!r}, not "
                               f"{scenario.name!r}: resume it with its own scenario file")
        network = load_network(self.path / "network.json")
        history = History.load(self.path / "history.npz")
        if history.link_ids != list(network.link_ids):
            raise FileFormatError(f"'{self.path}': history.npz records other links than network.json: "
                                  "the run directory is inconsistent; run the scenario again")
        network.history = history
        network.check_samples(inputs, targets)
        return network

    def copy_animations(self, path, renamed):
        """Copy the earlier run's animations into ``path``; ``renamed``: name them by their steps.

        ``animation.gif`` of steps 1 to 7 becomes ``animation.steps-1-7.gif``, so that the
        resumed part's own animation can take its name. Files named so by an earlier resume
        are copied as they are.
        """
        steps = self.summary.get("frame_steps")
        for source in sorted(self.path.iterdir()):
            stem, dot, suffix = source.name.partition(".")
            if stem not in {name.partition(".")[0] for name in ANIMATIONS.values()}:
                continue
            named = source.name
            if renamed and ".steps-" not in named and _is_steps(steps):
                named = f"{stem}.steps-{steps[0]}-{steps[1]}{dot}{suffix}"
            copy = shutil.copytree if source.is_dir() else shutil.copy2
            copy(source, path / named)


def loss_summary(losses):
    """The first, last and best of a run's epoch losses, and the epoch of the best (from 1)."""
    if not len(losses):
        return {"first": None, "last": None, "best": None, "best_epoch": None}
    best = int(np.argmin(losses))
    return {"first": _float(losses[0]), "last": _float(losses[-1]), "best": _float(losses[best]),
            "best_epoch": best + 1}


def _is_steps(steps):
    return isinstance(steps, list) and len(steps) == 2 and all(type(x) is int for x in steps)


def _float(value):
    return float(value) if np.isfinite(value) else None


def versions():
    """The versions of nodenet, Python and the libraries it draws on."""
    from importlib.metadata import version

    from . import __version__
    import matplotlib
    import networkx
    import PIL
    return {"nodenet": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "networkx": networkx.__version__, "matplotlib": matplotlib.__version__, "pillow": PIL.__version__,
            "numba": version("numba")}
