"""Layout, frame pictures against a reference image, text, and the notebook views."""

import dataclasses
import io
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import Normalize, to_rgba
from matplotlib.figure import Figure
from PIL import Image

import nodenet as nn
from nodenet.layout import WIDTH_OF_Y, depths, link_path, link_paths, positions, radius
from nodenet.boundary import Boundary
from nodenet.events import number
from nodenet.render import (BOUNDARY_MAP, CAPTION_WIDTH, FOCUS, WAITING_EDGE, WAITING_FACE, Canvas, FrameArtists,
                            Scene, fit_caption, frame_text, link_looks)
from dags import random_dag, random_samples
from golden import INPUTS, LR, TARGETS, golden_network, traced_golden

REFERENCES = Path(__file__).parent / "reference"


@pytest.fixture
def golden(golden_tracer):
    return golden_tracer


@pytest.fixture(scope="module")
def golden_steps():
    return traced_golden("step", epochs=3)


def differs(picture, name):
    """The pixels of ``picture`` off by more than 48 levels in some channel from the reference image ``name``."""
    reference = np.asarray(Image.open(REFERENCES / name).convert("RGB")).astype(int)
    assert picture.shape == reference.shape == (480, 640, 3)
    return int((np.abs(picture.astype(int) - reference).max(axis=2) > 48).sum())


def test_golden_frames_match_the_reference_images(golden, golden_steps):
    # a pull frame: δ rings, the focus, values; an update frame: glows, written changes, a step's caption
    assert differs(Canvas(Scene.from_tracer(golden)).rgb(golden.frames[7]), "golden_pull_h1.png") <= 20
    assert differs(Canvas(Scene.from_tracer(golden_steps)).rgb(golden_steps.frames[1]), "golden_step_2.png") <= 20


def test_the_reference_check_notices_a_change(golden, golden_steps):
    net = golden_network()
    net.link("h1", "o1").weight = -0.4         # one link changes sign: blue turns red
    tracer = nn.Tracer(net, detail="op")
    net.train([INPUTS], [TARGETS], epochs=1, lr=LR, tracer=tracer)
    assert differs(Canvas(Scene.from_tracer(tracer)).rgb(tracer.frames[7]), "golden_pull_h1.png") > 500
    canvas = Canvas(Scene.from_tracer(golden_steps))
    frame = golden_steps.frames[1]
    assert differs(canvas.rgb(dataclasses.replace(frame, epoch=3)), "golden_step_2.png") > 20       # one digit
    assert differs(canvas.rgb(dataclasses.replace(frame, changes={})), "golden_step_2.png") > 500   # no glows


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


def _distance(point, path):
    """The least distance from ``point`` to the polyline ``path``, a length in y counting 1/WIDTH_OF_Y in x."""
    scale = np.array([1 / WIDTH_OF_Y, 1.0])
    p, a, b = np.asarray(point) * scale, path[:-1] * scale, path[1:] * scale
    t = np.clip(np.sum((p - a) * (b - a), axis=1) / np.maximum(np.sum((b - a) ** 2, axis=1), 1e-300), 0, 1)
    return float(np.min(np.hypot(*(a + t[:, None] * (b - a) - p).T)))


@pytest.mark.parametrize("seed", range(12))
def test_skip_links_pass_clear_of_the_neurons_they_cross(seed):
    net = random_dag(seed)
    frame = nn.snapshot(net)
    scene = Scene.of(net, [frame])
    artists = FrameArtists(Figure().add_subplot(), scene)
    clear = radius(scene.tallest)
    for (src, dst), path in zip(scene.link_ids, artists.paths):
        (x0, _), (x1, _) = scene.pos[src], scene.pos[dst]
        for name, (x, y) in scene.pos.items():
            if x0 < x < x1:
                assert _distance((x, y), path) > clear, f"{src}->{dst} runs through {name}"
    top = max(path[:, 1].max() for path in artists.paths)
    assert artists.ax.get_ylim()[1] > top   # every arc is inside the picture


