"""One peer's run of the shared workload, in this process: ``python peers.py PEER NET [BATCH [EPOCHS]]``.

The workload: a sigmoid net (2-8-8-1 on 5,000 samples, or 64-32-10 on 3,000), half the
sum of squared errors, SGD with lr 0.1 and classical momentum 0.9, one pass (or EPOCHS
passes) over fixed data in a fixed order. Each peer trains its own net of that shape and
prints one JSON line: the samples it trained on (counted once per pass), the seconds
that took, and for nodenet the bytes its history holds per link per step. Slow peers
train on the first ``LIMITS`` samples only.

``run.py`` starts this file once per peer, net and repetition.
"""

import json
import math
import random
import sys
import time

import numpy as np

NETS = {"2-8-8-1": ([2, 8, 8, 1], 5000), "64-32-10": ([64, 32, 10], 3000)}
LR, MOMENTUM = 0.1, 0.9
# samples timed for peers that would take minutes on the whole workload
LIMITS = {("python", "64-32-10"): 300, ("micrograd", "2-8-8-1"): 1000, ("micrograd", "64-32-10"): 60,
          ("nodenet-node", "2-8-8-1"): 1000, ("nodenet-node", "64-32-10"): 200}


def data(net):
    """The fixed samples of a net: inputs ~ N(0, 1), targets ~ U(0, 1)."""
    sizes, samples = NETS[net]
    rng = np.random.default_rng(0)
    return rng.normal(size=(samples, sizes[0])), rng.uniform(size=(samples, sizes[-1]))


def glorot(rng, fan_in, fan_out):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_out, fan_in))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# -- peers: each trains on X, Y and returns extra figures to report ------------------------

def numpy_loop(sizes, X, Y, batch, epochs):
    """Hand-written numpy: one sample at a time as vectors, or a batch of rows as matrices."""
    rng = np.random.default_rng(0)
    W = [glorot(rng, a, b) for a, b in zip(sizes, sizes[1:])]
    B = [np.zeros(b) for b in sizes[1:]]
    VW, VB = [np.zeros_like(w) for w in W], [np.zeros_like(b) for b in B]
    starts = [start for _ in range(epochs) for start in range(0, len(X), batch)]    # each pass in order
    for start in starts:
        if batch == 1:
            x, t = X[start], Y[start]
        else:
            x, t = X[start:start + batch], Y[start:start + batch]
        outs = [x]
        for w, b in zip(W, B):
            outs.append(sigmoid(outs[-1] @ w.T + b))
        delta = (outs[-1] - t) * outs[-1] * (1.0 - outs[-1])
        for k in range(len(W) - 1, -1, -1):
            if batch == 1:
                grad_w, grad_b = np.outer(delta, outs[k]), delta
            else:
                grad_w, grad_b = delta.T @ outs[k] / len(x), delta.sum(axis=0) / len(x)
            if k:
                delta = (delta @ W[k]) * outs[k] * (1.0 - outs[k])
            VW[k] *= MOMENTUM
            VW[k] -= LR * grad_w
            VB[k] *= MOMENTUM
            VB[k] -= LR * grad_b
            W[k] += VW[k]
            B[k] += VB[k]
    return {}


class Neuron:
    def __init__(self):
        self.downlinks, self.uplinks, self.out, self.delta = [], [], 0.0, 0.0


class Link:
    def __init__(self, src, dst, weight):
        self.src, self.dst, self.weight, self.velocity, self.grad = src, dst, weight, 0.0, 0.0
        self.weights = []           # the link's history: its weight after every step
        src.uplinks.append(self)
        dst.downlinks.append(self)


def python_graph(sizes, X, Y, batch, epochs):
    """Plain Python objects: neurons and links, each link keeping a list of its weights."""
    rnd = random.Random(0)
    layers = [[Neuron() for _ in range(size)] for size in sizes]
    bias = Neuron()
    bias.out = 1.0
    links = []
    for below, layer in zip(layers, layers[1:]):
        limit = math.sqrt(6.0 / (len(below) + len(layer)))
        for dst in layer:
            links += [Link(src, dst, rnd.uniform(-limit, limit)) for src in below] + [Link(bias, dst, 0.0)]
    computing = [n for layer in layers[1:] for n in layer]
    for x, t in list(zip(X.tolist(), Y.tolist())) * epochs:
        for neuron, value in zip(layers[0], x):
            neuron.out = value
        for neuron in computing:
            neuron.out = 1.0 / (1.0 + math.exp(-sum(link.weight * link.src.out for link in neuron.downlinks)))
        for neuron, target in zip(layers[-1], t):
            neuron.delta = (neuron.out - target) * neuron.out * (1.0 - neuron.out)
        for neuron in reversed(computing[:-len(layers[-1])]):
            error = sum(link.weight * link.dst.delta for link in neuron.uplinks)
            neuron.delta = error * neuron.out * (1.0 - neuron.out)
        for link in links:
            link.velocity = MOMENTUM * link.velocity - LR * link.dst.delta * link.src.out
            link.weight += link.velocity
            link.weights.append(link.weight)
    return {}


