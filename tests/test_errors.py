"""Bad input raises a NodenetError subclass whose message names the problem; nothing changes."""

import json

import numpy as np
import pytest

import nodenet as nn
from nodenet.io import to_dict
from golden import INPUTS, TARGETS, golden_network


def fingerprint(net):
    """Everything a failed call could have changed: structure, numbers, rng, caches."""
    arrays = {field: values.tolist() for field, values in net.state.snapshot().items()}
    return json.dumps(to_dict(net)), arrays, list(net.graph.edges), [n.name for n in net.neurons]


@pytest.fixture
def net():
    net = golden_network()
    net.forward(INPUTS)
    net.backward(TARGETS)
    return net


CASES = [
    ("cycle", lambda n: n.connect("o1", "h1"), nn.TopologyError,
     "cannot link o1 -> h1: it would close the cycle h1 -> o1 -> h1"),
    ("self loop", lambda n: n.connect("h2", "h2"), nn.TopologyError, "cycle h2 -> h2"),
    ("unknown neuron", lambda n: n.connect("h1", "o3"), nn.TopologyError,
     "no neuron named 'o3': i1, i2, b1, b2, h1, h2, o1, o2"),
    ("duplicate name", lambda n: n.add_neuron("h1"), nn.TopologyError,
     "a neuron named 'h1' exists already"),
    ("link into input", lambda n: n.connect("h1", "i2"), nn.TopologyError,
     "cannot link h1 -> i2: 'i2' is an input neuron"),
    ("link into bias", lambda n: n.connect("i1", "b1"), nn.TopologyError,
     "cannot link i1 -> b1: 'b1' is a bias neuron, and nothing flows into bias neurons"),
    ("duplicate link", lambda n: n.connect("i1", "h1"), nn.TopologyError, "i1 -> h1 is linked already"),
    ("input too long", lambda n: n.forward([0.05, 0.1, 0.2]), nn.ShapeError,
     "expected 2 input values (i1, i2), got 3 values"),
    ("input matrix", lambda n: n.forward([[0.05, 0.1]]), nn.ShapeError,
     "expected 2 input values (i1, i2), got an array of shape (1, 2)"),
    ("target too short", lambda n: n.backward([0.01]), nn.ShapeError,
     "expected 2 target values (o1, o2), got 1 values"),
    ("nan input", lambda n: n.forward([np.nan, 0.1]), nn.DataError,
     "input i1 is nan: inputs must be finite numbers"),
    ("inf target", lambda n: n.backward([0.01, np.inf]), nn.DataError,
     "target o2 is inf: targets must be finite numbers"),
    ("inf in training targets", lambda n: n.train([[0, 0], [1, 1]], [[0, 0], [1, -np.inf]], epochs=1, lr=0.1),
     nn.DataError, "target o2 of sample 1 is -inf"),
    ("text input", lambda n: n.forward(["a", "b"]), nn.DataError, "inputs must be real numbers, got ['a', 'b']"),
    ("rows differ", lambda n: n.train([[0, 0]], [[0, 0], [1, 1]], epochs=1, lr=0.1), nn.ShapeError,
     "1 input rows but 2 target rows"),
    ("unknown activation", lambda n: n.add_neuron("h3", activation="sigmoud"), nn.UnknownNameError,
     "unknown activation 'sigmoud' (did you mean 'sigmoid'?); known activations: sigmoid, tanh, "
     "relu, leaky_relu, linear, softplus"),
    ("lr zero", lambda n: n.update(lr=0.0), nn.SettingError, "lr must be a number > 0, got 0.0"),
    ("lr negative in train", lambda n: n.train([INPUTS], [TARGETS], epochs=1, lr=-1), nn.SettingError,
     "lr must be a number > 0, got -1"),
    ("momentum one", lambda n: n.update(lr=0.1, momentum=1.0), nn.SettingError,
     "momentum must be a number in [0, 1), got 1.0"),
    ("momentum negative", lambda n: n.step(INPUTS, TARGETS, lr=0.1, momentum=-0.1), nn.SettingError,
     "momentum must be a number in [0, 1), got -0.1"),
    ("epochs zero", lambda n: n.train([INPUTS], [TARGETS], epochs=0, lr=0.1), nn.SettingError,
     "epochs must be a whole number >= 1, got 0"),
    ("unknown order", lambda n: n.step(INPUTS, TARGETS, lr=0.1, order="waves"), nn.SettingError,
     "unknown order 'waves': choose one of phased, wave"),
    ("wave with batches", lambda n: n.train([INPUTS], [TARGETS], epochs=1, lr=0.1, batch_size=2,
                                            order="wave"), nn.SettingError, "needs batch_size 1"),
    ("nan weight", lambda n: n.connect("i1", "o1", weight=float("nan")), nn.DataError,
     "the weight of i1 -> o1 must be a finite number, got nan"),
    ("bad name", lambda n: n.add_input("a->b"), nn.TopologyError, "without '->'"),
    ("unknown link", lambda n: n.link("i1", "o1"), nn.TopologyError,
     "no link i1 -> o1: create it with connect('i1', 'o1')"),
]


