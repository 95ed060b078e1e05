"""Plots of a training run: loss, weight trajectories, a heatmap of changes, a loss landscape.

Each function returns a matplotlib Figure (made without pyplot) and, given a path, also
writes it, atomically: a PNG, or the format the path's suffix names (.svg, .pdf, .jpg, ...).

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([2, 2, 1], seed=0)
>>> _ = net.train([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], epochs=20, lr=0.5)
>>> loss(net.history).axes[0].get_ylabel()
'loss'
"""

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from .atomic import atomic_write, file_name
from .checks import as_path, check_count
from .errors import SettingError
from .history import History, link_id_of

__all__ = ["loss", "weights", "changes", "landscape", "compare"]

MAX_COLUMNS = 800       # steps shown in the heatmap; longer runs are binned
LEGEND_LINES = 16       # weight trajectories named in a legend; more would cover the plot


def loss(history, path=None):
    """The loss of every recorded step (faint) and its moving average, log scale if it spans decades.

    Online training takes each step's loss on one sample, so the steps scatter; the
    average over a window of about a fiftieth of the run shows the trend.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([2, 1], seed=0)
    >>> _ = net.train([[0, 1]], [[1]], epochs=100, lr=0.5)
    >>> [line.get_label() for line in loss(net.history).axes[0].lines]
    ['each step', 'mean of 2 steps']
    """
    _check_history(history)
    figure, ax = _figure()
    values = history.loss
    _require(values.size, "loss")
    ax.plot(history.steps, values, color="#9ecae1", lw=0.8, label="each step")
    steps, average, window = _moving_average(history)
    if window > 1:
        ax.plot(steps, average, color="#08519c", lw=1.8, label=f"mean of {window} steps")
        ax.legend(fontsize=8)
    if np.all(values > 0) and values.max() / values.min() > 10:
        _log_scale(ax)
    ax.set(xlabel="step", ylabel="loss", title=f"loss over {history.step_count} steps")
    ax.grid(alpha=0.3)
    return _save(figure, path)


def weights(history, path=None, *, links="top:8"):
    """Weight trajectories, from the weight before the first step.

    ``links`` is "top:K" (the K links that moved most), "all", or a list of links as
    (src, dst), "src->dst" or Link.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([2, 1], seed=0)
    >>> _ = net.train([[1, 0]], [[1]], epochs=5, lr=0.5)
    >>> [line.get_label() for line in weights(net.history, links="top:2").axes[0].lines]
    ['i1 → o1', 'b1 → o1']
    """
    _check_history(history)
    figure, ax = _figure()
    _require(len(history), "weights")
    for link in _chosen(history, links):
        src, dst = history.link_ids[history.column(link)]
        ax.plot(np.concatenate([[0], history.steps]), _trajectory(history, (src, dst)), lw=1.2,
                label=f"{src} → {dst}")
    ax.set(xlabel="step", ylabel="weight", title="weight trajectories")
    if len(ax.lines) <= LEGEND_LINES:
        ax.legend(fontsize=7, ncol=2, loc="best")
    else:
        ax.set_title(f"weight trajectories of {len(ax.lines)} links (too many to name)")
    ax.grid(alpha=0.3)
    return _save(figure, path)


