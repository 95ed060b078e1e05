"""Activations, losses and layered nets, each against hand or finite-difference values."""

import decimal
import math
import subprocess
import sys

import numpy as np
import pytest

import nodenet as nn
from nodenet import activations
from nodenet.activations import exp_nonpositive
from dags import ACTIVATIONS, LOSSES

POINTS = np.array([-3.0, -0.7, -0.01, 0.02, 0.5, 2.5])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_derivative_matches_finite_differences(name):
    act = nn.activation(name)
    h = 1e-6
    numeric = (act.f(POINTS + h) - act.f(POINTS - h)) / (2 * h)
    assert np.allclose(act.derivative(POINTS, act.f(POINTS)), numeric, rtol=1e-7, atol=1e-9)


def test_activation_values_by_hand():
    x = np.array([-2.0, 0.0, 3.0])
    assert nn.activation("sigmoid").f(x).tolist() == [1 / (1 + np.exp(2.0)), 0.5, 1 / (1 + np.exp(-3.0))]
    assert nn.activation("relu").f(x).tolist() == [0.0, 0.0, 3.0]
    assert nn.activation("leaky_relu").f(x).tolist() == [-0.02, 0.0, 3.0]
    assert nn.activation("softplus").f(x) == pytest.approx(np.log1p(np.exp(x)), rel=1e-15)
    assert nn.activation("relu").derivative(0.0, 0.0) == 0.0     # the kink counts as flat


def ulps_from_exact(x):
    """How far exp_nonpositive(x) is from e^x, in units of the last place of the result."""
    exact = decimal.Context(prec=50).exp(decimal.Decimal(x))
    got = exp_nonpositive(x)
    return abs(decimal.Decimal(got) - exact) / decimal.Decimal(math.ulp(got))


@pytest.mark.parametrize("seed", range(3))
def test_exp_is_within_0_6_ulp_of_the_exact_value(seed):
    rng = np.random.default_rng(seed)
    xs = np.concatenate([-np.abs(rng.normal(0, 3, 3000)), -rng.uniform(0, 708, 3000), -rng.uniform(0, 1e-6, 500),
                         [-6.9855999824575115]])     # 1.02 ulp off when 2^(j/32) was one float
    assert max(ulps_from_exact(x) for x in xs.tolist()) < 0.6


def test_exp_below_the_smallest_normal_float_is_within_an_ulp():
    xs = -np.random.default_rng(0).uniform(708.4, 745.1, 2000)
    assert max(ulps_from_exact(x) for x in xs.tolist()) < 1


def test_exp_at_its_edges():
    assert exp_nonpositive(0.0) == exp_nonpositive(-0.0) == 1.0
    assert exp_nonpositive(-745.13) == 5e-324 and exp_nonpositive(-745.14) == 0.0   # either side of half of it
    assert exp_nonpositive(-1e308) == exp_nonpositive(-math.inf) == 0.0
    assert math.isnan(exp_nonpositive(math.nan))


def test_exp_tables_are_the_nearest_floats():
    context = decimal.Context(prec=50)
    for j, (hi, lo) in enumerate(activations._EXP_TABLE):
        exact = context.power(decimal.Decimal(2), decimal.Decimal(j) / 32)
        assert abs(decimal.Decimal(hi) - exact) <= decimal.Decimal(math.ulp(hi)) / 2
        rest = context.subtract(context.add(decimal.Decimal(hi), decimal.Decimal(lo)), exact)
        assert abs(rest) <= decimal.Decimal(math.ulp(lo or 5e-324)) / 2
    ln2_by_32 = context.ln(decimal.Decimal(2)) / 32
    hi, lo = activations._EXP_LN2_BY_32_HI, activations._EXP_LN2_BY_32_LO
    assert (hi * 2.0 ** 37).is_integer()            # 32 bits: hi times any n of 16 bits is exact
    rest = context.subtract(context.add(decimal.Decimal(hi), decimal.Decimal(lo)), ln2_by_32)
    assert abs(rest) <= decimal.Decimal(math.ulp(lo)) / 2
    assert activations._EXP_32_BY_LN2 == float(1 / ln2_by_32)


def test_activations_do_not_overflow():
    huge = np.array([-1000.0, 1000.0])
    assert nn.activation("sigmoid").f(huge).tolist() == [0.0, 1.0]
    assert nn.activation("softplus").f(huge).tolist() == [0.0, 1000.0]


@pytest.mark.parametrize("name", LOSSES)
def test_loss_error_matches_finite_differences(name):
    loss = nn.loss(name)
    o = np.array([0.3, 0.8, 0.55])
    t = np.array([0.1, 0.6, 0.3]) if name != "softmax_ce" else np.array([0.2, 0.5, 0.3])
    h = 1e-6
    numeric = [(loss.value(o + h * e, t) - loss.value(o - h * e, t)) / (2 * h) for e in np.eye(3)]
    assert np.allclose(loss.error(o, t), numeric, rtol=1e-7, atol=1e-10)


def test_loss_values_by_hand():
    o, t = np.array([0.75136507, 0.772928465]), np.array([0.01, 0.99])
    assert nn.loss("half_sse").value(o, t) == pytest.approx(0.298371109, abs=5e-10)
    assert nn.loss("mse").value([1.0, 3.0], [0.0, 0.0]) == 5.0
    assert nn.loss("bce").value([0.5], [1.0]) == pytest.approx(np.log(2), rel=1e-15)
    assert nn.loss("softmax_ce").value([0.0, 0.0], [1.0, 0.0]) == pytest.approx(np.log(2), rel=1e-15)
    assert nn.loss("half_sse").value([[1.0], [2.0]], [[0.0], [0.0]]).tolist() == [0.5, 2.0]


