"""Scenarios: a network, its data, its training settings and what to trace, run into a directory.

A scenario file is a plain Python script whose docstring says what it shows and which
defines ``scenario = nn.Scenario(...)``. ``nodenet run FILE`` (or ``python FILE``, when
the file ends in ``scenario.main()``) trains it and writes its run directory:

    summary.json    scenario, settings, steps, losses, timings, library versions
    network.json    the trained network
    history.npz     every link's weight, dw and grad at every step
    animation.gif, animation.mp4, player.html, frames.json, frames/   (as asked)
    loss.png, weights.png, and whatever the scenario's ``report`` adds

The directory is built beside its final place and swapped in whole when complete, so a
reader never sees a half-written run.

Examples
--------
>>> import pathlib, tempfile, nodenet as nn
>>> scenario = nn.Scenario(lambda seed: nn.layered([2, 1], seed=seed), ([[0, 1], [1, 0]], [[1], [0]]),
...                        name="tiny", epochs=3, lr=0.5, formats=())
>>> run = scenario.run(pathlib.Path(tempfile.mkdtemp()) / "tiny", quiet=True)
>>> run.steps, sorted(p.name for p in run.path.iterdir())
(6, ['history.npz', 'loss.png', 'network.json', 'summary.json', 'weights.png'])
"""

import ast
import json
import platform
import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from .atomic import atomic_write
from .checks import check_choice, check_count, check_flag, check_fps, check_rates, check_seed
from .errors import FileAccessError, FileFormatError, NodenetError, SettingError
from .network import Network
from .progress import progress
from .tracer import DETAILS, Tracer
from .training import check_order

__all__ = ["Scenario", "Run", "load", "describe", "read_summary", "ANIMATIONS", "RUN_FORMAT"]

RUN_FORMAT = "nodenet-run"
# export format -> the name it has in a run directory
ANIMATIONS = {"gif": "animation.gif", "mp4": "animation.mp4", "html": "player.html", "json": "frames.json",
              "png": "frames"}
SETTINGS = ("epochs", "lr", "momentum", "batch_size", "shuffle", "order", "seed", "detail", "every",
            "trace_epochs", "formats", "fps")
PROGRESS_CHUNKS = 200     # training is cut into at most this many calls, for the progress bar


