"""Layout, frame pictures against a reference image, text, and the notebook views."""

import io
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from PIL import Image

import nodenet as nn
from nodenet.layout import depths, link_path, positions
from nodenet.boundary import Boundary
from nodenet.render import BOUNDARY_MAP, Canvas, FrameArtists, Scene, frame_text
from dags import random_dag
from golden import INPUTS, LR, TARGETS, golden_network

REFERENCE = Path(__file__).parent / "reference" / "golden_pull_h1.png"


@pytest.fixture
def golden(golden_tracer):
    return golden_tracer


def test_golden_frame_matches_the_reference_image(golden):
    picture = Canvas(Scene.from_tracer(golden)).rgb(golden.frames[7]).astype(int)
    reference = np.asarray(Image.open(REFERENCE).convert("RGB")).astype(int)
    assert picture.shape == reference.shape == (480, 640, 3)
    difference = np.abs(picture - reference)
    assert difference.mean() < 0.5
    assert (difference.max(axis=2) > 48).mean() < 0.002


def test_the_reference_check_notices_a_change(golden):
    net = golden_network()
    net.link("h1", "o1").weight = -0.4         # one link changes sign: blue turns red
    tracer = nn.Tracer(net, detail="op")
    net.train([INPUTS], [TARGETS], epochs=1, lr=LR, tracer=tracer)
    picture = Canvas(Scene.from_tracer(tracer)).rgb(tracer.frames[7]).astype(int)
    reference = np.asarray(Image.open(REFERENCE).convert("RGB")).astype(int)
    assert (np.abs(picture - reference).max(axis=2) > 48).mean() > 0.002


def test_a_network_without_links_is_drawn():
    net = nn.Network(loss="half_sse")
    net.add_input("x")
    net.add_neuron("o", output=True)
    frame = nn.snapshot(net)
    picture = Canvas(Scene.of(net, [frame])).rgb(frame)
    assert picture.shape == (480, 640, 3) and (picture < 128).any()       # its neurons and words


def test_golden_layout():
    pos = positions(golden_network())
    assert pos == {"i1": (0.0, 1.0), "i2": (0.0, 0.5), "b1": (0.0, 0.0), "b2": (0.5, 0.0),
                   "h1": (0.5, 1.0), "h2": (0.5, 0.5), "o1": (1.0, 0.75), "o2": (1.0, 0.25)}


def test_skip_links_are_arcs_and_everything_fits():
    net = random_dag(5)
    depth = depths(net)
    pos = positions(net)
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in pos.values())
    assert all(depth[link.dst.name] > depth[link.src.name] for link in net.links)
    skip = [link for link in net.links if depth[link.dst.name] - depth[link.src.name] > 1]
    assert skip
    (x0, y0), (x1, y1) = pos[skip[0].src.name], pos[skip[0].dst.name]
    arc = link_path((x0, y0), (x1, y1), 2)
    chord = y0 + (arc[:, 0] - x0) / (x1 - x0) * (y1 - y0)
    assert len(arc) == 24 and np.allclose([arc[0], arc[-1]], [(x0, y0), (x1, y1)])
    assert 0.075 < np.max(arc[:, 1] - chord) <= 0.08 + 1e-12     # bows up by 0.04 * span at its middle


def test_scales_are_fixed_over_the_whole_trace(golden):
    scene = Scene.from_tracer(golden)
    assert scene.max_weight == max(np.abs(f.links["weight"]).max() for f in golden.frames) == 0.6
    assert scene.max_delta == pytest.approx(0.138498562, abs=1e-9)


def test_frame_text(golden):
    scene = Scene.from_tracer(golden)
    artists = FrameArtists(Figure().add_subplot(), scene)
    text = frame_text(scene, golden.frames[16], artists.paths)
    assert text.title == "update · step 1 · epoch 1 · loss 0.298371"
    assert text.caption == ["dw(h2->o2) = -0.5 * -0.0227402422 + 0 * 0 = 0.0113701211",
                            "w(h2->o2) = 0.55 + 0.0113701211 = 0.561370121"]
    assert [words for _, _, words in text.changes] == ["Δw +0.0114"]
    assert ("δ -0.0381" in [words for _, _, words in text.values])


