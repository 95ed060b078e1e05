"""What a new page of memory costs on this machine, and what the history's new pages cost a training.

A history is written into new memory, and the first write to each new page waits while
the system supplies it. How long that takes depends on the machine far more than on
nodenet, so this measures it directly. Each measurement runs in a fresh process, as in
``benchmarks/peers``, the ways in turn, round after round (so that a slow spell of the
machine falls on all of them alike); ``--in-process`` runs them all in this process
instead, where new memory is mostly memory just given back, as in a long session that
trains again and again.

Part 1, ``--mib`` MiB of new memory made ready and written once (median of ``--rounds``),
per 4 KiB page and as a ratio to writing memory in use:

- in use: memory written once before the timing (the reference);
- first write: a new anonymous mapping, each page supplied at its first write;
- madvise: ``madvise(MADV_POPULATE_WRITE)`` on it first, as nodenet's page thread
  asks for a history's pages, then the write;
- MAP_POPULATE: the mapping made with its pages, then the write;
- huge pages: ``madvise(MADV_HUGEPAGE)`` on 2 MiB-aligned memory, then the write.

Part 2, a 64-32-10 sigmoid net trained for one pass over 3,000 samples in batches of 32,
recording every link's weight at every step, after one small training that loads the
compiled kernels (median of ``--runs`` and the ratio to the first row):

- no step recorded: ``History(every=10**9)``, the arithmetic alone (the reference);
- pages written before: the history's rows reserved and written before the timing;
- as shipped: the page thread asks for the pages while the loops run;
- no page thread: each page supplied at its first write.

Linux only (``MAP_POPULATE``, ``MADV_POPULATE_WRITE`` from Linux 5.14).

    python benchmarks/pages.py [--mib 16] [--rounds 9] [--runs 15] [--in-process]
"""

import argparse
import contextlib
import mmap
import statistics
import subprocess
import sys
import time
from unittest import mock

import numpy as np

import nodenet as nn
from nodenet.state import MADV_POPULATE_WRITE

PAGE = mmap.PAGESIZE
HUGE = 2 << 20
SIZES, SAMPLES, BATCH = [64, 32, 10], 3000, 32


def mapping(nbytes, flags=0):
    """A new private anonymous mapping of ``nbytes`` and a uint8 view of it."""
    pages = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | flags)
    return pages, np.frombuffer(pages, dtype=np.uint8)


def in_use(nbytes):
    """Memory written once already."""
    pages, view = mapping(nbytes)
    view.fill(0)
    return view


def first_write(nbytes):
    """New memory, each page supplied at its first write."""
    return mapping(nbytes)[1]


def advised(nbytes):
    """New memory whose pages were asked for as nodenet's page thread asks for them."""
    pages, view = mapping(nbytes)
    pages.madvise(MADV_POPULATE_WRITE)
    return view


def populated(nbytes):
    """New memory mapped with its pages."""
    return mapping(nbytes, mmap.MAP_POPULATE)[1]


def huge(nbytes):
    """New memory, 2 MiB-aligned, asked to come in huge pages."""
    pages, view = mapping(nbytes + HUGE)
    skip = -view.ctypes.data % HUGE
    pages.madvise(mmap.MADV_HUGEPAGE, skip, nbytes)
    return view[skip:skip + nbytes]


WAYS = {"in use": in_use, "first write": first_write, "madvise": advised, "MAP_POPULATE": populated,
        "huge pages": huge}


