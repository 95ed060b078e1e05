"""What tracing and history cost: training time with no tracer and at each detail level.

The reference is the core as it was before tracing and history existed (git revision
BASELINE, extracted from this repository), measured in the same run. Each measurement
runs in its own process; the runs are interleaved over several rounds, so that a busy
moment of a shared machine does not fall on one of them alone, and each figure is the
median over all its repeats.

    python benchmarks/tracer_overhead.py [--rounds 3] [--repeats 3] [--baseline REV]
"""

import argparse
import inspect
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "ccc2c54"      # the core before the tracer and history
SIZES = [2, 8, 8, 1]
SAMPLES = 200
EPOCHS = 5
DETAILS = ["none", "epoch", "step", "phase", "op"]


def worker(detail, repeats):
    """Time online training of a 2-8-8-1 sigmoid net; print seconds per repeat as JSON."""
    import numpy as np
    import nodenet as nn
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(SAMPLES, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    seconds = []
    for _ in range(repeats):
        net = nn.layered(SIZES, seed=0)
        options = {} if detail == "none" else {"tracer": nn.Tracer(net, detail=detail)}
        if "schedule" in inspect.signature(nn.Network.train).parameters:
            options["schedule"] = "node"    # the schedule a tracer watches; the fast path: benchmarks/peers
        start = time.perf_counter()
        net.train(X, Y, epochs=EPOCHS, lr=0.1, momentum=0.9, **options)
        seconds.append(time.perf_counter() - start)
    print(json.dumps(seconds))


def measure(pythonpath, detail, repeats):
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    out = subprocess.run([sys.executable, __file__, "--worker", detail, "--repeats", str(repeats)],
                         env=env, capture_output=True, text=True, check=True, cwd=pythonpath).stdout
    return json.loads(out)


def extract(revision, into):
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "nodenet"],
                             capture_output=True, check=True).stdout
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        tarfile.open(fileobj=handle).extractall(into, filter="data")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--worker", choices=DETAILS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.repeats)
    steps = SAMPLES * EPOCHS
    runs = {"reference": []} | {detail: [] for detail in DETAILS}
    with tempfile.TemporaryDirectory() as old:
        extract(args.baseline, old)
        for _ in range(args.rounds):
            runs["reference"] += measure(old, "none", args.repeats)
            for detail in DETAILS:
                runs[detail] += measure(ROOT, detail, args.repeats)
    seconds = {run: statistics.median(times) for run, times in runs.items()}
    print(f"{SIZES} sigmoid net, {steps} online steps, momentum 0.9; "
          f"median of {args.rounds} x {args.repeats} runs")
    print(f"{'run':<32}{'seconds':>9}{'steps/s':>10}{'vs reference':>14}")
    labels = {"reference": f"core before tracing ({args.baseline})", "none": "no tracer (history on)"}
    for run, median in seconds.items():
        label = labels.get(run, f"tracer, detail={run}")
        print(f"{label:<32}{median:>9.3f}{steps / median:>10.0f}{median / seconds['reference']:>13.2f}x")


if __name__ == "__main__":
    main()