@dataclass
class Scenario:
    """A network, its data, training settings and what to trace.

    Parameters
    ----------
    network : callable
        ``network(seed) -> Network``: builds the untrained network.
    data : (inputs, targets) or callable
        The samples, or ``data(seed) -> (inputs, targets)``.
    name : str, optional
        Names the run directory (``runs/<name>``); by default the file's name.
    epochs, lr, momentum, batch_size, shuffle, order, seed
        Training settings, as in :meth:`Network.train`.
    detail, every : str, int
        Frames at this detail (``op``, ``phase``, ``step``, ``epoch``), every ``every``-th
        step or epoch.
    trace_epochs : int, optional
        Trace only the first this many epochs; the rest train with history but no frames.
    formats : tuple of str
        Animations to write: any of ``gif``, ``mp4``, ``html``, ``json``, ``png``.
    fps : float
        Frames per second of the animations.
    boundary : bool
        Draw the network's output over the plane of its two inputs beside each frame.
    report : callable, optional
        ``report(run)`` runs after training: it may write more files with
        ``run.file(name)`` and returns lines to print (or None).

    Examples
    --------
    >>> import nodenet as nn
    >>> scenario = nn.Scenario(lambda seed: nn.layered([1, 1], seed=seed), ([[1]], [[0]]), epochs=5)
    >>> scenario.settings(epochs=2)["epochs"], scenario.settings()["lr"]
    (2, 0.1)
    """

    network: Callable
    data: object
    name: str = None
    epochs: int = 1
    lr: float = 0.1
    momentum: float = 0.0
    batch_size: int = 1
    shuffle: bool = True
    order: str = "phased"
    seed: int = 0
    detail: str = "epoch"
    every: int = 1
    trace_epochs: int = None
    formats: tuple = ("gif", "html")
    fps: float = 4.0
    boundary: bool = False
    report: Callable = None
    description: str = field(default="", repr=False)
    file: str = field(default=None, repr=False)

    def settings(self, **overrides):
        """The training settings with ``overrides`` applied (None means keep), checked."""
        unknown = sorted(set(overrides) - set(SETTINGS))
        if unknown:
            raise SettingError(f"unknown setting {unknown[0]!r}: choose from {', '.join(SETTINGS)}")
        settings = {name: getattr(self, name) for name in SETTINGS}
        settings.update({name: value for name, value in overrides.items() if value is not None})
        return _checked(settings)

    def build(self, seed):
        """The untrained network and the samples, for ``seed``."""
        network = _call(self, "network", self.network, seed)
        if not isinstance(network, Network):
            raise SettingError(f"scenario {self.name!r}: network(seed) must return a Network, "
                               f"got {type(network).__name__}")
        data = _call(self, "data", self.data, seed) if callable(self.data) else self.data
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise SettingError(f"scenario {self.name!r}: data must be (inputs, targets), got {type(data).__name__}")
        inputs, targets = network.check_samples(*data)
        return network, inputs, targets

    def run(self, out=None, *, quiet=False, **overrides):
        """Train with the settings and ``overrides``; write the run directory ``out``; return the :class:`Run`.

        ``out`` defaults to ``runs/<name>``. An existing run directory there is replaced
        once the new one is complete; any other existing directory is refused.
        """
        settings = self.settings(**overrides)
        out = Path(out) if out is not None else Path("runs") / self.name
        building = _start_directory(out)
        try:
            run = self._train(settings, building, quiet)
            self._write(run, quiet)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        _swap(building, out)
        run.path = out
        return run

    def main(self, argv=None):
        """Run as ``nodenet run`` does, on the file that called this; exits with its exit code."""
        from .cli import main                 # the command line is imported only here
        file = self.file or getattr(sys.modules["__main__"], "__file__", None)
        sys.exit(main(["run", str(file), *(sys.argv[1:] if argv is None else argv)]))

    def _train(self, settings, path, quiet):
        network, inputs, targets = self.build(settings["seed"])
        if self.boundary:
            from .boundary import Boundary
            Boundary.of(network, inputs, targets)         # refuse a wrong network before training
        tracer = Tracer(network, detail=settings["detail"], every=settings["every"])
        traced = min(settings["trace_epochs"] or settings["epochs"], settings["epochs"])
        options = {key: settings[key] for key in ("lr", "momentum", "batch_size", "shuffle", "order")}
        losses = []
        started = time.perf_counter()
        for first, count in progress(_chunks(traced, settings["epochs"]), label=f"training {self.name}",
                                     quiet=quiet):
            losses.extend(network.train(inputs, targets, epochs=count, tracer=tracer if first < traced else None,
                                        **options))
        timings = {"train_s": round(time.perf_counter() - started, 3)}
        return Run(self, settings, path, network, inputs, targets, tracer, np.array(losses), timings)

    def _write(self, run, quiet):
        started = time.perf_counter()
        network, settings = run.network, run.settings
        network.save(run.file("network.json"))
        network.history.save(run.file("history.npz"))
        from . import plots                   # drawing is imported only when writing pictures
        plots.loss(network.history, run.file("loss.png"))
        plots.weights(network.history, run.file("weights.png"))
        boundary = (run.inputs, run.targets) if self.boundary else None
        for fmt in settings["formats"]:
            name = ANIMATIONS[fmt] + ("/" if fmt == "png" else "")
            run.tracer.export(run.file(name), format=fmt, fps=settings["fps"], quiet=quiet,
                              **({} if fmt == "json" else {"boundary": boundary}))
        run.printed = list(_call(self, "report", self.report, run) or []) if self.report else []
        run.timings["write_s"] = round(time.perf_counter() - started, 3)
        with atomic_write(run.file("summary.json")) as handle:
            json.dump(run.summary(), handle, indent=1)


@dataclass
class Run:
    """A finished run: its scenario, settings, trained network, tracer, losses and directory."""

    scenario: Scenario
    settings: dict
    path: Path
    network: Network
    inputs: np.ndarray
    targets: np.ndarray
    tracer: Tracer
    losses: np.ndarray      # the mean loss of each epoch
    timings: dict
    printed: list = field(default_factory=list)

    @property
    def history(self):
        """The trained network's per-link history."""
        return self.network.history

    @property
    def steps(self):
        """Training steps taken."""
        return self.network.history.step_count

    def file(self, name):
        """The path of ``name`` in this run's directory, for a report to write."""
        return self.path / name

    def summary(self):
        """The contents of summary.json."""
        settings = dict(self.settings, formats=list(self.settings["formats"]))
        return {
            "format": RUN_FORMAT, "version": 1, "status": "complete",
            "scenario": self.scenario.name, "description": self.scenario.description,
            "file": self.scenario.file, "settings": settings,
            "steps": self.steps, "epochs": len(self.losses), "frames": len(self.tracer.frames),
            "loss": {"first": _float(self.losses[0]), "last": _float(self.losses[-1]),
                     "best": _float(self.losses.min()), "best_epoch": int(self.losses.argmin()) + 1},
            "timings": self.timings, "versions": _versions(),
            "files": sorted({p.name + ("/" if p.is_dir() else "") for p in self.path.iterdir()
                             if not p.name.startswith(".")} | {"summary.json"}),
        }