def test_unknown_loss_lists_the_known_ones():
    with pytest.raises(nn.UnknownNameError, match=r"unknown loss 'mce' \(did you mean 'mse'\?\); "
                                                  r"known losses: half_sse, mse, bce, softmax_ce"):
        nn.Network(loss="mce")


def test_computing_neuron_without_downlinks():
    net = golden_network()
    net.add_neuron("h3")
    before = fingerprint(net)
    with pytest.raises(nn.TopologyError, match="neuron 'h3' has no downlinks, so nothing feeds it: "
                                               r"connect a neuron into it, e\.g\. connect\(src, 'h3'\)"):
        net.forward(INPUTS)
    assert fingerprint(net) == before


def test_no_outputs_declared():
    net = nn.Network()
    net.add_input("x")
    net.add_neuron("h")
    net.connect("x", "h")
    before = fingerprint(net)
    with pytest.raises(nn.TopologyError, match="no outputs declared: add a neuron with output=True"):
        net.train([[1.0]], [[]], epochs=1, lr=0.1)
    assert fingerprint(net) == before


def test_backward_before_forward():
    with pytest.raises(nn.NodenetError, match=r"call forward\(inputs\) first"):
        golden_network().backward(TARGETS)


def test_every_error_class_is_a_nodenet_error():
    classes = [nn.TopologyError, nn.ShapeError, nn.DataError, nn.SettingError, nn.UnknownNameError,
               nn.FileFormatError, nn.FileAccessError]
    assert all(issubclass(cls, nn.NodenetError) for cls in classes)


def activation_net(activation="linear"):
    net = nn.Network()
    net.add_input("x")
    net.add_bias("b")
    net.add_neuron("h", activation=activation)
    net.add_neuron("o", activation="linear", output=True)
    for src, dst in [("x", "h"), ("h", "o"), ("b", "o")]:
        net.connect(src, dst, weight=1.0)
    return net


HOSTILE = [
    ("negative seed", lambda n: nn.Network(seed=-1), nn.SettingError,
     "seed must be a whole number >= 0 or None, got -1"),
    ("text seed", lambda n: nn.layered([2, 1], seed="abc"), nn.SettingError, "got 'abc'"),
    ("float seed", lambda n: nn.layered([2, 1], seed=1.5), nn.SettingError, "got 1.5"),
    ("huge weight", lambda n: n.connect("i1", "o1", weight=10 ** 400), nn.DataError,
     "the weight of i1 -> o1 must be a finite number"),
    ("huge lr", lambda n: n.update(lr=10 ** 400), nn.SettingError, "lr must be a number > 0"),
    ("huge input", lambda n: n.forward([10 ** 400, 0]), nn.DataError, "inputs must be real numbers"),
    ("complex input", lambda n: n.forward(np.array([1 + 1j, 0])), nn.DataError, "inputs must be real numbers"),
    ("bool inputs", lambda n: n.forward([True, False]), nn.DataError, "inputs must be real numbers"),
    ("text numbers", lambda n: n.forward(["1", "2"]), nn.DataError, "inputs must be real numbers"),
    ("array as output flag", lambda n: n.add_neuron("h3", output=np.array([1, 0])), nn.SettingError,
     "output must be True or False"),
    ("text as frozen flag", lambda n: n.connect("i1", "o1", frozen="False"), nn.SettingError,
     "frozen must be True or False, got 'False'"),
    ("array as order", lambda n: n.step(INPUTS, TARGETS, lr=0.1, order=np.array(["wave"])), nn.SettingError,
     "unknown order"),
    ("text weight", lambda n: setattr(n.link("i1", "h1"), "weight", "abc"), nn.DataError,
     "weight of Link(i1 -> h1, weight=0.15, velocity=0) must be a real number, got 'abc'"),
    ("no weight", lambda n: setattr(n.link("i1", "h1"), "weight", None), nn.DataError, "got None"),
    ("velocity of a frozen link", lambda n: setattr(n.link("b1", "h1"), "velocity", 0.5), nn.DataError,
     "b1 -> h1 is frozen: its velocity stays 0; set frozen = False first"),
    ("then is not a function", lambda n: n.backward(TARGETS, then="x"), nn.SettingError,
     "then must be a function of a neuron, got 'x'"),
    ("replace a built-in", lambda n: nn.register_activation("sigmoid", np.tanh, lambda a, b: 1 - b * b),
     nn.SettingError, "'sigmoid' is a built-in activation and cannot be replaced"),
    ("activation without f", lambda n: nn.register_activation("nothing", None, None), nn.SettingError,
     "the f of activation 'nothing' must be a function, got None"),
    ("astronomic layer", lambda n: nn.layered([2, 10 ** 400, 1]), nn.SettingError,
     "nodenet draws every neuron and keeps every link's history"),
]


