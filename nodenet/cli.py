"""The ``nodenet`` command: list, run and explain scenarios; read a run's history and summary.

    nodenet list [DIR]
    nodenet run FILE [--out DIR] [--epochs N] [--lr X] [--momentum X] [--seed S]
                     [--detail op|phase|step|epoch] [--format gif,mp4,html,png,json] [--quiet]
                     [--resume RUN_DIR]
    nodenet explain FILE [--sample K] [--order phased|wave]
    nodenet history RUN_DIR [--link SRC->DST ...] [--top K] [--csv FILE] [--plot FILE]
    nodenet info RUN_DIR

An error a user can cause prints one line, ``nodenet: error: ...``, and exits with 2. A run
that diverges also exits with 2, and one stopped with Ctrl-C with 130; both first write
their run directory, with every step before the one that failed.

Examples
--------
>>> main(["info", "no/such/run"])
2
"""

import argparse
import os
import sys
from pathlib import Path

from .errors import NodenetError, SettingError
from .events import number
from .explain import explain
from .history import History
from .rundir import ANIMATIONS, read_summary
from .scenario import describe, load

__all__ = ["main"]

EXIT_ERROR, EXIT_INTERRUPTED = 2, 130
WHAT = {  # what each file of a run directory holds
    "summary.json": "scenario, settings, steps, losses, timings, versions",
    "network.json": "the trained network (nodenet.load)",
    "history.npz": "every link's weight (and dw and grad, if recorded) at every recorded step (nodenet.History.load)",
    "animation.gif": "the frames as a GIF", "animation.mp4": "the frames as an MP4 video",
    "player.html": "the frames in a player: open it in a browser", "frames.json": "every frame's numbers",
    "frames/": "one PNG per frame", "loss.png": "the loss per step", "weights.png": "the links that moved most",
}