def load(path):
    """Read a scenario file and return its ``scenario``, named after the file.

    The file runs as a module named ``__nodenet_scenario__``, so its
    ``if __name__ == "__main__":`` block does not.
    """
    path = Path(path)
    source = _source(path)
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as err:
        raise FileFormatError(f"{path}, line {err.lineno}: {err.msg}: fix the scenario's syntax") from None
    namespace = {"__name__": "__nodenet_scenario__", "__file__": str(path)}
    sys.path.insert(0, str(path.parent.resolve()))     # a scenario may import modules beside it
    try:
        exec(code, namespace)
    except NodenetError:
        raise
    except Exception as err:
        raise FileFormatError(f"{path}, line {_line_in(err, path)}: {type(err).__name__}: {err}: "
                              "fix the scenario file") from None
    finally:
        sys.path.remove(str(path.parent.resolve()))
    scenario = namespace.get("scenario")
    if not isinstance(scenario, Scenario):
        raise FileFormatError(f"{path} defines no scenario: add `scenario = nn.Scenario(network, data, ...)`")
    return replace(scenario, name=scenario.name or path.stem, description=describe(path, source),
                   file=str(path))


def describe(path, source=None):
    """The first paragraph of a scenario file's docstring, on one line (the file is not run).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.py"
    >>> _ = path.write_text("'''XOR with momentum:\\nfour samples.\\n\\nMore.'''")
    >>> describe(path)
    'XOR with momentum: four samples.'
    """
    source = _source(Path(path)) if source is None else source
    try:
        docstring = ast.get_docstring(ast.parse(source)) or ""
    except SyntaxError as err:
        raise FileFormatError(f"{path}, line {err.lineno}: {err.msg}: fix the scenario's syntax") from None
    return " ".join(docstring.split("\n\n")[0].split())


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
    except (ValueError, UnicodeDecodeError) as err:
        raise FileFormatError(f"'{path}' is not valid JSON ({err}): run the scenario again") from None
    if not isinstance(summary, dict) or summary.get("format") != RUN_FORMAT:
        raise FileFormatError(f"'{path}' is not a nodenet run summary: run the scenario again")
    if summary.get("version") != 1:
        raise FileFormatError(f"'{path}' has version {summary.get('version')!r}; this nodenet reads version 1")
    for key, kind in (("settings", dict), ("loss", dict), ("files", list), ("steps", int), ("scenario", str)):
        if not isinstance(summary.get(key), kind):
            raise FileFormatError(f"'{path}' has no valid {key!r}: run the scenario again")
    return summary


def _source(path):
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise FileAccessError(f"scenario file '{path}' {what}: give the path of a .py scenario file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FileFormatError(f"scenario file '{path}' is not UTF-8 text: give a .py scenario file") from None
    except OSError as err:
        raise FileAccessError(f"cannot read scenario file '{path}': {err.strerror}") from None


def _line_in(err, path):
    lines = [frame.lineno for frame in traceback.extract_tb(err.__traceback__) if frame.filename == str(path)]
    return lines[-1] if lines else "?"


def _call(scenario, what, function, *args):
    try:
        return function(*args)
    except NodenetError:
        raise
    except Exception as err:
        where = f", line {_line_in(err, Path(scenario.file))}" if scenario.file else ""
        raise SettingError(f"scenario {scenario.name!r}{where}: {what}() failed with {type(err).__name__}: {err}: "
                           "fix the scenario") from None


def _checked(settings):
    check_count(settings["epochs"], "epochs")
    check_rates(settings["lr"], settings["momentum"])
    check_count(settings["batch_size"], "batch_size")
    check_flag(settings["shuffle"], "shuffle")
    check_order(settings["order"], settings["batch_size"])
    check_seed(settings["seed"])
    check_choice(settings["detail"], DETAILS, "detail")
    check_count(settings["every"], "every")
    if settings["trace_epochs"] is not None:
        check_count(settings["trace_epochs"], "trace_epochs")
    formats = settings["formats"]
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    for fmt in formats:
        check_choice(fmt, tuple(ANIMATIONS), "format")
    return dict(settings, formats=tuple(dict.fromkeys(formats)), fps=check_fps(settings["fps"]))


def _chunks(traced, epochs):
    """(first epoch, count) pieces: the traced epochs, then the rest, at most PROGRESS_CHUNKS in all."""
    pieces = []
    for start, stop in ((0, traced), (traced, epochs)):
        size = max(1, -(-(stop - start) // (PROGRESS_CHUNKS // 2)))
        pieces += [(first, min(size, stop - first)) for first in range(start, stop, size)]
    return pieces


def _start_directory(out):
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


def _swap(building, out):
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    building.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _float(value):
    return float(value) if np.isfinite(value) else None


def _versions():
    from . import __version__
    import matplotlib
    import networkx
    import PIL
    return {"nodenet": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "networkx": networkx.__version__, "matplotlib": matplotlib.__version__, "pillow": PIL.__version__}