def test_bce_delta_of_a_sigmoid_output_is_out_minus_target():
    # dE/dnet = o - t for bce on a sigmoid, as long as the sigmoid has not rounded to 0 or 1
    for weight in (2.0, 30.0, -30.0):
        net = nn.Network(loss="bce")
        net.add_input("x")
        net.add_neuron("o", activation="sigmoid", output=True)
        net.connect("x", "o", weight=weight)
        out = net.forward([1.0])[0]
        net.backward([0.0])
        assert net.neuron("o").delta == pytest.approx(out, rel=1e-6)


def test_bce_is_finite_for_saturated_outputs():
    loss = nn.loss("bce")
    assert np.isfinite(loss.value([1.0, 0.0], [0.0, 1.0]))
    assert np.all(np.isfinite(loss.error(np.array([1.0, 0.0]), np.array([0.0, 1.0]))))


def test_custom_activation_trains():
    nn.register_activation("cube_test", lambda net: net ** 3, lambda net, out: 3 * net ** 2)
    net = nn.Network()
    net.add_input("x")
    net.add_neuron("y", activation="cube_test", output=True)
    net.connect("x", "y", weight=0.5)
    net.forward([2.0])
    net.backward([0.0])
    # out = (0.5 * 2)^3 = 1; dE/dout = 1; f'(net) = 3; grad = 3 * 2
    assert (net.neuron("y").out, net.neuron("y").delta, net.link("x", "y").grad) == (1.0, 3.0, 6.0)


def test_layered_names_links_and_golden_structure():
    net = nn.layered([2, 2, 2], seed=0, freeze_bias=True)
    assert [n.name for n in net.neurons] == ["i1", "i2", "b1", "h1", "h2", "b2", "o1", "o2"]
    assert [link.id for link in net.links] == [
        ("i1", "h1"), ("i2", "h1"), ("i1", "h2"), ("i2", "h2"), ("b1", "h1"), ("b1", "h2"),
        ("h1", "o1"), ("h2", "o1"), ("h1", "o2"), ("h2", "o2"), ("b2", "o1"), ("b2", "o2")]
    assert [link.frozen for link in net.links] == [False] * 4 + [True] * 2 + [False] * 4 + [True] * 2
    deep = nn.layered([3, 2, 2, 1], activation="relu", output_activation="linear", bias=False)
    assert [n.name for n in deep.neurons] == ["i1", "i2", "i3", "h1_1", "h1_2", "h2_1", "h2_2", "o1"]
    assert {n.activation.name for n in deep.neurons if n.computing and not n.output} == {"relu"}
    assert deep.neuron("o1").activation.name == "linear"


def test_layered_init_is_glorot_uniform_with_zero_bias():
    net = nn.layered([4, 6, 2], seed=5)
    limit_hidden, limit_out = np.sqrt(6 / 10), np.sqrt(6 / 8)
    hidden = [l.weight for l in net.links if l.dst.name.startswith("h") and l.src.kind == "input"]
    out = [l.weight for l in net.links if l.dst.output and l.src.computing]
    assert len(hidden) == 24 and max(map(abs, hidden)) <= limit_hidden
    assert len(out) == 12 and max(map(abs, out)) <= limit_out
    assert [l.weight for l in net.links if l.src.kind == "bias"] == [0.0] * 8


@pytest.mark.parametrize("sizes, message", [
    ([3], "needs at least an input and an output layer"),
    ([2, 0, 1], "every layer size must be a whole number >= 1, got 0"),
    (5, "sizes must be a list of layer sizes like [2, 4, 1], got 5"),
])
def test_layered_refuses_bad_sizes(sizes, message):
    with pytest.raises(nn.SettingError) as raised:
        nn.layered(sizes)
    assert message in str(raised.value)


def test_objects_read_and_write_the_state_arrays():
    net = nn.layered([2, 2, 1], seed=0)
    link = net.link("h2", "o1")
    link.weight = 0.125
    assert net.state.weight[link.index] == 0.125
    net.state.weight[link.index] = -2.0
    assert link.weight == -2.0 and type(link.weight) is float
    assert net.graph.edges["h2", "o1"]["link"] is link
    assert net.graph.nodes["h1"]["neuron"] is net.neuron("h1")
    assert [l.dst.name for l in net.neuron("h1").uplinks] == ["o1"]
    assert [l.src.name for l in net.neuron("h1").downlinks] == ["i1", "i2", "b1"]


def test_state_grows_past_its_first_capacity():
    net = nn.layered([10, 30, 10], seed=0)
    assert net.state.weight.shape == (len(net.links),) == (10 * 30 + 30 + 30 * 10 + 10,)
    assert [link.weight for link in net.links] == net.state.weight.tolist()


def test_reprs_are_one_line():
    net = nn.layered([2, 1], seed=0)
    assert repr(net) == "Network(2 inputs, 4 neurons, 3 links, loss=half_sse)"
    assert repr(net.link("b1", "o1")) == "Link(b1 -> o1, weight=0, velocity=0)"
    assert repr(net.neuron("o1")) == "Neuron(o1, sigmoid, output, out=0)"


def test_import_does_not_load_matplotlib():
    code = "import sys, nodenet; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