def test_arcs_over_a_long_chain_of_close_columns_pass_clear(recwarn):
    pos = {f"n{i}": (i / 20, 0.5) for i in range(21)}
    links = [(f"n{a}", f"n{b}") for a in range(21) for b in range(a + 2, 21, 3)]
    paths = link_paths(pos, links, [int(b[1:]) - int(a[1:]) for a, b in links], clearance=0.1)
    for (a, b), path in zip(links, paths):
        for k in range(int(a[1:]) + 1, int(b[1:])):
            assert _distance(pos[f"n{k}"], path) > 0.07, f"{a}->{b} runs through n{k}"
    assert [str(w.message) for w in recwarn] == []


def test_neighbours_in_a_column_of_ten_do_not_touch():
    net = nn.layered([3, 10, 10, 2], seed=0)
    frame = nn.snapshot(net)
    scene = Scene.of(net, [frame])
    canvas = Canvas(scene)
    diameter = (np.sqrt(canvas.artists.size) + canvas.artists.ring + 1) * canvas.figure.dpi / 72    # pixels, ringed
    gap = canvas._pixels(*scene.pos["h1_2"])[1] - canvas._pixels(*scene.pos["h1_1"])[1]
    assert scene.tallest == 11 and 0.7 * gap < diameter < 0.9 * gap


@pytest.mark.parametrize("sizes, figsize", [([2, 4, 4, 4, 4, 4, 4, 4, 1], (6.4, 4.8)), ([2] * 15 + [1], (6.4, 4.8)),
                                            ([2, 4, 4, 4, 4, 4, 4, 4, 1], (3, 6))])
def test_neighbours_in_a_row_of_many_columns_do_not_touch(sizes, figsize):
    net = nn.layered(sizes, seed=0)
    frame = nn.snapshot(net)
    scene = Scene.of(net, [frame])
    ax = Figure(figsize=figsize, dpi=100).add_subplot()
    artists = FrameArtists(ax, scene)
    diameter = (np.sqrt(artists.size) + artists.ring + 1) * 100 / 72            # pixels, with the widest ring
    places = ax.transData.transform(np.array(list(scene.pos.values())))
    gaps = [np.hypot(*(a - b)) for i, a in enumerate(places) for b in places[i + 1:]]
    assert min(gaps) > diameter


def test_a_caption_keeps_every_formula_and_its_result():
    net = nn.layered([2, 8, 8, 1], seed=0)
    tracer = nn.Tracer(net, detail="op")
    net.train([[0.3, 0.7]], [[1.0]], epochs=1, lr=0.5, tracer=tracer)
    scene = Scene.from_tracer(tracer)
    paths = FrameArtists(Figure().add_subplot(), scene).paths
    push = next(f for f in tracer.frames if f.focus == "o1" and f.phase == "forward")
    values = next(e for e in tracer.events if e.kind == "push" and e.target == "o1").values
    net_o1, out_o1 = number(values["net"]), number(values["out"])
    terms = [f"{number(t['weight'])} * {number(t['out'])}" for t in values["terms"]]
    assert len(terms) == 9 and len(push.caption) > 3 * CAPTION_WIDTH      # 8 sources and a bias: too long whole
    assert frame_text(scene, push, paths).caption == [
        f"net_o1 = {terms[0]} + {terms[1]} + {terms[2].split(' * ')[0]} *",
        f"{terms[2].split(' * ')[1]} + {terms[3]} + ... (5 more terms) = {net_o1}",
        f"out_o1 = sigmoid(net_o1) = sigmoid({net_o1}) = {out_o1}"]


def _results(part):
    """What a formula must keep: its result, and a note after it in parentheses with the note's result."""
    sides = part.split(" = ")
    return sides[-2:] if part.endswith(")") and "(" in sides[-2] else sides[-1:]


