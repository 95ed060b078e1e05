"""Plots: each writes a PNG of the expected data; the landscape leaves the network as it was."""

from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image

import nodenet as nn

XOR = ([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])


@pytest.fixture(scope="module")
def trained():
    net = nn.layered([2, 2, 1], seed=3)
    net.train(*XOR, epochs=50, lr=0.5, momentum=0.9)
    return net


def png_size(path):
    with Image.open(path) as image:
        return image.format, image.size


def test_loss_plot(trained, tmp_path):
    figure = nn.plots.loss(trained.history, tmp_path / "loss.png")
    assert png_size(tmp_path / "loss.png") == ("PNG", (640, 400))
    line = figure.axes[0].lines[0]
    assert line.get_ydata().tolist() == trained.history.loss.tolist()


def test_weights_plot_shows_the_links_that_moved_most(trained, tmp_path):
    figure = nn.plots.weights(trained.history, tmp_path / "weights.png", links="top:3")
    labels = [line.get_label() for line in figure.axes[0].lines]
    assert labels == [f"{s} → {d}" for (s, d), _ in trained.history.top_changed(3)]
    first = figure.axes[0].lines[0]
    column = trained.history.column(trained.history.top_changed(1)[0][0])
    assert first.get_ydata()[0] == trained.history.initial[column]
    assert len(first.get_ydata()) == 201
    assert png_size(tmp_path / "weights.png")[0] == "PNG"
    chosen = nn.plots.weights(trained.history, links=["i1->h1", ("h2", "o1")])
    assert [line.get_label() for line in chosen.axes[0].lines] == ["i1 → h1", "h2 → o1"]


def test_changes_heatmap(trained, tmp_path):
    figure = nn.plots.changes(trained.history, tmp_path / "changes.png")
    image = figure.axes[0].images[0].get_array()
    assert image.shape == (9, 200)
    assert np.array_equal(image, trained.history.array("dw").T)
    assert png_size(tmp_path / "changes.png")[0] == "PNG"


def test_changes_heatmap_bins_long_runs():
    net = nn.layered([2, 1], seed=0)
    net.train([[0, 1]], [[1]], epochs=2000, lr=0.1)
    image = nn.plots.changes(net.history).axes[0].images[0].get_array()
    assert image.shape == (3, 800)
    assert np.sum(image) == pytest.approx(net.history.array("dw").sum(), rel=1e-9)


def test_changes_of_a_history_without_dw_say_how_to_record_it(tmp_path):
    import matplotlib.pyplot as plt
    net = nn.layered([2, 1], seed=0)
    net.history = nn.History(fields=["weight"])
    net.train([[0, 1]], [[1]], epochs=3, lr=0.1)
    open_figures = plt.get_fignums()
    with pytest.raises(nn.SettingError, match=r"this history records weight, not dw: to record it, give the "
                                              r"network nn.History\(fields=\('weight', 'dw', 'grad'\)\)"):
        nn.plots.changes(net.history, tmp_path / "changes.png")
    assert not (tmp_path / "changes.png").exists() and plt.get_fignums() == open_figures
    drawn = nn.plots.weights(net.history, links=[net.links[0]]).axes[0].lines[0].get_ydata().tolist()
    assert drawn[1:] == net.history.weights(net.links[0]).tolist()


def test_landscape(trained, tmp_path):
    before = trained.state.snapshot()
    figure = nn.plots.landscape(trained, *XOR, links=[("h1", "o1"), "h2->o1"], path=tmp_path / "land.png",
                                resolution=15)
    after = trained.state.snapshot()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    ax = figure.axes[0]
    path = ax.lines[0]
    assert path.get_xdata()[-1] == trained.link("h1", "o1").weight
    assert path.get_ydata()[0] == trained.history.initial[trained.history.column(("h2", "o1"))]
    assert png_size(tmp_path / "land.png")[0] == "PNG"


def test_compare_plots_each_runs_moving_average_and_one_links_weights(tmp_path):
    runs = {}
    for momentum in (0.0, 0.9):
        net = nn.layered([2, 2, 1], seed=3)
        net.train(*XOR, epochs=50, lr=0.5, momentum=momentum)
        runs[f"momentum {momentum}"] = net
    figure = nn.plots.compare({k: n.history for k, n in runs.items()}, tmp_path / "c.png", link=("h1", "o1"))
    assert png_size(tmp_path / "c.png") == ("PNG", (960, 400))
    losses, weights = figure.axes
    for line, net in zip(weights.lines, runs.values()):
        start = net.history.initial[net.history.column("h1->o1")]
        assert line.get_ydata().tolist() == [start] + net.history.weights("h1->o1").tolist()
    window = 200 // 50
    expected = np.convolve(runs["momentum 0.9"].history.loss, np.ones(window) / window, mode="valid")
    np.testing.assert_allclose(losses.lines[1].get_ydata(), expected, rtol=1e-12)
    assert [line.get_label() for line in losses.lines] == ["momentum 0.0 (mean of 4 steps)",
                                                           "momentum 0.9 (mean of 4 steps)"]
    with pytest.raises(nn.UnknownNameError, match="no link h9->o1 in this history"):
        nn.plots.compare({k: n.history for k, n in runs.items()}, link="h9->o1")
    with pytest.raises(nn.SettingError, match="compare takes a dict of label -> history"):
        nn.plots.compare([], link="h1->o1")


