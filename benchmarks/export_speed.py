"""Frames per second of exporting animations, against drawing each frame from scratch.

For a 2-8-8-1 and a 64-32-10 sigmoid network, 200 step frames are exported to PNG, GIF
and MP4 with nodenet (artists made once and updated, frames drawn by worker processes).
The reference draws each frame from scratch with networkx.draw (nodes coloured by out,
edges by weight, labels) and hands it to the same writer, measured in the same run on
the first frames (it is slow). Each format is timed ``--repeats`` times, nodenet and the
reference in turn, and the medians are printed with the range of the ratios.

    python benchmarks/export_speed.py [--frames 200] [--reference-frames 30] [--repeats 3]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import nodenet as nn
from nodenet.export import GifWriter, Mp4Writer, PngWriter
from nodenet.layout import positions

NETS = {"2-8-8-1": [2, 8, 8, 1], "64-32-10": [64, 32, 10]}
FORMATS = {"png": PngWriter, "gif": GifWriter, "mp4": Mp4Writer}
SIZE = (640, 480)


def traced(sizes, frames):
    """A tracer with ``frames`` step frames of online training on random data."""
    rng = np.random.default_rng(0)
    net = nn.layered(sizes, seed=0)
    inputs = rng.uniform(-1, 1, size=(frames, sizes[0]))
    targets = rng.uniform(0.1, 0.9, size=(frames, sizes[-1]))
    tracer = nn.Tracer(net, detail="step")
    net.train(inputs, targets, epochs=1, lr=0.1, momentum=0.9, shuffle=False, tracer=tracer)
    return tracer


def from_scratch(tracer, writer, count):
    """Draw ``count`` frames from scratch with networkx.draw; return frames per second."""
    network = tracer.network
    graph, pos = network.graph, positions(network)
    figure = Figure(figsize=(SIZE[0] / 100, SIZE[1] / 100), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    start = time.perf_counter()
    for frame in tracer.frames[:count]:
        ax.clear()
        weights = frame.links["weight"]
        nx.draw(graph, pos, ax=ax, node_color=frame.neurons["out"], cmap="YlGn",
                edge_color=weights, edge_cmap=None, width=0.5 + 3 * np.abs(weights) / np.abs(weights).max(),
                with_labels=len(network.neurons) < 40, font_size=8)
        ax.set_title(frame.caption)
        figure.canvas.draw()
        writer.write(np.asarray(figure.canvas.buffer_rgba())[:, :, :3])
    writer.close()
    return count / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--reference-frames", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3, help="times each format is timed; medians count (3)")
    args = parser.parse_args()
    print(f"{args.frames} step frames at {SIZE[0]}x{SIZE[1]}; reference: networkx.draw from scratch "
          f"on the first {args.reference_frames} (64-32-10: a tenth of that); median of {args.repeats}")
    print(f"{'net':<10}{'format':<8}{'nodenet fps':>13}{'from scratch fps':>18}{'ratio':>9}{'ratios':>16}")
    with tempfile.TemporaryDirectory() as out:
        for name, sizes in NETS.items():
            tracer = traced(sizes, args.frames)
            count = args.reference_frames if sizes[0] < 10 else max(3, args.reference_frames // 10)
            for fmt, writer in FORMATS.items():
                target = Path(out) / (f"{name}.{fmt}" if fmt != "png" else f"{name}-png")
                ours, theirs = [], []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    tracer.export(target, format=fmt, quiet=True)
                    ours.append(len(tracer.frames) / (time.perf_counter() - start))
                    theirs.append(from_scratch(tracer, writer(Path(out) / f"ref-{name}.{fmt}", SIZE, 4), count))
                ratios = sorted(a / b for a, b in zip(ours, theirs))
                fps, reference = statistics.median(ours), statistics.median(theirs)
                print(f"{name:<10}{fmt:<8}{fps:>13.1f}{reference:>18.2f}{fps / reference:>8.1f}x"
                      f"{ratios[0]:>9.1f} to {ratios[-1]:.1f}", flush=True)


if __name__ == "__main__":
    main()