def main(argv=None):
    """Run the command with ``argv`` (default: the process's arguments); return the exit code."""
    parser = _parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            name = args.command.__name__.lstrip("_")
            raise SettingError(f"unrecognized arguments: {' '.join(unknown)} (see nodenet {name} --help)")
        return args.command(args) or 0
    except NodenetError as err:
        return _error(err)
    except KeyboardInterrupt:
        print("nodenet: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader of the output went away (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _error(err, then=""):
    print(f"nodenet: error: {err}{then}", file=sys.stderr)
    return EXIT_ERROR


class _Parser(argparse.ArgumentParser):
    """argparse, with usage mistakes raised as one-line errors."""

    def error(self, message):
        raise SettingError(f"{message} (see {self.prog} --help)")


def _parser():
    parser = _Parser(prog="nodenet", description="Watch a neural network learn, one operation at a time.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_Parser)

    listing = commands.add_parser("list", help="the scenarios in a directory, with what each shows")
    listing.add_argument("dir", nargs="?", default="scenarios", metavar="DIR",
                         help="where the scenario files are (default: scenarios)")
    listing.set_defaults(command=_list)

    run = commands.add_parser("run", help="train a scenario and write its run directory",
                              description="Train a scenario and write its run directory: summary.json, "
                                          "network.json, history.npz, loss.png, weights.png and the animations "
                                          "(animation.gif, animation.mp4, player.html, frames.json, frames/ of "
                                          "PNGs). Options override the scenario's own settings, which give the "
                                          "defaults; its frames per second and the epochs to trace are set in the "
                                          "scenario file.")
    run.add_argument("file", metavar="FILE", help="a scenario file, e.g. scenarios/xor.py")
    run.add_argument("--out", metavar="DIR", help="the run directory (default: runs/<scenario name>)")
    run.add_argument("--epochs", type=int, metavar="N", help="passes over the samples")
    run.add_argument("--lr", type=float, metavar="X", help="learning rate")
    run.add_argument("--momentum", type=float, metavar="X", help="momentum, in [0, 1)")
    run.add_argument("--seed", type=int, metavar="S", help="seed of the weights and the shuffling")
    run.add_argument("--detail", choices=("op", "phase", "step", "epoch"),
                     help="a frame per operation, phase, step or epoch")
    run.add_argument("--every", type=int, metavar="K",
                     help="with --detail step or epoch: a frame every K-th step or epoch only")
    run.add_argument("--format", metavar="LIST", type=_formats,
                     help=f"animations to write, comma-separated: {','.join(ANIMATIONS)}, or none")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--resume", metavar="RUN_DIR",
                     help="continue a run that was interrupted (or diverged) where it stopped, with its "
                          "settings; the options above still apply, e.g. --epochs to train longer")
    run.set_defaults(command=_run)

    explaining = commands.add_parser("explain", help="one training step as text, every formula with its numbers")
    explaining.add_argument("file", metavar="FILE", help="a scenario file")
    explaining.add_argument("--sample", type=int, default=0, metavar="K", help="which sample, from 0 (default 0)")
    explaining.add_argument("--order", choices=("phased", "wave"), default="phased",
                            help="phased: all pulls, then all updates; wave: each neuron's uplinks update "
                                 "right after it pulls (same numbers)")
    explaining.set_defaults(command=_explain)

    history = commands.add_parser("history", help="a run's per-link history: series, top movers, CSV, plot",
                                  description="Read a run's history.npz: every link's weight, dw and grad at "
                                              "every recorded step. Without options, list the links that moved "
                                              "most.")
    history.add_argument("run_dir", metavar="RUN_DIR", help="a run directory, e.g. runs/mazur")
    history.add_argument("--link", action="append", default=[], metavar="SRC->DST",
                         help="print this link's weight, dw and grad at every recorded step (repeatable)")
    history.add_argument("--top", type=int, default=10, metavar="K", help="how many links that moved most to list (default 10)")
    history.add_argument("--csv", metavar="FILE", help="write the history as CSV, one row per step and link")
    history.add_argument("--plot", metavar="FILE", help="plot the weights of the --link links (or the top K); "
                                                        "the suffix picks the format: .png, .svg, .pdf, ...")
    history.set_defaults(command=_history)

    info = commands.add_parser("info", help="what a run directory holds: settings, steps, losses, files")
    info.add_argument("run_dir", metavar="RUN_DIR", help="a run directory, e.g. runs/mazur")
    info.set_defaults(command=_info)
    return parser


def _formats(text):
    if text.strip() == "none":
        return ()
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    for name in names:
        if name not in ANIMATIONS:
            raise argparse.ArgumentTypeError(f"unknown format {name!r}: choose from {', '.join(ANIMATIONS)}, or none")
    return names


def _list(args):
    directory = Path(args.dir)
    if not directory.is_dir():
        raise SettingError(f"'{directory}' is not a directory: give the directory of your scenario files")
    files = sorted(directory.glob("*.py"))
    if not files:
        print(f"no scenario files (*.py) in {directory}")
    width = max((len(path.stem) for path in files), default=0)
    for path in files:
        try:
            words = describe(path)
        except NodenetError as err:
            words = f"(unreadable: {err})"
        print(f"{path.stem:<{width}}  {words}")


def _run(args):
    scenario = load(args.file)
    run = scenario.run(args.out, quiet=args.quiet, resume=args.resume, epochs=args.epochs, lr=args.lr,
                       momentum=args.momentum, seed=args.seed, detail=args.detail, every=args.every,
                       formats=args.format)
    for line in run.printed:
        print(line)
    summary = read_summary(run.path)
    print(f"{scenario.name}: {_count(run.steps, 'step')} in {_count(summary['epochs'], 'epoch')}, "
          f"loss {_loss(summary['loss']['first'])} -> {_loss(summary['loss']['last'])}, "
          f"{_count(summary['frames'], 'frame')}" + ("" if run.status == "complete" else f"; {run.status}"))
    print(f"wrote {run.path}{'' if str(run.path).endswith('/') else '/'}")
    _print_files(summary["files"])
    if run.status == "complete":
        return 0
    again = f"nodenet run {args.file} --resume {run.path}"
    if isinstance(run.stop, KeyboardInterrupt) and run.position is None:      # while writing the animations
        print(f"nodenet: {run.status}: {run.path} holds every step, but not every animation; run again "
              "to make them", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(run.stop, KeyboardInterrupt):
        print(f"nodenet: {run.status}: {run.path} holds every step before it; continue with: {again}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return _error(run.stop, f" {run.path} holds every step before it.")


def _explain(args):
    scenario = load(args.file)
    settings = scenario.settings()
    network, inputs, targets = scenario.build(settings["seed"])
    if not 0 <= args.sample < len(inputs):
        raise SettingError(f"--sample {args.sample}: {scenario.name} has {len(inputs)} samples, "
                           f"give 0 to {len(inputs) - 1}")
    print(f"{scenario.name}: sample {args.sample}")
    print(explain(network, inputs[args.sample], targets[args.sample], lr=settings["lr"],
                  momentum=settings["momentum"], order=args.order))


def _history(args):
    read_summary(args.run_dir)
    history = History.load(Path(args.run_dir) / "history.npz")
    if args.top < 1:
        raise SettingError(f"--top {args.top}: give a number of links >= 1")
    for link in args.link:
        _print_series(history, link)
    if not args.link:
        _print_top(history, args.top)
    if args.csv:
        history.to_csv(args.csv)
        print(f"wrote {args.csv}")
    if args.plot:
        from . import plots                # drawing is imported only when asked for
        plots.weights(history, args.plot, links=args.link or f"top:{args.top}")
        print(f"wrote {args.plot}")


def _print_series(history, link):
    column = history.column(link)
    src, dst = history.link_ids[column]
    print(f"{src}->{dst}: weight {number(history.initial[column])} at the start")
    print(f"{'step':>8}" + "".join(f"  {field:>16}" for field in history.fields))
    series = [history.steps] + [history.array(field)[:, column] for field in history.fields]
    for step, *values in zip(*(values.tolist() for values in series)):
        print(f"{step:>8}" + "".join(f"  {value!r:>16}" for value in values))


def _print_top(history, k):
    print(f"{len(history.link_ids or ())} links, {history.step_count} steps; the links that moved most:")
    print(f"  {'link':<14}{'sum |dw|':>14}{'start':>14}{'end':>14}")
    for (src, dst), moved in history.top_changed(k):
        column = history.column((src, dst))
        end = history.array("weight")[-1, column] if len(history.steps) else history.initial[column]
        print(f"  {src + '->' + dst:<14}{number(moved):>14}{number(history.initial[column]):>14}{number(end):>14}")
    unchanged = history.unchanged()
    print("never changed: " + (", ".join(f"{s}->{d}" for s, d in unchanged) if unchanged else "none"))


def _info(args):
    summary = read_summary(args.run_dir)
    loss, settings = summary["loss"], summary["settings"]
    print(f"{summary['scenario']}: {summary.get('description', '')}")
    print(f"status: {summary.get('status')}; file {summary.get('file')}")
    print("settings: " + ", ".join(f"{key} {_setting(value)}" for key, value in settings.items()))
    print(f"steps {summary['steps']}, epochs {summary.get('epochs')}, frames {summary.get('frames')}")
    print(f"loss: first epoch {_loss(loss.get('first'))}, last {_loss(loss.get('last'))}, "
          f"best {_loss(loss.get('best'))}")
    timings = summary.get("timings", {})
    print("timings: " + ", ".join(f"{key.removesuffix('_s')} {value:.2f} s" for key, value in timings.items()))
    _print_files(summary["files"])


def _print_files(names):
    width = max((len(name) for name in names), default=0)
    for name in names:
        print(f"  {name:<{width}}  {WHAT.get(name, '')}".rstrip())


def _setting(value):
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value)) or "none"
    return number(value) if isinstance(value, float) else str(value)


def _count(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def _loss(value):
    return "n/a" if value is None else number(value)
