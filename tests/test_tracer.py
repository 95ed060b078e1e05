"""The tracer: events in order with the golden numbers, frames and their changes, frames.json."""

import json
import re

import numpy as np
import pytest

import nodenet as nn
from golden import AFTER, HIDDEN_LINKS, INPUTS, LR, OUTPUT_LINKS, TABLE, TARGETS, agrees, golden_network, traced_golden

TRAINABLE = HIDDEN_LINKS + OUTPUT_LINKS
PHASED_SEQUENCE = ([("push", n) for n in ("h1", "h2", "o1", "o2")] + [("loss", None)]
                   + [("pull", n) for n in ("o1", "o2", "h1", "h2")] + [("update", l) for l in TRAINABLE])
BEFORE = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]


def numbers_in(text):
    return [float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?|-?\d+", text)]


def shows(text, printed):
    """The text holds a number that agrees with ``printed`` to every printed digit."""
    return any(agrees(x, printed) for x in numbers_in(text))


def test_golden_step_at_op_detail_is_the_exact_sequence_of_events():
    tracer = traced_golden("op")
    assert [(e.kind, e.target) for e in tracer.events] == PHASED_SEQUENCE
    assert {(e.step, e.epoch) for e in tracer.events} == {(1, 1)}
    assert [e.phase for e in tracer.events] == ["forward"] * 4 + ["loss"] + ["backward"] * 4 + ["update"] * 8


def test_golden_event_numbers_and_texts():
    tracer = traced_golden("op")
    events = {(e.kind, e.target): e for e in tracer.events}
    h1, o1 = events["push", "h1"], events["push", "o1"]
    assert agrees(h1.values["net"], TABLE["net_h1"]) and agrees(h1.values["out"], TABLE["out_h1"])
    assert h1.text.startswith("net_h1 = 0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1 = 0.3775; ")
    assert "out_h1 = sigmoid(net_h1) = sigmoid(0.3775) = 0.593269992" in h1.text
    assert agrees(events["push", "h2"].values["out"], TABLE["out_h2"])
    assert agrees(o1.values["net"], TABLE["net_o1"]) and agrees(o1.values["out"], TABLE["out_o1"])
    assert shows(o1.text, TABLE["net_o1"]) and shows(o1.text, TABLE["out_o1"])
    assert agrees(events["push", "o2"].values["out"], TABLE["out_o2"])
    loss = events["loss", None]
    assert agrees(loss.values["value"], TABLE["E_total"]) and shows(loss.text, TABLE["E_total"])
    assert loss.values["terms"] == pytest.approx({"o1": 0.274811083, "o2": 0.023560026}, abs=5e-10)
    w5 = events["update", ("h1", "o1")]
    assert agrees(w5.values["grad"], TABLE["dE/dw5"]) and shows(w5.text, TABLE["dE/dw5"])
    for link, printed, before in zip(TRAINABLE, AFTER, BEFORE):
        update = events["update", link]
        assert update.values["weight_before"] == before and update.values["velocity"] == 0.0
        assert agrees(update.values["weight_after"], printed) and shows(update.text, printed)
        assert update.values["dw"] == pytest.approx(update.values["weight_after"] - before, abs=1e-16)


def test_pull_events_carry_the_blame_of_each_uplink():
    tracer = traced_golden("op")
    pulls = {e.target: e for e in tracer.events if e.kind == "pull"}
    # a hidden->output weight serves one output's error; an input->hidden weight serves both
    assert pulls["o1"].values["blame"] == {} and agrees(pulls["o1"].values["delta"], "0.138498562")
    assert agrees(pulls["o1"].values["loss_error"], "0.74136507")
    blame = pulls["h1"].values["blame"]
    assert list(blame) == ["o1", "o2"]
    assert agrees(blame["o1"], "0.0553994247") and agrees(blame["o2"], "-0.0190491183")
    assert agrees(pulls["h1"].values["error"], "0.0363503064")
    assert pulls["h1"].values["loss_error"] is None
    assert "error_h1 = 0.4 * 0.138498562 + 0.5 * -0.0380982365 = 0.0363503064" in pulls["h1"].text


def test_op_frames_follow_the_events_and_update_frames_name_their_change():
    tracer = traced_golden("op")
    assert len(tracer.frames) == len(tracer.events) == 17
    for frame, event in zip(tracer.frames, tracer.events):
        assert (frame.focus, frame.caption, frame.phase, frame.events) == (event.target, event.text,
                                                                           event.phase, (event,))
        expected = {event.target: event.values["dw"]} if event.kind == "update" else {}
        assert frame.changes == expected
    assert tracer.frames[3].value("o2") == tracer.events[3].values["out"]
    assert tracer.frames[4].loss == tracer.events[4].values["value"]


def test_step_frame_changes_are_the_eight_trainable_links():
    tracer = traced_golden("step")
    [frame] = tracer.frames
    assert sorted(frame.changes) == sorted(TRAINABLE)
    for link, printed, before in zip(TRAINABLE, AFTER, BEFORE):
        assert agrees(frame.changes[link] + before, printed)
        assert frame.relative[link] == pytest.approx(frame.changes[link] / before, rel=1e-15)
    assert frame.caption == "step 1: loss 0.298371109"
    assert (frame.step, frame.epoch, frame.focus) == (1, 1, None)


def test_phase_frames_phased_and_wave():
    phased = traced_golden("phase")
    assert [f.phase for f in phased.frames] == ["forward", "loss", "backward", "update"]
    assert [f.caption for f in phased.frames[::2]] == ["forward: h1, h2, o1, o2 pushed",
                                                       "backward: o1, o2, h1, h2 pulled"]
    wave = traced_golden("phase", order="wave")
    assert [f.phase for f in wave.frames] == ["forward", "loss", "backward", "update", "backward", "update"]
    assert wave.frames[3].caption == "update: h1->o1, h1->o2 updated"


def test_wave_and_phased_differ_in_order_not_in_numbers():
    phased = traced_golden("op")
    wave = traced_golden("op", order="wave")
    order = [(e.kind, e.target) for e in wave.events]
    assert order[7:] == [("pull", "h1"), ("update", ("h1", "o1")), ("update", ("h1", "o2")), ("pull", "h2"),
                         ("update", ("h2", "o1")), ("update", ("h2", "o2")),
                         ("update", ("i1", "h1")), ("update", ("i1", "h2")),
                         ("update", ("i2", "h1")), ("update", ("i2", "h2"))]
    assert order != [(e.kind, e.target) for e in phased.events]
    by_target = lambda tracer: {(e.kind, e.target): e.values for e in tracer.events}
    assert by_target(wave) == by_target(phased)


def test_epoch_frames_sum_the_changes_of_an_epoch():
    net = nn.layered([2, 2, 1], seed=0)
    start = net.state.weight.copy()
    tracer = nn.Tracer(net, detail="epoch")
    X, Y = [[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]
    losses = net.train(X, Y, epochs=3, lr=0.5, momentum=0.9, tracer=tracer)
    assert [f.epoch for f in tracer.frames] == [1, 2, 3]
    assert [f.step for f in tracer.frames] == [4, 8, 12]     # the epoch's last step
    assert [f.loss for f in tracer.frames] == losses.tolist()
    moved = tracer.frames[0].weight(("i1", "h1")) - start[net.link("i1", "h1").index]
    assert tracer.frames[0].changes[("i1", "h1")] == pytest.approx(moved, rel=1e-12, abs=0)
    assert len(tracer.events) == 12 * (3 + 1 + 3 + 9)   # pushes, loss, pulls, updates


@pytest.mark.parametrize("detail", ["op", "phase"])
def test_a_new_epochs_first_frames_carry_the_last_steps_loss_not_the_epochs_mean(detail):
    xor = ([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
    net = nn.layered([2, 2, 1], seed=3)
    tracer = nn.Tracer(net, detail=detail)
    means = net.train(*xor, epochs=2, lr=0.5, shuffle=False, tracer=tracer)
    first = next(frame for frame in tracer.frames if frame.step == 5)
    assert first.phase == "forward" and first.loss == net.history.loss[3] != means[0]


def test_epoch_frames_carry_the_epochs_mean_loss():
    xor = ([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
    net = nn.layered([2, 2, 1], seed=3)
    tracer = nn.Tracer(net, detail="epoch", every=2)
    means = net.train(*xor, epochs=4, lr=0.5, shuffle=False, tracer=tracer)
    tracer.finish()
    assert [(frame.epoch, frame.loss) for frame in tracer.frames] == [(1, means[0]), (3, means[2]), (4, means[3])]


def test_finish_cuts_no_frame_once_the_network_went_on_past_its_last_whole_epoch():
    xor = ([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
    net = nn.layered([2, 2, 1], activation="linear", seed=1)
    tracer = nn.Tracer(net, detail="epoch", every=2)
    net.train(*xor, epochs=2, lr=0.05, shuffle=False, tracer=tracer)
    with pytest.raises(nn.DivergenceError):
        net.train(*xor, epochs=1, lr=1e60, shuffle=False, tracer=tracer)
    assert net.history.step_count > 8           # steps of epoch 3 were taken before it diverged
    tracer.finish()
    assert [frame.epoch for frame in tracer.frames] == [1]


def test_dead_relu_links_do_not_change_unless_momentum_moves_them():
    def run(momentum, detail):
        net = nn.Network()
        net.add_input("x")
        net.add_bias("b")
        net.add_neuron("h1", activation="relu")
        net.add_neuron("h2", activation="relu")
        net.add_neuron("o", activation="linear", output=True)
        for src, dst, w in [("x", "h1", 1.0), ("x", "h2", -1.0), ("b", "h2", 0.5),
                            ("h1", "o", 0.5), ("h2", "o", 0.5), ("b", "o", 0.0)]:
            net.connect(src, dst, weight=w)
        tracer = nn.Tracer(net, detail=detail)
        # sample 1: net_h2 = 0.3 (alive); sample 2: net_h2 = -0.5 (dead)
        net.train([[0.2], [1.0]], [[1.0], [1.0]], epochs=1, lr=0.1, momentum=momentum,
                  shuffle=False, tracer=tracer)
        return net, tracer

    dead = {("x", "h2"), ("b", "h2"), ("h2", "o")}
    _, plain = run(0.0, "step")
    assert dead <= set(plain.frames[0].changes)
    assert set(plain.frames[1].changes) == {("x", "h1"), ("h1", "o"), ("b", "o")}
    _, carried = run(0.5, "step")
    assert dead <= set(carried.frames[1].changes)
    net, ops = run(0.5, "op")
    second = {e.target: e for e in ops.events if e.kind == "update" and e.step == 2}
    for link in dead:
        assert second[link].values["grad"] == 0.0
        assert second[link].values["dw"] == 0.5 * second[link].values["velocity"] != 0.0
        assert second[link].text.endswith("(grad is 0: moved by momentum alone)")
    assert "momentum alone" not in second[("x", "h1")].text


def test_tracer_works_around_forward_backward_update():
    net = golden_network()
    with nn.Tracer(net, detail="op") as tracer:
        net.forward(INPUTS)
        net.backward(TARGETS)
        net.update(lr=LR)
    assert [(e.kind, e.target) for e in tracer.events] == PHASED_SEQUENCE
    assert net.observer is None
    assert tracer.step == 2


def test_frames_are_frozen_snapshots():
    net = nn.layered([2, 2, 1], seed=0)
    tracer = nn.Tracer(net, detail="step")
    net.train([[0, 1], [1, 0]], [[1], [1]], epochs=2, lr=0.5, tracer=tracer)
    weights = [f.links["weight"] for f in tracer.frames]
    assert all(not np.array_equal(a, b) for a, b in zip(weights, weights[1:]))
    assert weights[-1].tolist() == net.state.weight.tolist()
    with pytest.raises(ValueError):
        weights[0][0] = 1.0


def test_no_tracer_means_no_events(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("an event was made")
    monkeypatch.setattr(nn.events.Event, "__init__", refuse)
    net = nn.layered([2, 3, 1], seed=0)
    net.train([[0, 1], [1, 0]], [[1], [0]], epochs=5, lr=0.5, momentum=0.9, batch_size=2)
    net.train([[0, 1], [1, 0]], [[1], [0]], epochs=5, lr=0.5, order="wave")
    with pytest.raises(AssertionError, match="an event was made"):
        net.train([[0, 1]], [[1]], epochs=1, lr=0.5, tracer=nn.Tracer(net, detail="step"))


def test_frames_json(tmp_path):
    tracer = traced_golden("op")
    net = tracer.network
    tracer.save_json(tmp_path / "frames.json")
    data = json.loads((tmp_path / "frames.json").read_text())
    assert (data["format"], data["version"], data["detail"], data["loss"]) == ("nodenet-frames", 1, "op", "half_sse")
    assert [n["name"] for n in data["neurons"]] == ["i1", "i2", "b1", "b2", "h1", "h2", "o1", "o2"]
    assert data["neurons"][6] == {"name": "o1", "kind": "computing", "activation": "sigmoid", "output": True}
    assert [(l["src"], l["dst"]) for l in data["links"]] == [link.id for link in net.links]
    assert len(data["frames"]) == 17
    last = data["frames"][-1]
    assert last["focus"] == ["h2", "o2"] and last["phase"] == "update" and last["step"] == 1
    assert last["links"]["weight"] == net.state.weight.tolist()
    assert last["changes"] == [{"src": "h2", "dst": "o2", "dw": tracer.frames[-1].changes[("h2", "o2")],
                                "relative": tracer.frames[-1].relative[("h2", "o2")]}]
    assert last["events"][0]["values"]["weight_after"] == net.link("h2", "o2").weight
    assert data["frames"][0]["neurons"]["out"][4] == tracer.events[0].values["out"]


@pytest.mark.parametrize("detail", ["step", "epoch"])
def test_every_kth_frame_adds_up_the_changes_since_the_last(detail):
    X, Y = [[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]
    net = nn.layered([2, 2, 1], seed=0)
    tracer = nn.Tracer(net, detail=detail, every=3)
    net.train(X, Y, epochs=7, lr=0.5, momentum=0.9, tracer=tracer)
    every = nn.layered([2, 2, 1], seed=0)
    all_frames = nn.Tracer(every, detail=detail)
    every.train(X, Y, epochs=7, lr=0.5, momentum=0.9, tracer=all_frames)
    kept = all_frames.frames[::3]
    assert [getattr(f, detail) for f in tracer.frames] == [getattr(f, detail) for f in kept]
    assert [getattr(f, detail) for f in tracer.frames][:3] == [1, 4, 7]
    np.testing.assert_array_equal(tracer.frames[-1].links["weight"], kept[-1].links["weight"])
    link = ("h1", "o1")
    moved = kept[-1].weight(link) - kept[-2].weight(link)
    assert tracer.frames[-1].changes[link] == pytest.approx(moved, rel=1e-9)


@pytest.mark.parametrize("detail", ["step", "epoch"])
def test_finish_cuts_the_last_frame_that_every_skipped(detail):
    X, Y = [[0, 1], [1, 0]], [[1], [0]]
    net, full = nn.layered([2, 1], seed=0), nn.layered([2, 1], seed=0)
    tracer, every = nn.Tracer(net, detail=detail, every=3), nn.Tracer(full, detail=detail)
    net.train(X, Y, epochs=4, lr=0.5, tracer=tracer)
    full.train(X, Y, epochs=4, lr=0.5, tracer=every)
    tracer.finish()
    tracer.finish()                                   # once only
    last, reference = tracer.frames[-1], every.frames[-1]
    assert [getattr(f, detail) for f in tracer.frames] == ([1, 4, 7, 8] if detail == "step" else [1, 4])
    assert (last.step, last.epoch, last.caption) == (reference.step, reference.epoch, reference.caption)
    np.testing.assert_array_equal(last.links["weight"], reference.links["weight"])
    moved = reference.weight(("b1", "o1")) - tracer.frames[-2].weight(("b1", "o1"))
    assert last.changes[("b1", "o1")] == pytest.approx(moved, rel=1e-12)


def test_tracer_errors():
    net = golden_network()
    with pytest.raises(nn.SettingError, match="unknown detail 'ops': choose one of op, phase, step, epoch"):
        nn.Tracer(net, detail="ops")
    with pytest.raises(nn.SettingError, match="every=2 thins frames at detail 'step' or 'epoch', not 'op'"):
        nn.Tracer(net, detail="op", every=2)
    with pytest.raises(nn.SettingError, match="every must be"):
        nn.Tracer(net, every=0)
    with pytest.raises(nn.SettingError, match="the tracer watches another network"):
        net.train([INPUTS], [TARGETS], epochs=1, lr=0.1, tracer=nn.Tracer(golden_network()))
    with nn.Tracer(net):
        with pytest.raises(nn.SettingError, match="another tracer is watching this network"):
            net.train([INPUTS], [TARGETS], epochs=1, lr=0.1, tracer=nn.Tracer(net))


def one_link(weight=1.0):
    net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
    net.link("i1", "o1").weight = weight
    return net


@pytest.mark.parametrize("detail", ["op", "phase", "step", "epoch"])
def test_a_failed_step_leaves_no_trace_in_the_tracer(detail):
    net = one_link()
    tracer = nn.Tracer(net, detail=detail)
    net.train([[1.0]], [[0.0]], epochs=1, lr=0.5, tracer=tracer)
    events, frames = list(tracer.events), list(tracer.frames)
    with pytest.raises(nn.DivergenceError):
        net.train([[1e200]], [[0.0]], epochs=1, lr=0.5, tracer=tracer)
    assert (tracer.events, tracer.frames, tracer.step) == (events, frames, 2)
    net.train([[1.0]], [[0.0]], epochs=1, lr=0.5, tracer=tracer)
    last = tracer.frames[-1]
    assert last.changes == {("i1", "o1"): -0.25} and last.weight("i1->o1") == 0.25
    assert {event.step for event in tracer.events} == {1, 2}


def test_a_weight_set_by_hand_shows_its_change():
    net = one_link(0.5)
    with nn.Tracer(net, detail="op") as tracer:
        net.forward([1.0])
        net.link("i1", "o1").weight = 3.0
        net.forward([1.0])
    assert tracer.frames[0].changes == {} and tracer.frames[1].changes == {("i1", "o1"): 2.5}
    assert tracer.frames[1].relative == {("i1", "o1"): 5.0}


def test_update_without_backward_has_no_loss_and_still_saves(tmp_path):
    net = one_link()
    net.link("i1", "o1").grad = 2.0
    with nn.Tracer(net, detail="step") as tracer:
        net.update(lr=0.25)
    assert tracer.frames[0].loss is None
    tracer.save_json(tmp_path / "frames.json")
    assert json.loads((tmp_path / "frames.json").read_text())["frames"][0]["loss"] is None


def test_tracer_of_a_network_that_changed_since():
    net = nn.layered([2, 1], seed=0)
    tracer = nn.Tracer(net)
    net.add_neuron("h")
    net.connect("i1", "h")
    with pytest.raises(nn.SettingError, match="the network has changed since this tracer was made"):
        net.train([[0, 1]], [[1]], epochs=1, lr=0.1, tracer=tracer)


def test_frame_and_tracer_lookups_name_the_unknown():
    frame = nn.snapshot(nn.layered([2, 1], seed=0))
    with pytest.raises(nn.UnknownNameError, match="no link x->y in this frame"):
        frame.weight(("x", "y"))
    with pytest.raises(nn.UnknownNameError, match="no 'outs' of neuron 'o1' in this frame"):
        frame.value("o1", "outs")
    with pytest.raises(nn.SettingError, match="a Tracer watches a Network, got None"):
        nn.Tracer(None)
    with pytest.raises(nn.SettingError, match="caption must be text, got 5"):
        nn.snapshot(nn.layered([2, 1], seed=0), caption=5)