def changes(history, path=None):
    """A heatmap of dw: one row per link, one column per recorded step (binned if many).

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([2, 1], seed=0)
    >>> _ = net.train([[0, 1]], [[1]], epochs=5, lr=0.5)
    >>> changes(net.history).axes[0].images[0].get_array().shape      # links x steps
    (3, 5)
    """
    _check_history(history)
    dw = history.array("dw")
    _require(dw.size, "changes")
    figure, ax = _figure(height=max(3.5, min(9.0, 1.5 + 0.18 * len(history.link_ids or ()))))
    if len(dw) > MAX_COLUMNS:       # each column sums the dw of its share of the steps
        dw = np.add.reduceat(dw, np.linspace(0, len(dw), MAX_COLUMNS + 1).astype(int)[:-1], axis=0)
    limit = float(np.abs(dw).max()) or 1.0
    image = ax.imshow(dw.T, aspect="auto", cmap="RdBu", interpolation="nearest",
                      norm=TwoSlopeNorm(0.0, -limit, limit),
                      extent=(history.steps[0] - 0.5, history.steps[-1] + 0.5, len(history.link_ids) - 0.5, -0.5))
    if len(history.link_ids) <= 40:
        ax.set_yticks(range(len(history.link_ids)), [f"{s}→{d}" for s, d in history.link_ids], fontsize=7)
    else:
        ax.set_ylabel("link")
    ax.set(xlabel="step", title="weight change per step (dw)")
    figure.colorbar(image, ax=ax, label="dw")
    return _save(figure, path)


def landscape(network, inputs, targets, *, links, path=None, resolution=41):
    """The loss over two links' weights, the others as they are now, with training's path.

    The surface is a slice: every other weight keeps its current value, so the path
    (from the history) is the two weights' trajectory, drawn over that slice. The
    network is left as it was.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([2, 1], seed=0)
    >>> _ = net.train([[0, 1], [1, 0]], [[1], [0]], epochs=10, lr=0.5)
    >>> figure = landscape(net, [[0, 1], [1, 0]], [[1], [0]], links=["i1->o1", "i2->o1"], resolution=5)
    >>> figure.axes[0].get_xlabel()
    'w(i1→o1)'
    """
    first, second = _two_links(network, links)
    if path is not None:            # before the surface's many passes
        _file_format(file_name(path))
    check_count(resolution, "resolution")
    if resolution < 3:
        raise SettingError(f"resolution must be at least 3 points a side, got {resolution}")
    history = network.history
    paths = [_trajectory(history, link.id, now=link.weight) for link in (first, second)]
    xs, ys = (_span(path) for path in paths)
    grid = np.empty((resolution, resolution))
    kept = first.weight, second.weight
    try:
        for i, y in enumerate(np.linspace(*ys, resolution)):
            for j, x in enumerate(np.linspace(*xs, resolution)):
                first.weight, second.weight = x, y
                grid[i, j] = network.evaluate(inputs, targets)
    finally:
        first.weight, second.weight = kept
    figure, ax = _figure(width=6.0, height=5.0)
    contours = ax.contourf(np.linspace(*xs, resolution), np.linspace(*ys, resolution), grid, levels=24,
                           cmap="viridis")
    figure.colorbar(contours, ax=ax, label="loss")
    ax.plot(*paths, color="white", lw=1.5)
    ax.plot(paths[0][0], paths[1][0], "o", color="white", label="start")
    ax.plot(paths[0][-1], paths[1][-1], "*", color="#ffb000", ms=12, label="now")
    ax.set(xlabel=f"w({first.src.name}→{first.dst.name})", ylabel=f"w({second.src.name}→{second.dst.name})",
           title="loss landscape (other weights as they are now)")
    ax.legend(fontsize=8, loc="upper right")
    return _save(figure, path)


