"""The golden example of the design, every value of its table read from the objects."""

import pytest

from golden import AFTER, HIDDEN_LINKS, INPUTS, LR, OUTPUT_LINKS, TABLE, TARGETS, agrees, golden_network


@pytest.fixture
def net():
    return golden_network()


def test_forward_values(net):
    outputs = net.forward(INPUTS)
    h1, h2, o1, o2 = (net.neuron(name) for name in ("h1", "h2", "o1", "o2"))
    assert agrees(h1.net, TABLE["net_h1"])
    assert agrees(h1.out, TABLE["out_h1"])
    assert agrees(h2.out, TABLE["out_h2"])
    assert agrees(o1.net, TABLE["net_o1"])
    assert agrees(o1.out, TABLE["out_o1"])
    assert agrees(o2.out, TABLE["out_o2"])
    assert list(outputs) == [o1.out, o2.out]


def test_loss_and_gradient(net):
    net.forward(INPUTS)
    assert agrees(net.backward(TARGETS), TABLE["E_total"])
    assert agrees(net.link("h1", "o1").grad, TABLE["dE/dw5"])
    # the chain rule's factors of dE/dw5, each readable on the objects
    o1 = net.neuron("o1")
    assert agrees(o1.error, "0.74136507")          # out_o1 - target_o1 (9th digit 0)
    assert agrees(o1.out * (1 - o1.out), "0.186815602")
    assert agrees(o1.delta, "0.138498562")


def test_weights_after_one_step(net):
    net.forward(INPUTS)
    net.backward(TARGETS)
    net.update(lr=LR, momentum=0.0)
    after = [net.link(*link).weight for link in HIDDEN_LINKS + OUTPUT_LINKS]
    assert [agrees(value, text) for value, text in zip(after, AFTER)] == [True] * 8


def test_hidden_gradient_sums_blame_of_both_outputs(net):
    net.forward(INPUTS)
    net.backward(TARGETS)
    h1 = net.neuron("h1")
    blame = {link.dst.name: link.blame for link in h1.uplinks}
    assert agrees(blame["o1"], "0.0553994247")    # printed 0.055399425
    assert agrees(blame["o2"], "-0.0190491183")   # 0.5 * -0.0380982366; printed -0.019049119
    assert agrees(h1.error, "0.0363503064")       # printed 0.036350306
    assert agrees(net.link("i1", "h1").grad, "0.000438567734")   # printed 0.000438568


@pytest.mark.parametrize("order", ["phased", "wave"])
def test_loss_after_one_step(net, order):
    net.step(INPUTS, TARGETS, lr=LR, order=order)
    assert agrees(net.evaluate([INPUTS], [TARGETS]), TABLE["E_total after one step"])


def test_frozen_bias_links_do_not_move(net):
    net.step(INPUTS, TARGETS, lr=LR)
    assert [net.link("b1", "h1").weight, net.link("b2", "o2").weight] == [0.35, 0.60]
    assert net.link("b1", "h1").velocity == 0.0


def test_agrees_is_nine_significant_digits():
    assert agrees(0.3775000004, "0.3775") and not agrees(0.3775000006, "0.3775")
    assert agrees(1.1059059674, "1.10590597") and not agrees(1.105905976, "1.10590597")