def test_drawing_on_your_own_axes(golden):
    ax = Figure().add_subplot()
    artists = nn.render.draw_frame(ax, golden.frames[4], Scene.from_tracer(golden))
    titles = [a.get_text() for a in artists if hasattr(a, "get_text")]
    assert "loss · step 1 · epoch 1 · loss 0.298371" in titles
    assert any(t.startswith("E = E_o1 + E_o2") for t in titles)


def test_artists_are_reused_from_frame_to_frame(golden):
    canvas = Canvas(Scene.from_tracer(golden))
    canvas.rgb(golden.frames[0])
    before = list(canvas.ax.get_children())
    canvas.rgb(golden.frames[9])
    assert canvas.ax.get_children() == before


def test_a_picture_of_a_network_in_a_notebook():
    png = golden_network()._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(png)).size == (480, 360)


def test_a_tracer_in_a_notebook_is_a_player(golden):
    html = golden._repr_html_()
    assert html.count(".push(\"data:image/png;base64,") == 17
    assert 'data-do="play"' in html and "<!DOCTYPE" not in html
    assert nn.Tracer(golden_network())._repr_html_().startswith("<pre>Tracer(")


def test_a_large_net_draws_without_labels():
    net = nn.layered([64, 32, 10], seed=0)
    frame = nn.snapshot(net)
    scene = Scene.of(net, [frame])
    assert frame_text(scene, frame, FrameArtists(Figure().add_subplot(), scene).paths).names == []
    assert Canvas(scene).rgb(frame).shape == (480, 640, 3)


def test_boundary_values_are_the_networks_outputs_over_a_grid_around_the_samples():
    net = nn.layered([2, 2, 1], seed=0)
    boundary = Boundary.of(net, [[0, 0], [1, 2]], [[0], [1]], resolution=5)
    assert boundary.extent == pytest.approx((-0.15, 1.15, -0.3, 2.3))
    values = boundary.values(net.state.weight)
    # row r, column c is the point (x_c, y_r), rows from the bottom
    xs, ys = np.linspace(-0.15, 1.15, 5), np.linspace(-0.3, 2.3, 5)
    assert values[3, 1] == net.forward([xs[1], ys[3]])[0]
    assert boundary.value_range == (0.0, 1.0)
    with pytest.raises(nn.SettingError, match="a decision boundary needs a network with 2 inputs and 1 output, "
                                              "this one has 2 and 2"):
        Boundary.of(nn.layered([2, 2]), [[0, 0]], [[0, 0]])


def test_export_with_a_boundary_draws_the_board_beside_the_network(tmp_path):
    net = nn.layered([2, 2, 1], seed=0)
    tracer = nn.Tracer(net, detail="epoch")
    X, Y = [[0, 0], [1, 1]], [[0], [1]]
    net.train(X, Y, epochs=2, lr=0.5, tracer=tracer)
    boundary = Boundary.of(net, X, Y)
    picture = Canvas(Scene.from_tracer(tracer, boundary)).rgb(tracer.frames[-1]).astype(int)
    # the board spans pixels x 406..624, y 107..325; its middle shows the output at the grid's middle
    middle = boundary.values(tracer.frames[-1].links["weight"])[31:33, 31:33].mean()
    expected = np.array(BOUNDARY_MAP(Normalize(0, 1)(middle))[:3]) * 255
    assert np.abs(picture[216, 515] - expected).max() < 8
    with pytest.raises(nn.SettingError, match=r"boundary= takes the samples as \(inputs, targets\), got ndarray"):
        tracer.export(tmp_path / "a.gif", boundary=np.zeros((2, 2)))
