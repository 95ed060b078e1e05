"""network.json round trips exactly; GraphML through networkx; broken files are refused."""

import json

import networkx as nx
import numpy as np
import pytest

import nodenet as nn
from nodenet.io import from_dict, to_dict
from dags import random_dag, random_samples
from golden import golden_network


def trained(seed):
    net = random_dag(seed)
    inputs, targets = random_samples(net, seed, n=6)
    net.train(inputs, targets, epochs=3, lr=0.02, momentum=0.9)
    return net, inputs, targets


@pytest.mark.parametrize("seed", range(5))
def test_loaded_network_continues_training_bit_for_bit(tmp_path, seed):
    net, inputs, targets = trained(seed)
    net.save(tmp_path / "net.json")
    copy = nn.load(tmp_path / "net.json")
    assert copy.state.weight.tolist() == net.state.weight.tolist()
    assert copy.state.velocity.tolist() == net.state.velocity.tolist()
    a = net.train(inputs, targets, epochs=4, lr=0.02, momentum=0.9, shuffle=True)
    b = copy.train(inputs, targets, epochs=4, lr=0.02, momentum=0.9, shuffle=True)
    assert a.tolist() == b.tolist()
    assert copy.state.weight.tolist() == net.state.weight.tolist()
    assert copy.state.velocity.tolist() == net.state.velocity.tolist()


def test_numpy_seed_saves_and_a_saved_gradient_is_used(tmp_path):
    net = nn.layered([2, 1], seed=np.int64(3))
    net.forward([1.0, -1.0])
    net.backward([1.0])
    net.save(tmp_path / "net.json")
    copy = nn.load(tmp_path / "net.json")
    assert copy.seed == 3
    net.update(lr=0.5)
    copy.update(lr=0.5)
    assert copy.state.weight.tolist() == net.state.weight.tolist()


def test_file_layout(tmp_path):
    golden_network().save(tmp_path / "net.json")
    text = (tmp_path / "net.json").read_text()
    data = json.loads(text)
    assert (data["format"], data["version"], data["loss"], data["seed"]) == ("nodenet-network", 1, "half_sse", 0)
    assert data["neurons"][4] == {"name": "h1", "kind": "computing", "activation": "sigmoid", "output": False}
    assert data["links"][0] == {"src": "i1", "dst": "h1", "weight": 0.15, "velocity": 0.0, "grad": 0.0,
                                "frozen": False}
    assert data["links"][-1]["frozen"] is True
    assert '  {"src": "i1", "dst": "h1", "weight": 0.15, "velocity": 0.0, "grad": 0.0, "frozen": false},\n' in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_floats_survive_exactly(tmp_path):
    net = golden_network()
    net.link("i1", "h1").weight = 0.1 + 0.2          # 0.30000000000000004
    net.link("h1", "o1").velocity = 1e-300
    net.save(tmp_path / "net.json")
    copy = nn.load(tmp_path / "net.json")
    assert copy.link("i1", "h1").weight == 0.1 + 0.2
    assert copy.link("h1", "o1").velocity == 1e-300


def test_graphml_round_trip(tmp_path):
    net, inputs, _ = trained(11)
    nn.write_graphml(net, tmp_path / "net.graphml")
    copy = nn.Network.from_networkx(nx.read_graphml(tmp_path / "net.graphml"))
    assert [n.name for n in copy.neurons] == [n.name for n in net.neurons]
    assert [n.name for n in copy.outputs] == [n.name for n in net.outputs]
    assert [link.id for link in copy.links] == [link.id for link in net.links]
    assert copy.state.weight.tolist() == net.state.weight.tolist()
    assert copy.state.velocity.tolist() == net.state.velocity.tolist()
    assert copy.loss.name == net.loss.name
    assert copy.forward(inputs[0]).tolist() == net.forward(inputs[0]).tolist()


def test_from_networkx_infers_inputs_and_outputs():
    G = nx.DiGraph()
    G.add_edge("a", "h", weight=0.5)
    G.add_edge("b", "h", weight=-1.0)
    G.add_edge("h", "y", weight=2.0)
    G.add_node("one", kind="bias")
    G.add_edge("one", "y", weight=0.25, frozen=True)
    G.nodes["y"]["activation"] = "linear"
    net = nn.Network.from_networkx(G, loss="mse")
    assert [n.name for n in net.inputs] == ["a", "b"]
    assert [n.name for n in net.outputs] == ["y"]
    assert net.neuron("h").activation.name == "sigmoid"
    assert net.link("one", "y").frozen
    expected = 2.0 * (1 / (1 + np.exp(-(0.5 * 1.0 - 1.0 * 2.0)))) + 0.25
    assert net.forward([1.0, 2.0])[0] == pytest.approx(expected, abs=1e-15)