def compare(histories, path=None, *, link):
    """Runs side by side: their loss (moving average) and one link's weight, step by step.

    ``histories`` maps a label to a history, e.g. one per momentum.

    Examples
    --------
    >>> import nodenet as nn
    >>> runs = {}
    >>> for momentum in (0.0, 0.9):
    ...     net = nn.layered([2, 1], seed=0)
    ...     _ = net.train([[0, 1], [1, 0]], [[1], [0]], epochs=20, lr=0.5, momentum=momentum)
    ...     runs[f"momentum {momentum}"] = net.history
    >>> [line.get_label() for line in compare(runs, link="i1->o1").axes[0].lines]
    ['momentum 0.0', 'momentum 0.9']
    """
    if not isinstance(histories, dict) or not histories:
        raise SettingError(f"compare takes a dict of label -> history, got {histories!r}")
    link = link_id_of(link)
    figure = Figure(figsize=(9.6, 4.0), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    losses, weights_ax = figure.subplots(1, 2)
    for label, history in histories.items():
        _check_history(history)
        _require(history.loss.size, "loss")
        history.column(link)              # names an unknown link
        steps, average, window = _moving_average(history)
        losses.plot(steps, average, lw=1.6, label=label + (f" (mean of {window} steps)" if window > 1 else ""))
        weights_ax.plot(np.concatenate([[0], history.steps]), _trajectory(history, link), lw=1.6, label=label)
    if all(np.all(h.loss > 0) for h in histories.values()):
        _log_scale(losses)
    losses.set(xlabel="step", ylabel="loss", title="loss, averaged over a fiftieth of each run")
    weights_ax.set(xlabel="step", ylabel="weight", title=f"weight of {link[0]}->{link[1]}")
    for ax in (losses, weights_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _save(figure, path)


def _moving_average(history):
    """Steps, the loss averaged over a window of about a fiftieth of the run, and the window."""
    values = history.loss
    window = max(1, len(values) // 50)
    return history.steps[window - 1:], np.convolve(values, np.ones(window) / window, mode="valid"), window


def _figure(width=6.4, height=4.0):
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _log_scale(ax):
    with np.errstate(over="ignore"):      # a diverging run's losses reach 1e300
        ax.set_yscale("log")


def _save(figure, path):
    if path is not None:
        with atomic_write(path, "wb") as handle, np.errstate(over="ignore"):
            figure.savefig(handle, format=_file_format(path))
    return figure


def _file_format(path):
    """The picture format a plot's path asks for by its suffix: PNG without one.

    Examples
    --------
    >>> _file_format("loss.svg"), _file_format("out/loss")
    ('svg', 'png')
    """
    suffix = Path(as_path(path, "the plot's path")).suffix.lower().lstrip(".")
    known = set(FigureCanvasAgg.get_supported_filetypes()) - {"pgf"}        # pgf would need LaTeX
    if suffix and suffix not in known:
        raise SettingError(f"cannot write a plot as '.{suffix}' ({path}): end the path in one of "
                           f"{', '.join('.' + name for name in sorted(known))}")
    return suffix or "png"


def _check_history(history):
    if not isinstance(history, History):
        raise SettingError(f"plots take a network's history (net.history), got {history!r}")


def _require(size, what):
    if not size:
        raise SettingError(f"the history has no recorded steps to plot {what} of: train the network first")


def _chosen(history, links):
    if isinstance(links, str) and links.startswith("top:"):
        try:
            count = int(links[4:])
        except ValueError:
            count = 0
        if count < 1:
            raise SettingError(f"links='top:K' needs a whole number K of at least 1, got {links!r}")
        return [link for link, _ in history.top_changed(count)]
    if links == "all":
        return list(history.link_ids)
    if isinstance(links, str) or not isinstance(links, (list, tuple)):
        raise SettingError(f"links must be 'top:K', 'all' or a list of links, got {links!r}")
    return list(links)


def _two_links(network, links):
    if isinstance(links, str) or not isinstance(links, (list, tuple)) or len(links) != 2:
        raise SettingError(f"links must be a list of two links, like [('h1', 'o1'), ('h2', 'o1')], got {links!r}")
    first, second = (network.link(*link_id_of(link)) for link in links)
    if first is second:
        raise SettingError(f"links must be two different links, got {first.id} twice")
    return first, second


def _trajectory(history, link_id, now=None):
    """A link's weight before the first step and after each recorded step."""
    if history.link_ids is None or link_id not in history.link_ids:
        return np.array([now])
    column = history.column(link_id)
    return np.concatenate([[history.initial[column]], history.array("weight")[:, column]])


def _span(path):
    low, high = float(path.min()), float(path.max())
    margin = max(0.5 * (high - low), 0.5)
    return low - margin, high + margin