@pytest.mark.parametrize("call, error, message", [case[1:] for case in CASES + HOSTILE], ids=[c[0] for c in CASES + HOSTILE])
def test_bad_call_raises_and_changes_nothing(net, call, error, message):
    before = fingerprint(net)
    with pytest.raises(error) as raised:
        call(net)
    assert message in str(raised.value)
    assert fingerprint(net) == before


def test_divergence_stops_at_the_step_and_restores_it():
    net = nn.layered([1, 1], activation="linear", seed=0)
    with pytest.raises(nn.DivergenceError) as raised:
        net.train([[10.0], [-10.0]], [[1.0], [0.0]], epochs=60, lr=5.0, shuffle=False)
    step = raised.value.step
    assert 2 < step < 120
    assert str(raised.value).startswith(f"training diverged at step {step}: ")
    assert "Lower lr or momentum" in str(raised.value)
    twin = nn.layered([1, 1], activation="linear", seed=0)
    done = step - 1
    for k in range(done):
        twin.step([[10.0], [-10.0]][k % 2], [[1.0], [0.0]][k % 2], lr=5.0)
    assert net.state.weight.tolist() == twin.state.weight.tolist()
    assert net.state.velocity.tolist() == twin.state.velocity.tolist()
    assert len(net.history) == done and np.isfinite(net.history.array("weight")).all()


def test_a_failing_custom_activation_leaves_the_step_undone():
    nn.register_activation("root_test", lambda n: abs(n) ** 0.5, lambda n, o: 0.5 / o)
    for order in ("phased", "wave"):
        net = activation_net("root_test")
        before = fingerprint(net)
        with pytest.raises(ZeroDivisionError):
            net.step([0.0], [5.0], lr=0.1, order=order)
        assert fingerprint(net) == before


def test_evaluate_keeps_the_last_forward_pass():
    net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
    net.link("i1", "o1").weight = 1.0
    net.forward([2.0])
    assert net.evaluate([[7.0]], [[0.0]]) == 24.5
    assert net.backward([0.0]) == 2.0 and net.link("i1", "o1").grad == 4.0


def test_a_failed_train_does_not_block_new_links():
    net = nn.layered([2, 1], seed=0)
    with pytest.raises(nn.ShapeError):
        net.train([[1, 2, 3]], [[1]], epochs=1, lr=0.1)
    net.add_neuron("h")
    net.connect("i1", "h")


@pytest.mark.parametrize("call, error, message", [
    (lambda: golden_network().save(None), nn.FileAccessError, "path must be a file path, got None"),
    (lambda: nn.load(None), nn.FileAccessError, "the network file must be a file path, got None"),
    (lambda: nn.History.load(""), nn.FileAccessError, "the history file must be a file path, got ''"),
    (lambda: nn.snapshot(None), nn.SettingError, "snapshot needs a Network, got None"),
    (lambda: nn.plots.loss(None), nn.SettingError, "plots take a network's history (net.history), got None"),
])
def test_paths_and_objects_of_the_wrong_kind(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert message in str(raised.value)


def test_export_paths_of_the_wrong_kind(golden_tracer, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for path in (None, "", "  "):
        with pytest.raises(nn.FileAccessError, match="the export path must be a file path"):
            golden_tracer.export(path)
    assert list(tmp_path.iterdir()) == []


def test_plotting_a_link_the_history_does_not_have():
    net = nn.layered([2, 1], seed=0)
    net.train([[0, 1]], [[1]], epochs=3, lr=0.5)
    with pytest.raises(nn.UnknownNameError, match="no link i9->o1 in this history"):
        nn.plots.weights(net.history, links=[("i9", "o1")])


def test_finite_values_whose_sum_overflows_are_accepted_and_a_bad_one_after_them_is_named(net):
    huge = [[1e308, 1e308], [1e308, 1e308]]
    inputs, targets = net.check_samples(huge, [[0, 0], [0, 0]])
    assert inputs.tolist() == huge and targets.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(nn.DataError, match=r"^input i2 of sample 1 is nan: inputs must be finite numbers$"):
        net.check_samples([[1e308, 1e308], [1e308, np.nan]], [[0, 0], [0, 0]])