@pytest.mark.parametrize("seed", [0, 3, 6, 9, 12, 13, 15, 18, 21, 24])   # 13 pulls an output that feeds others
def test_every_caption_of_a_random_dag_keeps_its_results(seed):
    net = random_dag(seed)
    inputs, targets = random_samples(net, seed, n=2)
    tracer = nn.Tracer(net, detail="op")
    net.train(inputs, targets, epochs=1, lr=0.3, momentum=0.9, tracer=tracer)
    for frame in tracer.frames:
        caption = fit_caption(frame.caption)
        assert len(caption) <= 3 and all(len(line) <= CAPTION_WIDTH for line in caption)
        shown = " ".join(caption)
        for part in frame.caption.split("; "):
            assert all(result in shown for result in _results(part)), (part, caption)


def test_a_pulled_output_keeps_its_loss_error_note():
    caption = ("error_c0 = dE/dout_c0 + 0.180269599 * 0.0140571758 + -0.136042916 * -0.000105934109 + "
               "-0.174164604 * 0.00167258002 + ... (2 more terms) = -0.0213896378 (dE/dout_c0 = 0.148052751); "
               "delta_c0 = error_c0 * sigmoid'(net_c0) = -0.0213896378 * 0.241300709 = -0.00516134")
    assert fit_caption(caption) == [
        "error_c0 = dE/dout_c0 + 0.180269599 * 0.0140571758 + -0.136042916 * -0.000105934109",
        "+ ... (3 more terms) = -0.0213896378 (dE/dout_c0 = 0.148052751)",
        "delta_c0 = error_c0 * sigmoid'(net_c0) = -0.0213896378 * 0.241300709 = -0.00516134"]
    assert fit_caption(caption, width=40) == [
        "error_c0 = ... = -0.0213896378", "(dE/dout_c0 = 0.148052751)", "delta_c0 = ... = -0.00516134"]


def test_captions_of_your_own_are_fitted_too():
    mine = "total = " + " + ".join(["term"] * 40) + " + ... (and so on) = 1"
    assert fit_caption(mine)[-1].endswith("+ ... (10 more terms) = 1")
    assert fit_caption("a; b; c; d; e") == ["a; b; c; d; e"]        # more formulas than lines share them


def test_fit_caption_cuts_the_longest_sum_first_and_keeps_short_captions_whole():
    assert fit_caption("E = 0.5; x = 1") == ["E = 0.5", "x = 1"]
    forty = "a = " + " + ".join(["1"] * 40) + " = 40"
    assert fit_caption(f"{forty}; b = 2 + 3 = 5", width=20, lines=3) == [
        "a = 1 + 1 + 1 + ...", "(37 more terms) = 40", "b = 2 + 3 = 5"]
    # terms an event left out already are counted with those cut here
    assert fit_caption("a = 1 + 1 + ... (7 more terms) = 9; b = 2", width=30, lines=2) == [
        "a = 1 + ... (8 more terms) = 9", "b = 2"]


def test_frame_text(golden):
    scene = Scene.from_tracer(golden)
    artists = FrameArtists(Figure().add_subplot(), scene)
    text = frame_text(scene, golden.frames[16], artists.paths)
    assert text.title == "update · step 1 · epoch 1 · loss 0.298371"
    assert text.caption == ["dw(h2->o2) = -0.5 * -0.0227402422 + 0 * 0 = 0.0113701211",
                            "w(h2->o2) = 0.55 + 0.0113701211 = 0.561370121"]
    assert [words for _, _, words in text.changes] == ["Δw +0.0114"]
    assert ("δ -0.0381" in [words for _, _, words in text.values])


def test_each_change_is_written_on_its_own_link_away_from_the_others(golden_steps):
    scene = Scene.from_tracer(golden_steps)
    paths = FrameArtists(Figure().add_subplot(), scene).paths
    for frame in golden_steps.frames:
        text = frame_text(scene, frame, paths)
        largest = sorted(frame.changes, key=lambda link: -abs(frame.changes[link]))[:3]
        assert [words for _, _, words in text.changes] == [f"Δw {frame.changes[link]:+.3g}" for link in largest]
        for (x, y, _), link in zip(text.changes, largest):
            own = scene.link_ids.index(link)
            assert _distance((x, y), paths[own]) < 1e-12
            assert min(_distance((x, y), path) for j, path in enumerate(paths) if j != own) > 0.05
        assert text.title.endswith(f"· loss {frame.loss:.6g}")


