"""Scenarios: a network, its data, its training settings and what to trace, run into a directory.

A scenario file is a plain Python script whose docstring says what it shows and which
defines ``scenario = nn.Scenario(...)``. ``nodenet run FILE`` (or ``python FILE``, when
the file ends in ``scenario.main()``) trains it and writes its run directory:

    summary.json    scenario, settings, steps, losses, timings, library versions
    network.json    the trained network
    history.npz     every link's weight (and dw and grad, if recorded) at every recorded step
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
import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from . import rundir
from .atomic import atomic_write
from .checks import check_choice, check_count, check_flag, check_fps, check_rates, check_seed
from .errors import DivergenceError, FileAccessError, FileFormatError, NodenetError, SettingError
from .network import Network
from .progress import progress
from .tracer import DETAILS, Tracer
from .training import check_order, epoch_losses, epoch_rows, steps_per_epoch, uninterrupted

__all__ = ["Scenario", "Run", "load", "describe"]

LOADING = "__nodenet_scenario__"      # the module name a scenario file runs under when loaded
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
        overrides = {name: value for name, value in overrides.items() if value is not None}
        if overrides.get("detail") in ("op", "phase") and "every" not in overrides:
            overrides["every"] = 1            # every thins step and epoch frames only
        settings.update(overrides)
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

    def run(self, out=None, *, quiet=False, resume=None, **overrides):
        """Train with the settings and ``overrides``; write the run directory ``out``; return the :class:`Run`.

        ``out`` defaults to ``runs/<name>``. An existing run directory there is replaced
        once the new one is complete; any other existing directory is refused. Training
        that diverges or is interrupted (Ctrl-C) still writes the run directory, with
        everything up to the last whole step; ``run.status`` says where it stopped.
        ``resume`` is such a run directory: training continues where it stopped, with its
        settings (``overrides`` still apply), exactly as if it had never stopped; ``out``
        then defaults to it.
        """
        earlier = rundir.Earlier.read(resume) if resume is not None else None
        settings = self.settings(**{**(earlier.settings if earlier else {}),
                                    **{key: value for key, value in overrides.items() if value is not None}})
        if out is None and resume is None and not self.name:
            raise SettingError("this scenario has no name to call its run directory by: give it name=... "
                               "or run it with out=...")
        out = Path(out) if out is not None else Path(resume) if resume is not None else Path("runs") / self.name
        building = rundir.start(out)
        try:
            run = self._train(settings, building, quiet, earlier)
            self._write(run, quiet, earlier)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        with uninterrupted():
            rundir.swap(building, out)
        run.path = out
        return run

    def main(self, argv=None):
        """Run as ``nodenet run`` does, on the file that called this; exits with its exit code."""
        if sys._getframe(1).f_globals.get("__name__") == LOADING:
            raise FileFormatError("scenario.main() runs while the file is being loaded: put it under "
                                  "`if __name__ == \"__main__\":`")
        from .cli import main                 # the command line is imported only here
        file = self.file or getattr(sys.modules["__main__"], "__file__", None)
        sys.exit(main(["run", str(file), *(sys.argv[1:] if argv is None else argv)]))

    def _train(self, settings, path, quiet, earlier):
        network, inputs, targets = self.build(settings["seed"])
        done, skip = 0, 0
        if earlier is not None:
            network = earlier.network(self, inputs, targets)
            done, skip = earlier.position
            if done >= settings["epochs"]:
                raise SettingError(f"the run in '{earlier.path}' has done all {done} epochs: give --epochs "
                                   f"more than {done} to train on")
            if skip >= steps_per_epoch(len(inputs), settings["batch_size"]):
                raise FileFormatError(f"'{earlier.path / 'summary.json'}' says the run stopped after step {skip} "
                                      "of an epoch that has fewer: it is damaged; run the scenario again")
        if self.boundary:
            from .boundary import Boundary
            Boundary.of(network, inputs, targets)         # refuse a wrong network before training
        tracer = Tracer(network, detail=settings["detail"], every=settings["every"])
        tracer.step, tracer.epoch = network.history.step_count + 1, done + 1     # go on counting where it stopped
        traced = min(settings["trace_epochs"] or settings["epochs"], settings["epochs"])
        options = {key: settings[key] for key in ("lr", "momentum", "batch_size", "shuffle", "order")}
        run = Run(self, settings, path, network, inputs, targets, tracer, [], {})
        started = time.perf_counter()
        position, kept = (done, skip), (network.rng.bit_generator.state, network.history.step_count)
        try:
            label = f"training {self.name} ({settings['epochs']} epochs)"
            for first, count in progress(_chunks(done, traced, settings["epochs"]), label=label, quiet=quiet):
                position = (first, skip if first == done else 0)
                kept = (network.rng.bit_generator.state, network.history.step_count)
                run.losses.extend(network.train(inputs, targets, epochs=count, skip=position[1],
                                                tracer=tracer if first < traced else None, **options))
                if first < traced <= first + count:
                    tracer.finish()         # while the network is as the last traced epoch left it
        except (DivergenceError, KeyboardInterrupt) as stop:
            # the failed step is undone; the network's rng goes back to the start of its epoch,
            # so that a resumed run visits the samples in the same order
            run.position = _rewind(network, kept, position, len(inputs), settings)
            if run.position[0] < settings["epochs"]:          # else the last step was taken after all
                run.stop = stop
                step = network.history.step_count + 1
                run.status = f"{'diverged' if isinstance(stop, DivergenceError) else 'interrupted'} at step {step}"
            else:
                run.position = None
        tracer.finish()
        run.timings["train_s"] = round(time.perf_counter() - started, 3)
        # every whole epoch of the run, resumed parts included, from the history
        run.losses = (epoch_losses(network.history, len(inputs), settings["batch_size"])
                      if network.history.every == 1 else np.array(run.losses))
        return run

    def _write(self, run, quiet, earlier):
        started = time.perf_counter()
        network = run.network
        with uninterrupted():                 # the numbers first, whole: Ctrl-C waits for them
            network.save(run.file("network.json"))
            network.history.save(run.file("history.npz"))
        try:
            if len(network.history.steps):
                from . import plots           # drawing is imported only when writing pictures
                plots.loss(network.history, run.file("loss.png"))
                plots.weights(network.history, run.file("weights.png"))
            self._write_animations(run, quiet, earlier)
            if self.report and run.status == "complete":
                run.printed = list(_call(self, "report", self.report, run) or [])
        except KeyboardInterrupt as stop:
            run.stop, run.status = stop, f"interrupted while writing, after step {run.steps}"
        run.timings["write_s"] = round(time.perf_counter() - started, 3)
        with uninterrupted(), atomic_write(run.file("summary.json")) as handle:
            json.dump(run.summary(), handle, indent=1)

    def _write_animations(self, run, quiet, earlier):
        if earlier is not None:                   # the frames before the resume are kept
            earlier.copy_animations(run.path, renamed=bool(run.tracer.frames))
        if not run.tracer.frames:
            return
        boundary = (run.inputs, run.targets) if self.boundary else None
        for fmt in run.settings["formats"]:
            name = rundir.ANIMATIONS[fmt] + ("/" if fmt == "png" else "")
            run.tracer.export(run.file(name), format=fmt, fps=run.settings["fps"], quiet=quiet,
                              **({} if fmt == "json" else {"boundary": boundary}))


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
    status: str = "complete"
    stop: BaseException = None  # what stopped training early: a DivergenceError or KeyboardInterrupt
    position: tuple = None      # where it stopped: (whole epochs done, steps done in the next)

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
        frames = self.tracer.frames
        summary = {
            "format": rundir.RUN_FORMAT, "version": 1, "status": self.status,
            "scenario": self.scenario.name, "description": self.scenario.description,
            "file": self.scenario.file, "settings": settings,
            "steps": self.steps, "epochs": self.position[0] if self.position else self.settings["epochs"],
            "frames": len(frames), "frame_steps": [frames[0].step, frames[-1].step] if frames else None,
            "loss": rundir.loss_summary(self.losses),
            "timings": self.timings, "versions": rundir.versions(),
            "files": sorted({p.name + ("/" if p.is_dir() else "") for p in self.path.iterdir()
                             if not p.name.startswith(".")} | {"summary.json"}),
        }
        if self.position is not None:
            summary["stopped"] = {"epochs_done": self.position[0], "steps_in_epoch": self.position[1],
                                  "reason": str(self.stop) or type(self.stop).__name__}
        return summary


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
        raise _syntax_error(path, err) from None
    namespace = {"__name__": LOADING, "__file__": str(path)}
    sys.path.insert(0, str(path.parent.resolve()))     # a scenario may import modules beside it
    try:
        exec(code, namespace)
    except NodenetError:
        raise
    except (Exception, SystemExit) as err:
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
        raise _syntax_error(path, err) from None
    return " ".join(docstring.split("\n\n")[0].split())


def _syntax_error(path, err):
    return FileFormatError(f"{path}, line {err.lineno}: {err.msg}: fix the scenario's syntax")


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
    if not isinstance(formats, (str, list, tuple)):
        raise SettingError(f"formats must be a list of format names, got {formats!r}")
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    for fmt in formats:
        check_choice(fmt, tuple(rundir.ANIMATIONS), "format")
    return dict(settings, formats=tuple(dict.fromkeys(formats)), fps=check_fps(settings["fps"]))


def _chunks(done, traced, epochs):
    """(first epoch, count) pieces from epoch ``done`` on: the traced ones, then the rest, at most PROGRESS_CHUNKS."""
    pieces = []
    for start, stop in ((done, traced), (max(done, traced), epochs)):
        size = max(1, -(-(stop - start) // (PROGRESS_CHUNKS // 2)))
        pieces += [(first, min(size, stop - first)) for first in range(start, stop, size)]
    return pieces


def _rewind(network, kept, position, samples, settings):
    """Put ``network.rng`` back to the start of the epoch training stopped in; return (epochs done, steps in it).

    ``kept`` is the rng state and step count at the start of the piece of training that
    stopped, ``position`` the epoch it started at and the steps it skipped of that epoch.
    """
    (rng_state, steps_before), (first, skip) = kept, position
    per_epoch = steps_per_epoch(samples, settings["batch_size"])
    epochs, steps = divmod(skip + network.history.step_count - steps_before, per_epoch)
    network.rng.bit_generator.state = rng_state
    for _ in range(epochs):
        epoch_rows(network, samples, settings["shuffle"])       # each epoch drew its order from the rng
    return first + epochs, steps
