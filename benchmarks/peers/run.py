"""nodenet against its peers on one workload, each peer in its own process.

    python benchmarks/peers/run.py [--runs 5] [--epochs 1] [--nets NET ...] [--batches N ...] [--python PATH]

The first run makes a virtual environment beside this file (``.venv``) holding the
peers, micrograd and scikit-learn, and nodenet from this checkout; ``--python`` uses
another interpreter that has them. Then ``peers.py`` runs once per peer, net, batch size
and repetition, in a fresh process each time (one round of every row, then the next
round, so that a slow spell of the machine falls on all rows alike), and this prints,
per row, the median samples per second, the ratio to the hand-written numpy loop at the
same batch size (measured in the same run), in how many rounds the row ran faster than
the numpy loop's process of that round (a paired count, which a slow spell of the
machine moves less than it moves the medians), and what nodenet's history holds per
link and step.

Each process trains one pass over the data; ``--epochs 10`` trains ten, which shows the
rate once the first pass's set-up (laying out the network, starting its history) is
paid. ``--nets`` and ``--batches`` run some of the rows only, for example
``--nets 64-32-10 --batches 32``.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PEERS = ["micrograd", "scikit-learn"]
NETS = ("2-8-8-1", "64-32-10")
ROWS = [(peer, 1) for peer in ("numpy", "nodenet", "nodenet-weights", "nodenet-unrecorded", "history", "nodenet-node",
                                "python", "micrograd", "sklearn")]
ROWS += [(peer, 32) for peer in ("numpy", "nodenet", "nodenet-weights", "nodenet-unrecorded", "history", "sklearn")]
NAMES = {"numpy": "numpy loop", "nodenet": "nodenet (fast path)", "nodenet-node": "nodenet (node by node)",
         "nodenet-weights": "nodenet (fast path), history of weights alone",
         "nodenet-unrecorded": "nodenet (fast path), history recording no step",
         "history": "writing the history alone (no training)",
         "python": "plain-Python object graph", "micrograd": "micrograd", "sklearn": "scikit-learn MLPRegressor"}


def environment():
    """The benchmark's own interpreter, made on first use."""
    target = HERE / ".venv"
    python = target / "bin" / "python"
    if not python.exists():
        print(f"making the peers' environment in {target.relative_to(REPO)} (once)", flush=True)
        venv.create(target, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "-e", REPO, *PEERS], check=True)
    return python


def measure(python, peer, net, batch, epochs):
    """One run of a peer in a fresh process: what peers.py prints."""
    done = subprocess.run([python, HERE / "peers.py", peer, net, str(batch), str(epochs)],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{peer} on {net} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def rates(results):
    """Samples per second of each run."""
    return [r["samples"] / r["seconds"] for r in results]


def summary(results):
    """The median rate of a row's runs, with what the first run says about the history."""
    return {"rate": statistics.median(rates(results)), "samples": results[0]["samples"],
            "bytes": results[0].get("history_bytes_per_link_step"), "note": results[0].get("note", "")}


def rounds_ahead(results, reference):
    """In how many rounds a row ran faster than the reference row's run of the same round, as "k of n"."""
    ahead = sum(mine > theirs for mine, theirs in zip(rates(results), rates(reference)))
    return f"{ahead} of {len(results)}"


def versions(python):
    code = ("import numpy, numba, sklearn, nodenet; "
            "print(numpy.__version__, numba.__version__, sklearn.__version__)")
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def main(argv=None):
    title, _, *more = __doc__.split("\n\n")
    parser = argparse.ArgumentParser(description=title, epilog="\n\n".join(more),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per row; the median counts (5)")
    parser.add_argument("--epochs", type=int, default=1, help="passes over the data in each process (1)")
    parser.add_argument("--nets", nargs="+", choices=NETS, default=list(NETS), help="the nets to run (both)")
    parser.add_argument("--batches", nargs="+", type=int, choices=(1, 32), default=[1, 32],
                        help="the batch sizes to run (1 and 32)")
    parser.add_argument("--python", help="an interpreter with nodenet and the peers installed")
    options = parser.parse_args(argv)
    if options.runs < 1 or options.epochs < 1:
        parser.error("--runs and --epochs take a whole number of at least 1")
    rows = [(peer, batch) for peer, batch in ROWS if batch in options.batches]
    python = Path(options.python) if options.python else environment()
    numpy_version, numba_version, sklearn_version = versions(python)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {numpy_version}, numba {numba_version}, "
          f"scikit-learn {sklearn_version}; median of {options.runs} runs, {options.epochs} "
          f"{'pass' if options.epochs == 1 else 'passes'} over the data each\n")
    print("| net | batch | peer | samples timed | samples/s | vs numpy loop | rounds ahead of it "
          "| history B/link/step | note |")
    print("|---|---|---|---|---|---|---|---|---|")
    for net in options.nets:
        runs = {row: [] for row in rows}
        for round_ in range(options.runs):
            print(f"{net}: round {round_ + 1} of {options.runs}", file=sys.stderr, flush=True)
            for peer, batch in rows:
                runs[peer, batch].append(measure(python, peer, net, batch, options.epochs))
        reference = {batch: summary(runs["numpy", batch])["rate"] for _, batch in rows}
        for peer, batch in rows:
            result = summary(runs[peer, batch])
            history = "" if result["bytes"] is None else f"{result['bytes']:.1f}"
            ahead = "" if peer == "numpy" else rounds_ahead(runs[peer, batch], runs["numpy", batch])
            print(f"| {net} | {batch} | {NAMES[peer]} | {result['samples']} | {result['rate']:,.0f} | "
                  f"{result['rate'] / reference[batch]:.2f}x | {ahead} | {history} | {result['note']} |", flush=True)


if __name__ == "__main__":
    main()