def test_a_plot_is_written_in_the_format_its_suffix_names(trained, tmp_path):
    nn.plots.loss(trained.history, tmp_path / "loss.svg")
    nn.plots.loss(trained.history, tmp_path / "loss.PDF")
    nn.plots.loss(trained.history, tmp_path / "loss.jpg")
    nn.plots.loss(trained.history, tmp_path / "loss")
    root = ElementTree.parse(tmp_path / "loss.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("width") == "460.8pt"     # 6.4 inches
    assert (tmp_path / "loss.PDF").read_bytes()[:5] == b"%PDF-"
    assert png_size(tmp_path / "loss.jpg") == ("JPEG", (640, 400))
    assert png_size(tmp_path / "loss") == ("PNG", (640, 400))


def test_a_landscape_checks_its_path_before_working_out_the_surface(trained, monkeypatch, tmp_path):
    passes = []
    monkeypatch.setattr(nn.Network, "evaluate", lambda *args: passes.append(args))
    with pytest.raises(nn.SettingError, match=r"cannot write a plot as '\.doc'"):
        nn.plots.landscape(trained, *XOR, links=["h1->o1", "h2->o1"], path="surface.doc")
    with pytest.raises(nn.FileAccessError, match="cannot write '.*': it is a directory, not a file name"):
        nn.plots.landscape(trained, *XOR, links=["h1->o1", "h2->o1"], path=tmp_path)
    assert passes == []


def test_many_weight_trajectories_are_drawn_without_a_legend(recwarn):
    net = nn.layered([2, 8, 8, 1], seed=0)
    net.train(*XOR, epochs=3, lr=0.5)
    figure = nn.plots.weights(net.history, links="all")
    figure.canvas.draw()
    ax = figure.axes[0]
    assert len(ax.lines) == 105 and ax.get_legend() is None
    assert ax.get_title() == "weight trajectories of 105 links (too many to name)"
    assert [str(w.message) for w in recwarn] == []
    assert nn.plots.weights(net.history, links="top:16").axes[0].get_legend() is not None


def test_plot_errors():
    fresh = nn.layered([2, 1], seed=0)
    with pytest.raises(nn.SettingError, match="the history has no recorded steps to plot loss"):
        nn.plots.loss(fresh.history)
    fresh.train([[0, 1]], [[1]], epochs=2, lr=0.1)
    with pytest.raises(nn.SettingError, match="links='top:K' needs a whole number K"):
        nn.plots.weights(fresh.history, links="top:many")


@pytest.mark.parametrize("call, message", [
    (lambda n: nn.plots.landscape(n, *XOR, links=[("h1", "o1")]), "links must be a list of two links"),
    (lambda n: nn.plots.landscape(n, *XOR, links="h1->o1"), "links must be a list of two links"),
    (lambda n: nn.plots.landscape(n, *XOR, links=["h1->o1", ("h1", "o1")]), "two different links"),
    (lambda n: nn.plots.landscape(n, *XOR, links=["h1->o1", "h2->o1"], resolution=2), "at least 3 points"),
    (lambda n: nn.plots.landscape(n, *XOR, links=["h1->o1", "h2->o1"], resolution=2.5), "resolution must be"),
    (lambda n: nn.plots.weights(n.history, links=5), "links must be 'top:K', 'all' or a list of links"),
    (lambda n: nn.plots.weights(n.history, links="top:0"), "links='top:K' needs a whole number K of at least 1, "
                                                           "got 'top:0'"),
    (lambda n: nn.plots.loss(n.history, path="loss.doc"), "cannot write a plot as '.doc' (loss.doc): end the "
                                                          "path in one of .avif, .eps, .gif, .jpeg, .jpg, .pdf, "
                                                          ".png, .ps, .raw, .rgba, .svg, .svgz, .tif, .tiff, .webp"),
    (lambda n: nn.plots.loss(n.history, path="."), "it is a directory"),
])
def test_plot_arguments_are_checked(trained, call, message):
    with pytest.raises(nn.NodenetError) as raised:
        call(trained)
    assert message in str(raised.value)