def page_cost(way, mib):
    """Seconds per page of making ``mib`` MiB ready the ``way`` named and writing it once.

    Memory in use is made before the timing; the other ways are timed from the mapping on.
    """
    nbytes, ready = mib << 20, WAYS[way]
    made = ready(nbytes) if way == "in use" else None
    start = time.perf_counter()
    view = ready(nbytes) if made is None else made
    view.fill(1)
    return (time.perf_counter() - start) / (nbytes // PAGE)


def pass_seconds(way):
    """Seconds of one pass of the workload on a new net, its history's pages readied the ``way`` named.

    A small training before it loads the compiled kernels, as any earlier training would.
    """
    every, before, page_thread = PASSES[way]
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(SAMPLES, SIZES[0])), rng.uniform(size=(SAMPLES, SIZES[-1]))
    nn.layered(SIZES, seed=1).train(X[:2], Y[:2], epochs=1, lr=0.1, momentum=0.9, batch_size=BATCH)
    net = nn.layered(SIZES, seed=0)
    net.history = nn.History(every=every, fields=["weight"])
    before(net, -(-SAMPLES // BATCH))
    off = mock.patch("nodenet.training.prefaulted", lambda arrays: contextlib.nullcontext())
    with contextlib.nullcontext() if page_thread else off:
        start = time.perf_counter()
        net.train(X, Y, epochs=1, lr=0.1, momentum=0.9, batch_size=BATCH, shuffle=False)
        return time.perf_counter() - start


def nothing(net, steps):
    """Nothing before the timing."""


def written(net, steps):
    """Start the history on the net's links, reserve the rows of ``steps`` steps and write them once."""
    names, state = [neuron.name for neuron in net.neurons], net.state
    net.history.start_between(names, state.src, state.dst, state.weight)
    net.history.reserve(steps)
    for rows in net.history.room(steps):
        rows.fill(0)


PASSES = {"no step recorded": (10**9, nothing, True), "pages written before": (1, written, False),
          "as shipped": (1, nothing, True), "no page thread": (1, nothing, False)}


def medians(part, ways, rounds, mib, in_process):
    """The median seconds of each way over ``rounds``, the ways in turn, each in a fresh process unless ``in_process``."""
    seconds = {way: [] for way in ways}
    for index in range(rounds):
        print(f"{part}: round {index + 1} of {rounds}", file=sys.stderr, flush=True)
        for way in ways:
            if in_process:
                value = page_cost(way, mib) if part == "pages" else pass_seconds(way)
            else:
                value = float(subprocess.run([sys.executable, __file__, "--worker", part, way, "--mib", str(mib)],
                                             capture_output=True, text=True, check=True).stdout)
            seconds[way].append(value)
    return {way: statistics.median(values) for way, values in seconds.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=16, help="MiB of new memory per way and round in part 1 (16)")
    parser.add_argument("--rounds", type=int, default=9, help="rounds of part 1; the median counts (9)")
    parser.add_argument("--runs", type=int, default=15, help="passes per way in part 2; the median counts (15)")
    parser.add_argument("--in-process", action="store_true", help="measure in this process, not in fresh ones")
    parser.add_argument("--worker", nargs=2, metavar=("PART", "WAY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        part, way = args.worker
        print(page_cost(way, args.mib) if part == "pages" else pass_seconds(way))
        return

    where = "in this process" if args.in_process else "each in a fresh process"
    costs = medians("pages", WAYS, args.rounds, args.mib, args.in_process)
    print(f"{args.mib} MiB made ready and written, median of {args.rounds} rounds, {where}\n")
    print("| way | µs a page | vs in use |\n|---|---:|---:|")
    for way, cost in costs.items():
        print(f"| {way} | {cost * 1e6:.2f} | {cost / costs['in use']:.2f}x |")

    seconds = medians("passes", PASSES, args.runs, args.mib, args.in_process)
    reference = seconds["no step recorded"]
    print(f"\n64-32-10, one pass of {SAMPLES} samples in batches of {BATCH}, weights recorded, "
          f"median of {args.runs} passes, {where}\n")
    print("| history's pages | ms a pass | vs no step recorded |\n|---|---:|---:|")
    for way, value in seconds.items():
        print(f"| {way} | {value * 1e3:.2f} | {value / reference:.2f}x |")


if __name__ == "__main__":
    main()