def test_forward_frames_and_pictures_of_a_network_name_the_loss_they_show():
    tracer = traced_golden("phase", epochs=2)
    scene = Scene.from_tracer(tracer)
    paths = FrameArtists(Figure().add_subplot(), scene).paths
    titles = [frame_text(scene, frame, paths).title for frame in tracer.frames]
    assert titles[:2] == ["forward · step 1 · epoch 1 · loss n/a", "loss · step 1 · epoch 1 · loss 0.298371"]
    assert titles[4] == "forward · step 2 · epoch 2 · last step's loss 0.298371"
    frame = nn.snapshot(tracer.network)
    assert frame_text(scene, frame, paths).title == f"after 2 steps · last step's loss {frame.loss:.6g}"


def test_neurons_a_push_or_pull_has_not_reached_are_grey_and_say_so(golden):
    scene = Scene.from_tracer(golden)
    assert (scene.forward, scene.backward) == (("h1", "h2", "o1", "o2"), ("o1", "o2", "h1", "h2"))
    paths = FrameArtists(Figure().add_subplot(), scene).paths
    push_h2, pull_h1, update = golden.frames[1], golden.frames[7], golden.frames[16]
    assert (push_h2.focus, pull_h1.focus, update.phase) == ("h2", "h1", "update")
    values = {name: words for name, (_, _, words) in zip(scene.neuron_names, frame_text(scene, push_h2, paths).values)}
    assert (values["h2"], values["o1"], values["o2"]) == ("out 0.597", "out not yet", "out not yet")
    values = {name: words for name, (_, _, words) in zip(scene.neuron_names, frame_text(scene, pull_h1, paths).values)}
    assert (values["h1"], values["h2"], values["o1"]) == ("δ 0.00877", "δ not yet", "δ 0.138")
    assert not scene.waiting(update).any()
    artists = FrameArtists(Figure().add_subplot(), scene)
    artists.draw(push_h2)
    faces, edges = artists.neurons.get_facecolor(), artists.neurons.get_edgecolor()
    grey = [scene.neuron_names.index(name) for name in ("o1", "o2")]
    assert np.allclose(faces[grey], to_rgba(WAITING_FACE)) and np.allclose(edges[grey], to_rgba(WAITING_EDGE))
    assert not np.allclose(faces[scene.neuron_names.index("h2")], to_rgba(WAITING_FACE))
    artists.draw(pull_h1)
    h2 = scene.neuron_names.index("h2")
    assert np.allclose(artists.neurons.get_edgecolor()[h2], to_rgba(WAITING_EDGE))
    assert artists.neurons.get_linewidth()[h2] == 1.0