def test_from_networkx_refuses_a_cycle_and_undirected_graphs():
    with pytest.raises(nn.TopologyError, match="cycle"):
        nn.Network.from_networkx(nx.DiGraph([("x", "a"), ("a", "b"), ("b", "a")]))
    with pytest.raises(nn.TopologyError, match="needs a networkx.DiGraph, got Graph"):
        nn.Network.from_networkx(nx.Graph([("x", "a")]))


def good_data():
    return to_dict(golden_network())


def broken(change):
    data = good_data()
    change(data)
    return data


BROKEN = [
    ("not an object", [], "the file must be an object with format, version, neurons and links, got list"),
    ("other format", broken(lambda d: d.update(format="png")), "format is 'png', expected 'nodenet-network'"),
    ("wrong version", broken(lambda d: d.update(version=7)),
     "format version 7 is not supported: this nodenet reads version 1"),
    ("missing links", broken(lambda d: d.pop("links")), "top level: the field 'links' is missing"),
    ("name not text", broken(lambda d: d["neurons"][0].update(name=5)),
     "neurons[0]: 'name' must be of type str, got 5"),
    ("weight is text", broken(lambda d: d["links"][2].update(weight="0.25")),
     "links[2]: 'weight' must be of type int or float, got '0.25'"),
    ("unknown kind", broken(lambda d: d["neurons"][1].update(kind="sensor")),
     "neuron 'i2' has kind 'sensor': expected one of input, bias, computing"),
    ("duplicate name", broken(lambda d: d["neurons"][5].update(name="h1")), "a neuron named 'h1' exists already"),
    ("cycle", broken(lambda d: d["links"].append({"src": "o1", "dst": "h1", "weight": 1.0})),
     "cannot link o1 -> h1: it would close the cycle h1 -> o1 -> h1"),
    ("unknown activation", broken(lambda d: d["neurons"][4].update(activation="swish")),
     "unknown activation 'swish'"),
    ("frozen with velocity", broken(lambda d: d["links"][-1].update(velocity=0.5)),
     "link b2 -> o2 is frozen but has velocity 0.5"),
    ("bad rng", broken(lambda d: d.update(rng={"bit_generator": "MT19937"})),
     "rng is not a state of numpy's PCG64 generator"),
]


@pytest.mark.parametrize("data, message", [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN])
def test_broken_network_data_is_refused(tmp_path, data, message):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(data))
    with pytest.raises(nn.FileFormatError) as raised:
        nn.load(path)
    assert str(raised.value).startswith(f"'{path}': ")
    assert message in str(raised.value)


def test_truncated_file(tmp_path):
    path = tmp_path / "net.json"
    golden_network().save(path)
    path.write_text(path.read_text()[:200])
    with pytest.raises(nn.FileFormatError, match=r"is not valid JSON \(line \d+, column \d+: .*\): "
                                                 "expected a nodenet network file"):
        nn.load(path)


def test_huge_number_is_refused(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(good_data()).replace('"weight": 0.15', '"weight": 1e400'))
    with pytest.raises(nn.FileFormatError, match="the weight of i1 -> h1 must be a finite number, got inf"):
        nn.load(path)


def test_nan_literal_is_refused(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(good_data()).replace('"weight": 0.15', '"weight": NaN'))
    with pytest.raises(nn.FileFormatError, match="NaN is not a number nodenet accepts"):
        nn.load(path)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(nn.FileAccessError, match="no network file '.*nope.json': check the path"):
        nn.load(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(nn.FileFormatError, match="is not a text file"):
        nn.load(tmp_path / "bin.json")


def test_save_into_a_missing_directory(tmp_path):
    with pytest.raises(nn.FileAccessError, match="its directory does not exist"):
        golden_network().save(tmp_path / "no" / "net.json")


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "net.json"
    golden_network().save(path)
    old = path.read_text()
    net = golden_network()
    net.link("h1", "o1").weight = float("inf")
    with pytest.raises(nn.DataError, match="cannot save link h1 -> o1: its weight is inf"):
        net.save(path)
    assert path.read_text() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_from_dict_round_trip_of_custom_activation():
    nn.register_activation("square_test", lambda net: net * net, lambda net, out: 2 * net)
    net = nn.Network()
    net.add_input("x")
    net.add_neuron("y", activation="square_test", output=True)
    net.connect("x", "y", weight=3.0)
    copy = from_dict(json.loads(json.dumps(to_dict(net))))
    assert copy.forward([2.0]).tolist() == [36.0]