def micrograd(sizes, X, Y, batch, epochs):
    """micrograd's scalar autograd: a Value per weight, the graph rebuilt for every sample."""
    from micrograd.engine import Value

    def sigmoid_value(v):
        s = 1.0 / (1.0 + math.exp(-v.data))
        out = Value(s, (v,), "sigmoid")

        def _backward():
            v.grad += s * (1.0 - s) * out.grad
        out._backward = _backward
        return out

    rnd = random.Random(0)
    layers = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        layers.append([([Value(rnd.uniform(-limit, limit)) for _ in range(fan_in)], Value(0.0))
                       for _ in range(fan_out)])
    params = [p for layer in layers for weights, b in layer for p in weights + [b]]
    velocity = [0.0] * len(params)
    for x, t in list(zip(X.tolist(), Y.tolist())) * epochs:
        outs = x
        for layer in layers:
            outs = [sigmoid_value(sum((w * o for w, o in zip(weights, outs)), b)) for weights, b in layer]
        loss = sum(((o - target) ** 2 for o, target in zip(outs, t)), Value(0.0)) * 0.5
        for p in params:
            p.grad = 0.0
        loss.backward()
        for j, p in enumerate(params):
            velocity[j] = MOMENTUM * velocity[j] - LR * p.grad
            p.data += velocity[j]
    return {}


def sklearn(sizes, X, Y, batch, epochs):
    """scikit-learn's MLPRegressor: logistic hidden units, identity output, squared error."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor
    model = MLPRegressor(hidden_layer_sizes=tuple(sizes[1:-1]), activation="logistic", solver="sgd",
                         batch_size=batch, learning_rate="constant", learning_rate_init=LR, momentum=MOMENTUM,
                         nesterovs_momentum=False, alpha=0.0, max_iter=epochs, shuffle=False, random_state=0,
                         tol=0.0, n_iter_no_change=epochs + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            model.fit(X, Y if Y.shape[1] > 1 else Y[:, 0])
        except ValueError as err:                   # raised after the pass, when the weights overflowed
            return {"note": f"diverged: {err}".split(".")[0]}
    return {}


def nodenet(sizes, X, Y, batch, epochs, schedule="auto", every=1, fields=("weight", "dw", "grad")):
    """nodenet, recording every link's weight, dw and grad (or ``fields``) at every step (or every ``every``-th)."""
    import nodenet as nn
    warm = nn.layered(sizes, seed=1)         # loads the compiled kernels, as any earlier training would
    warm.train(X[:2], Y[:2], epochs=1, lr=LR, momentum=MOMENTUM, batch_size=batch, schedule=schedule)
    net = nn.layered(sizes, seed=0)
    net.history = nn.History(every=every, fields=fields)
    start = time.perf_counter()
    net.train(X, Y, epochs=epochs, lr=LR, momentum=MOMENTUM, batch_size=batch, shuffle=False, schedule=schedule)
    seconds = time.perf_counter() - start
    history = net.history
    recorded = sum(history.array(field).nbytes for field in history.fields)
    recorded += history.steps.nbytes + history.loss.nbytes
    return {"seconds": seconds, "history_bytes_per_link_step": recorded / (len(net.links) * history.step_count)}


def history_alone(sizes, X, Y, batch, epochs):
    """No training: only writing weight, dw and grad of every link at every step into fresh memory."""
    from nodenet.state import unset         # the memory a history is written into
    links = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))
    steps = -(-len(X) // batch) * epochs
    start = time.perf_counter()
    row, fields = np.ones(links), [unset((steps, links)) for _ in range(3)]
    for step in range(steps):
        for field in fields:
            field[step] = row
    return {"seconds": time.perf_counter() - start}


PEERS = {"numpy": numpy_loop, "history": history_alone, "python": python_graph, "micrograd": micrograd, "sklearn": sklearn,
         "nodenet": nodenet, "nodenet-node": lambda *args: nodenet(*args, schedule="node"),
         "nodenet-weights": lambda *args: nodenet(*args, fields=("weight",)),
         "nodenet-unrecorded": lambda *args: nodenet(*args, every=10**9)}


def main(peer, net, batch=1, epochs=1):
    sizes, _ = NETS[net]
    X, Y = data(net)
    samples = LIMITS.get((peer, net), len(X))
    X, Y = X[:samples], Y[:samples]
    start = time.perf_counter()
    figures = PEERS[peer](sizes, X, Y, batch, epochs)
    seconds = figures.pop("seconds", time.perf_counter() - start)
    print(json.dumps({"peer": peer, "net": net, "batch": batch, "samples": samples * epochs, "seconds": seconds,
                      **figures}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:]))