def test_frames_of_a_mini_batch_step_say_which_sample_they_show_and_whose_loss():
    net = nn.layered([2, 2, 1], seed=3)
    xor = ([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
    tracer = nn.Tracer(net, detail="phase")
    net.train(*xor, epochs=1, lr=0.5, batch_size=2, shuffle=False, tracer=tracer)
    scene = Scene.from_tracer(tracer)
    paths = FrameArtists(Figure().add_subplot(), scene).paths
    titles = [frame_text(scene, frame, paths).title for frame in tracer.frames]
    losses = [event.values["value"] for event in tracer.events if event.kind == "loss"]
    assert titles[:8] == [
        "forward · step 1 · sample 1 of 2 · epoch 1 · loss n/a",
        f"loss · step 1 · sample 1 of 2 · epoch 1 · sample 1's loss {losses[0]:.6g}",
        f"backward · step 1 · sample 1 of 2 · epoch 1 · sample 1's loss {losses[0]:.6g}",
        f"forward · step 1 · sample 2 of 2 · epoch 1 · sample 1's loss {losses[0]:.6g}",
        f"loss · step 1 · sample 2 of 2 · epoch 1 · sample 2's loss {losses[1]:.6g}",
        f"backward · step 1 · sample 2 of 2 · epoch 1 · sample 2's loss {losses[1]:.6g}",
        f"update · step 1 · sample 2 of 2 · epoch 1 · sample 2's loss {losses[1]:.6g}",
        f"forward · step 2 · sample 1 of 2 · epoch 1 · last step's loss {net.history.loss[0]:.6g}"]
    online = nn.Tracer(nn.layered([2, 2, 1], seed=3), detail="phase")
    online.network.train(*xor, epochs=1, lr=0.5, tracer=online)
    assert all(scene_sample == (1, 1) for scene_sample in map(Scene.from_tracer(online).sample, online.frames))


def test_in_the_wave_order_an_update_frame_greys_the_neurons_not_pulled_yet(golden):
    tracer = traced_golden("op", order="wave")
    scene = Scene.from_tracer(tracer)
    waiting = {frame.focus: [name for name, later in zip(scene.neuron_names, scene.waiting(frame)) if later]
               for frame in tracer.frames if frame.phase == "update"}
    assert scene.wave and not Scene.from_tracer(golden).wave
    assert waiting[("h1", "o1")] == waiting[("h1", "o2")] == ["h2"]          # h1 pulled and updated, h2 not yet
    assert waiting[("h2", "o1")] == waiting[("i1", "h1")] == []


def test_an_update_frames_link_glows_orange_and_glows_are_on_the_traces_scale(golden):
    scene = Scene.from_tracer(golden)
    update = golden.frames[16]                    # dw(h2->o2) = 0.0113701211
    looks = link_looks(scene, update)
    k = scene.link_ids.index(("h2", "o2"))
    assert update.focus == ("h2", "o2") and np.allclose(looks.glow_colors[k], to_rgba(FOCUS))
    largest = max(abs(dw) for frame in golden.frames for dw in frame.changes.values())
    assert scene.max_change == largest
    share = np.sqrt(0.0113701211 / largest)
    assert looks.glow_widths[k] - looks.widths[k] == pytest.approx(max(3 + 8 * share, 6))
    others = [j for j in range(len(scene.link_ids)) if j != k]
    assert (looks.glow_widths[others] == 0).all()         # one update changes one link


def test_values_under_neurons_print_no_negative_zero():
    net = nn.layered([1, 1, 1], activation="relu", bias=False, seed=0)
    net.link("i1", "h1").weight = -1.0          # h1 is off: its delta is -0.0 or 0.0
    tracer = nn.Tracer(net, detail="phase")
    net.train([[1.0]], [[1.0]], epochs=1, lr=0.1, tracer=tracer)
    scene = Scene.from_tracer(tracer)
    paths = FrameArtists(Figure().add_subplot(), scene).paths
    backward = next(frame for frame in tracer.frames if frame.phase == "backward")
    values = [words for _, _, words in frame_text(scene, backward, paths).values]
    assert values[1] == "δ 0" and not any("-0" == words.split()[-1] for words in values)


def test_on_your_own_axes_the_changed_links_are_drawn_last(golden_steps):
    scene = Scene.from_tracer(golden_steps)
    artists = FrameArtists(Figure().add_subplot(), scene)
    frame = golden_steps.frames[1]
    artists.draw(frame)
    changed = [k for k, link in enumerate(scene.link_ids) if link in frame.changes]
    unchanged = [k for k in range(len(scene.link_ids)) if k not in changed]
    segments = artists.links.get_segments()
    assert len(changed) == 8 and len(segments) == 12
    assert all(np.array_equal(segment, artists.paths[k]) for segment, k in zip(segments, unchanged + changed))
    looks = link_looks(scene, frame)
    assert np.allclose(artists.links.get_linewidth(), looks.widths[unchanged + changed])


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
