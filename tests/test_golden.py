"""The golden example of the design, every value of its table read from the objects."""

import pytest

from golden import HIDDEN_LINKS, INPUTS, LR, OUTPUT_LINKS, TARGETS, agrees, golden_network


@pytest.fixture
def net():
    return golden_network()


def test_forward_values(net):
    outputs = net.forward(INPUTS)
    h1, h2, o1, o2 = (net.neuron(name) for name in ("h1", "h2", "o1", "o2"))
    assert agrees(h1.net, "0.3775")
    assert agrees(h1.out, "0.593269992")
    assert agrees(h2.out, "0.596884378")
    assert agrees(o1.net, "1.105905967")
    assert agrees(o1.out, "0.75136507")
    assert agrees(o2.out, "0.772928465")
    assert list(outputs) == [o1.out, o2.out]


def test_loss_and_gradient(net):
    net.forward(INPUTS)
    assert agrees(net.backward(TARGETS), "0.298371109")
    assert agrees(net.link("h1", "o1").grad, "0.082167041")
    # the chain rule's factors of dE/dw5, each readable on the objects
    o1 = net.neuron("o1")
    assert agrees(o1.error, "0.74136507")          # out_o1 - target_o1
    assert agrees(o1.out * (1 - o1.out), "0.186815602")
    assert agrees(o1.delta, "0.138498562")


def test_weights_after_one_step(net):
    net.forward(INPUTS)
    net.backward(TARGETS)
    net.update(lr=LR, momentum=0.0)
    after = [net.link(*link).weight for link in OUTPUT_LINKS + HIDDEN_LINKS]
    printed = ["0.35891648", "0.408666186", "0.511301270", "0.561370121",
               "0.149780716", "0.19956143", "0.24975114", "0.29950229"]
    assert [agrees(value, text) for value, text in zip(after, printed)] == [True] * 8


def test_hidden_gradient_sums_blame_of_both_outputs(net):
    net.forward(INPUTS)
    net.backward(TARGETS)
    h1 = net.neuron("h1")
    blame = {link.dst.name: link.blame for link in h1.uplinks}
    assert agrees(blame["o1"], "0.055399425")
    assert agrees(blame["o2"], "-0.019049118")   # 0.5 * (-0.0380982366); printed rounded as ...119
    assert agrees(h1.error, "0.036350306")
    assert agrees(net.link("i1", "h1").grad, "0.000438568")


@pytest.mark.parametrize("order", ["phased", "wave"])
def test_loss_after_one_step(net, order):
    net.step(INPUTS, TARGETS, lr=LR, order=order)
    assert agrees(net.evaluate([INPUTS], [TARGETS]), "0.291027774")


def test_frozen_bias_links_do_not_move(net):
    net.step(INPUTS, TARGETS, lr=LR)
    assert [net.link("b1", "h1").weight, net.link("b2", "o2").weight] == [0.35, 0.60]
    assert net.link("b1", "h1").velocity == 0.0
