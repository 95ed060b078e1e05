"""Random feed-forward DAGs for property tests: skip links, several outputs, frozen links."""

import numpy as np

import nodenet as nn

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softplus"]
LOSSES = ["half_sse", "mse", "bce", "softmax_ce"]
KINKED = {"relu", "leaky_relu"}


def random_dag(seed, loss=None):
    """A random DAG network: inputs, a bias, computing neurons each fed by earlier ones.

    The first computing neuron is an output that also feeds the last neuron; the last one
    or two neurons are outputs too. Output activations suit the loss (sigmoid for bce,
    linear for softmax_ce).
    """
    rng = np.random.default_rng(seed)
    loss = loss or LOSSES[seed % len(LOSSES)]
    net = nn.Network(loss=loss, seed=seed)
    sources = [net.add_input(f"x{j}") for j in range(rng.integers(1, 4))]
    sources.append(net.add_bias("b"))
    n_computing = int(rng.integers(3, 7))
    n_outputs = int(rng.integers(1, 3))
    for j in range(n_computing):
        output = j == 0 or j >= n_computing - n_outputs
        activation = _output_activation(loss, rng) if output else rng.choice(ACTIVATIONS)
        neuron = net.add_neuron(f"c{j}", activation=str(activation), output=output)
        feeders = [s for s in sources if rng.random() < 0.6] or [sources[-1]]
        if j == n_computing - 1 and net.neuron("c0") not in feeders:
            feeders.append(net.neuron("c0"))
        for src in feeders:
            net.connect(src.name, neuron.name, weight=rng.normal(0, 0.8), frozen=rng.random() < 0.15)
        sources.append(neuron)
    return net


class NoClearSamples(ValueError):
    """No inputs drawn kept every kinked neuron of a network away from its kink."""


def random_samples(net, seed, n=3, tries=200):
    """Inputs and targets for ``net`` that keep every kinked neuron away from its kink.

    Raises NoClearSamples after ``tries`` draws: in some networks a kinked neuron's net
    is the same for every input, for it is fed only by neurons that no input moves (the
    bias, or a relu that never opens), or it is off its kink for very few inputs.
    """
    rng = np.random.default_rng(seed + 10_000)
    for _ in range(tries):
        inputs = rng.normal(0, 1, size=(n, len(net.inputs)))
        if _clear_of_kinks(net, inputs):
            return inputs, _targets(net.loss.name, rng, n, len(net.outputs))
    raise NoClearSamples(f"no inputs in {tries} draws keep every kinked neuron of this network off its kink")


def _output_activation(loss, rng):
    return {"bce": "sigmoid", "softmax_ce": "linear"}.get(loss) or rng.choice(ACTIVATIONS)


def _targets(loss, rng, n, width):
    if loss == "bce":
        return rng.uniform(0.05, 0.95, size=(n, width))
    if loss == "softmax_ce":
        return rng.dirichlet(np.ones(width), size=n)
    return rng.normal(0, 1, size=(n, width))


def _clear_of_kinks(net, inputs):
    for x in inputs:
        net.forward(x)
        if any(n.computing and n.activation.name in KINKED and abs(n.net) < 1e-3 for n in net.neurons):
            return False
    return True
