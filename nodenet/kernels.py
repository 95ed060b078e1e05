"""The compiled schedule: whole training steps over the state arrays, in machine code.

These loops do what the node-by-node schedule does (:mod:`nodenet.neuron`,
:mod:`nodenet.link`, :mod:`nodenet.training`), operation for operation and in the same
order, so the numbers agree: sums run over the links in the order the objects hold
them (a mini-batch's sums several at once, in :mod:`nodenet.lanes`), and a loss adds
its terms as ``numpy.sum`` does. They read and write the network's own state and
history arrays. numba compiles them on first use and caches the machine code beside
this file. :func:`supply_pages` is the routine a thread of the system's own
runs to ask for the history's pages while they train (:func:`nodenet.state.prefaulted`).

A neuron's activation and the network's loss are given by their index in
:data:`ACTIVATIONS` and :data:`LOSSES`. The activations are the engine's own scalar
functions (``nodenet.activations.SCALAR``), compiled; in a mini-batch a sigmoid runs
eight samples at once (:func:`nodenet.lanes.sigmoid`, the same operations lane by lane).
The losses are written out here for a batch of samples, one row each, and the test
suite holds each to its registry twin.

numba's cache follows each function's own file only: after changing an activation's
formula, :mod:`nodenet.lanes`, or the compiled versions of the sigmoid's ``exp`` parts
here, delete ``nodenet/__pycache__/kernels*`` and ``nodenet/__pycache__/activations*``
so that everything is compiled again.

Examples
--------
>>> activation(ACTIVATIONS.index("sigmoid"), 0.0), derivative(ACTIVATIONS.index("tanh"), 0.0, 0.0)
(0.5, 1.0)
"""

import math

import numpy as np
from llvmlite import ir
from numba import carray, cfunc, njit, types
from numba.extending import intrinsic, overload, register_jitable

from .activations import _EXP_TABLE, SCALAR, _exp_table, _power_of_two, exp_nonpositive
from .lanes import WIDTH, load, sigmoid, splat, store, zeros
from .losses import BCE_HIGH, BCE_LOW

__all__ = ["ACTIVATIONS", "LOSSES", "activation", "derivative", "loss_error", "total", "groups", "run_steps",
           "supply_pages"]

ACTIVATIONS = tuple(SCALAR)
SIGMOID = ACTIVATIONS.index("sigmoid")
LOSSES = ("half_sse", "mse", "bce", "softmax_ce")
HALF_SSE, MSE, BCE, SOFTMAX_CE = range(len(LOSSES))
# what run_steps returns first
FINISHED, DIVERGED = 0, 1
MAX_OUTPUTS = 128       # numpy adds up to this many values in one pairwise block


# the sigmoid's exp (activations.exp_nonpositive), compiled where the sigmoid calls it:
# its table two constant arrays, 2^m made from its bits, the same numbers as in Python
register_jitable(exp_nonpositive)
_EXP_HI, _EXP_LO = (np.array(column) for column in zip(*_EXP_TABLE))


@overload(_exp_table)
def _compiled_exp_table(j):
    # loads from constant arrays: numba looks a tuple up through a branch per entry
    return lambda j: (_EXP_HI[j], _EXP_LO[j])


@intrinsic
def _power_of_two_bits(typingctx, m):
    """2^m made from its bits (the biased exponent m + 1023), for a whole m from -1022 to 1023."""
    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        bits = builder.shl(builder.add(args[0], ir.Constant(i64, 1023)), ir.Constant(i64, 52))
        return builder.bitcast(bits, ir.DoubleType())
    return types.float64(types.int64), codegen


@overload(_power_of_two)
def _compiled_power_of_two(m):
    return lambda m: _power_of_two_bits(m)


# the engine's own scalar functions, compiled: the kernels run the very same formulas
_F0, _F1, _F2, _F3, _F4, _F5 = (njit(cache=True)(f) for f, _ in SCALAR.values())
_D0, _D1, _D2, _D3, _D4, _D5 = (njit(cache=True)(derivative) for _, derivative in SCALAR.values())


@njit(cache=True)
def activation(code, net):
    """``f(net)`` of the activation numbered ``code`` in :data:`ACTIVATIONS`."""
    if code == 0:
        return _F0(net)
    if code == 1:
        return _F1(net)
    if code == 2:
        return _F2(net)
    if code == 3:
        return _F3(net)
    if code == 4:
        return _F4(net)
    return _F5(net)


@njit(cache=True)
def derivative(code, net, out):
    """``f'(net)`` of the activation numbered ``code``, given ``net`` and ``out``."""
    if code == 0:
        return _D0(net, out)
    if code == 1:
        return _D1(net, out)
    if code == 2:
        return _D2(net, out)
    if code == 3:
        return _D3(net, out)
    if code == 4:
        return _D4(net, out)
    return _D5(net, out)


@njit(cache=True)
def total(values):
    """``numpy.sum(values)`` for up to 128 values, added up in numpy's (pairwise) order."""
    n = values.size
    result = 0.0
    if n < 8:
        for value in values:
            result += value
        return result
    # eight running sums in registers; numpy adds the values into them in blocks of eight
    r0, r1, r2, r3 = values[0], values[1], values[2], values[3]
    r4, r5, r6, r7 = values[4], values[5], values[6], values[7]
    i = 8
    while i < n - n % 8:
        r0, r1, r2, r3 = r0 + values[i], r1 + values[i + 1], r2 + values[i + 2], r3 + values[i + 3]
        r4, r5, r6, r7 = r4 + values[i + 4], r5 + values[i + 5], r6 + values[i + 6], r7 + values[i + 7]
        i += 8
    result = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for k in range(i, n):
        result += values[k]
    return result


@njit(cache=True)
def loss_error(code, O, T, terms, ERROR):
    """Fill ``ERROR`` (dE/d(out)) of the loss numbered ``code`` for each sample, a row of ``O`` and ``T``.

    Returns the sum of the samples' losses, added in order, and the last sample's loss;
    ``terms`` is left holding the last sample's terms. One call takes a whole batch, so
    that its samples cost no reference counting.
    """
    count, n = O.shape
    loss_sum = loss = 0.0
    for b in range(count):
        if code == HALF_SSE:
            for k in range(n):
                terms[k] = 0.5 * (T[b, k] - O[b, k]) ** 2
                ERROR[b, k] = O[b, k] - T[b, k]
        elif code == MSE:
            for k in range(n):
                terms[k] = (T[b, k] - O[b, k]) ** 2 / n
                ERROR[b, k] = 2.0 * (O[b, k] - T[b, k]) / n
        elif code == BCE:
            for k in range(n):
                c = min(max(O[b, k], BCE_LOW), BCE_HIGH)
                terms[k] = -(T[b, k] * math.log(c) + (1.0 - T[b, k]) * math.log1p(-c))
                ERROR[b, k] = (c - T[b, k]) / (c * (1.0 - c))
        else:
            # softmax inside the loss: log_softmax(o) = o - max(o) - log(sum(exp(o - max(o))))
            o, t, error = O[b], T[b], ERROR[b]
            top = o.max()
            for k in range(n):
                error[k] = math.exp(o[k] - top)
            log_sum = math.log(total(error))
            mass = total(t)
            for k in range(n):
                log_p = (o[k] - top) - log_sum
                terms[k] = -t[k] * log_p
                error[k] = math.exp(log_p) * mass - t[k]
        loss = total(terms)
        loss_sum += loss
    return loss_sum, loss


@njit(cache=True)
def groups(forward, down_ptr, down_links, src):
    """Cut the forward order into runs of neurons fed by the same sources, in the same order, and not by each other.

    Returns the runs' bounds: run g is ``forward[bounds[g]:bounds[g + 1]]``. A run ends
    where a neuron's sources differ from the one's before it; neurons with the same
    sources never feed each other, for none feeds itself.

    Examples
    --------
    >>> import nodenet as nn
    >>> from nodenet.fastpath import Plan
    >>> plan = Plan.of(nn.layered([2, 3, 1], seed=0))     # the hidden layer, then the output
    >>> groups(plan.forward, plan.down_ptr, plan.down_links, plan.src).tolist()
    [0, 3, 4]
    """
    bounds = np.empty(forward.size + 1, dtype=np.int64)
    count = 0
    for i in range(forward.size):
        same = i > 0
        if same:
            before, neuron = forward[i - 1], forward[i]
            fan = down_ptr[neuron + 1] - down_ptr[neuron]
            same = fan == down_ptr[before + 1] - down_ptr[before]
            for k in range(fan if same else 0):
                if src[down_links[down_ptr[before] + k]] != src[down_links[down_ptr[neuron] + k]]:
                    same = False
                    break
        if not same:
            bounds[count] = i
            count += 1
    bounds[count] = forward.size
    return bounds[:count + 1].copy()


@njit(cache=True)
def _gather(neuron, down_ptr, down_links, src, out, xs):
    """The outs of ``neuron``'s sources, in its downlinks' order, into ``xs``."""
    links = down_links[down_ptr[neuron]:down_ptr[neuron + 1]]
    for k in range(links.size):
        xs[k] = out[src[links[k]]]


@njit(cache=True)
def _forward(x, inputs, forward, groups, act, down_ptr, down_links, src, weight, net, out, xs):
    for k in range(inputs.size):
        out[inputs[k]] = x[k]
    # the neurons of a group are fed by the same sources in the same order and feed none
    # of each other: their sources' outs are gathered once, and four neurons sum at once,
    # each over its own links in order, which keeps the processor busy
    for g in range(groups.size - 1):
        i, stop = groups[g], groups[g + 1]
        _gather(forward[i], down_ptr, down_links, src, out, xs)
        while i + 4 <= stop:
            n0, n1, n2, n3 = forward[i], forward[i + 1], forward[i + 2], forward[i + 3]
            fan = down_ptr[n0 + 1] - down_ptr[n0]
            l0, l1 = down_links[down_ptr[n0]:down_ptr[n0] + fan], down_links[down_ptr[n1]:down_ptr[n1] + fan]
            l2, l3 = down_links[down_ptr[n2]:down_ptr[n2] + fan], down_links[down_ptr[n3]:down_ptr[n3] + fan]
            s0 = s1 = s2 = s3 = 0.0
            for k in range(fan):
                s0 += weight[l0[k]] * xs[k]
                s1 += weight[l1[k]] * xs[k]
                s2 += weight[l2[k]] * xs[k]
                s3 += weight[l3[k]] * xs[k]
            net[n0], net[n1], net[n2], net[n3] = s0, s1, s2, s3
            out[n0], out[n1] = activation(act[n0], s0), activation(act[n1], s1)
            out[n2], out[n3] = activation(act[n2], s2), activation(act[n3], s3)
            i += 4
        for j in range(i, stop):
            neuron = forward[j]
            links = down_links[down_ptr[neuron]:down_ptr[neuron + 1]]
            s0 = 0.0
            for k in range(links.size):
                s0 += weight[links[k]] * xs[k]
            net[neuron] = s0
            out[neuron] = activation(act[neuron], s0)


@njit(cache=True)
def _grads(forward, groups, down_ptr, down_links, src, out, delta, grad, xs):
    # grad = dst.delta * src.out for every link, group by group as in _forward
    for g in range(groups.size - 1):
        _gather(forward[groups[g]], down_ptr, down_links, src, out, xs)
        for i in range(groups[g], groups[g + 1]):
            neuron = forward[i]
            d, links = delta[neuron], down_links[down_ptr[neuron]:down_ptr[neuron + 1]]
            for k in range(links.size):
                grad[links[k]] = d * xs[k]


@njit(cache=True)
def _backward(t, outputs, output_of, backward, act, up_ptr, up_links, dst, loss_code, weight,
              net, out, error, delta, o, terms, loss_errors):
    # o, t and loss_errors are one row: the loss takes samples as rows
    for k in range(outputs.size):
        o[0, k] = out[outputs[k]]
    _, loss = loss_error(loss_code, o, t, terms, loss_errors)
    for neuron in backward:
        s = 0.0
        for link in up_links[up_ptr[neuron]:up_ptr[neuron + 1]]:
            s += weight[link] * delta[dst[link]]
        position = output_of[neuron]
        e = (loss_errors[0, position] if position >= 0 else 0.0) + s
        error[neuron] = e
        delta[neuron] = e * derivative(act[neuron], net[neuron], out[neuron])
    return loss


@njit(cache=True)
def _four_nets(four, down_ptr, down_links, src, weight, OUT, NET, count):
    """NET of ``four`` neurons fed by the same sources, eight samples a pass, each sum in link order.

    Returns the number of samples done, a multiple of eight (none unless given four
    neurons): :func:`_nets` does the rest.
    """
    if four.size < 4:
        return 0
    p0, p1, p2, p3 = down_ptr[four[0]], down_ptr[four[1]], down_ptr[four[2]], down_ptr[four[3]]
    fan = down_ptr[four[0] + 1] - p0
    b = 0
    while b + WIDTH <= count:
        s0 = s1 = s2 = s3 = zeros()
        for k in range(fan):
            x = load(OUT[src[down_links[p0 + k]]], b)
            s0 = s0 + splat(weight[down_links[p0 + k]]) * x
            s1 = s1 + splat(weight[down_links[p1 + k]]) * x
            s2 = s2 + splat(weight[down_links[p2 + k]]) * x
            s3 = s3 + splat(weight[down_links[p3 + k]]) * x
        store(NET[four[0]], b, s0)
        store(NET[four[1]], b, s1)
        store(NET[four[2]], b, s2)
        store(NET[four[3]], b, s3)
        b += WIDTH
    return b


@njit(cache=True)
def _nets(neuron, first, count, down_ptr, down_links, src, weight, OUT, NET):
    """NET of ``neuron`` for the samples ``first`` to ``count``, four links a pass, each sum in link order."""
    if first == count:
        return
    acc, links, k = NET[neuron], down_links[down_ptr[neuron]:down_ptr[neuron + 1]], 0
    acc[first:count] = 0.0
    while k + 4 <= links.size:
        l0, l1, l2, l3 = links[k], links[k + 1], links[k + 2], links[k + 3]
        w0, w1, w2, w3 = weight[l0], weight[l1], weight[l2], weight[l3]
        s0, s1, s2, s3 = src[l0], src[l1], src[l2], src[l3]
        for b in range(first, count):
            acc[b] = (((acc[b] + w0 * OUT[s0, b]) + w1 * OUT[s1, b]) + w2 * OUT[s2, b]) + w3 * OUT[s3, b]
        k += 4
    for link in links[k:]:
        w, x = weight[link], OUT[src[link]]
        for b in range(first, count):
            acc[b] += w * x[b]


@njit(cache=True)
def _four_link_sums(four, down_ptr, DELTA, XT, sums, fan, count):
    """The sums over the samples of ``four`` neurons' link terms (delta times source out), eight links a pass.

    Each sum adds the samples in order; ``XT`` holds the sources' outs, one row per
    sample. Returns the number of links done, a multiple of eight (none unless given four
    neurons): :func:`_link_sums` does the rest.
    """
    if four.size < 4:
        return 0
    d0, d1, d2, d3 = DELTA[four[0]], DELTA[four[1]], DELTA[four[2]], DELTA[four[3]]
    p0, p1, p2, p3 = down_ptr[four[0]], down_ptr[four[1]], down_ptr[four[2]], down_ptr[four[3]]
    k = 0
    while k + WIDTH <= fan:
        t0 = t1 = t2 = t3 = zeros()
        for b in range(count):
            x = load(XT[b], k)
            t0 = t0 + splat(d0[b]) * x
            t1 = t1 + splat(d1[b]) * x
            t2 = t2 + splat(d2[b]) * x
            t3 = t3 + splat(d3[b]) * x
        store(sums, p0 + k, t0)
        store(sums, p1 + k, t1)
        store(sums, p2 + k, t2)
        store(sums, p3 + k, t3)
        k += WIDTH
    return k


@njit(cache=True)
def _link_sums(d, XT, sums, p, first, fan, count):
    """Add to ``sums[p + first:p + fan]`` the samples' terms of one neuron's links, four samples a pass, in order."""
    if first == fan:
        return
    terms_of = sums[p + first:p + fan]        # a slice of its own, so that the loop runs on vectors
    b = 0
    while b + 4 <= count:
        d0, d1, d2, d3 = d[b], d[b + 1], d[b + 2], d[b + 3]
        x0, x1, x2, x3 = XT[b, first:fan], XT[b + 1, first:fan], XT[b + 2, first:fan], XT[b + 3, first:fan]
        for k in range(terms_of.size):
            terms_of[k] = (((terms_of[k] + d0 * x0[k]) + d1 * x1[k]) + d2 * x2[k]) + d3 * x3[k]
        b += 4
    for j in range(b, count):
        x = XT[j, first:fan]
        for k in range(terms_of.size):
            terms_of[k] += d[j] * x[k]


@njit(cache=True)
def _batch(X, T, rows, start, stop, inputs, outputs, output_of, forward, groups, backward, act, down_ptr, down_links,
           up_ptr, up_links, src, dst, loss_code, net, out, error, delta, weight, grad, terms,
           NET, OUT, ERROR, DELTA, O, TB, LOSS_ERRORS, sums, XT):
    """One mini-batch step up to the update: grad = the mean of the samples' grads.

    Returns the batch's mean loss and the loss of its last sample.

    The samples run side by side, one column each, so each operation is done for all of
    them at once; every sum still adds its terms in the node-by-node order. Afterwards
    the neurons hold the numbers of the batch's last sample, as in the node-by-node schedule.
    """
    count = stop - start
    for neuron in range(out.size):
        OUT[neuron, :count] = out[neuron]          # bias neurons keep their out
    for b in range(count):
        sample = rows[start + b]
        for k in range(inputs.size):
            OUT[inputs[k], b] = X[sample, k]
    # a group's neurons share their sources and feed none of each other: four of them sum
    # at once over eight samples, in registers; the samples and neurons left over sum as rows
    for g in range(groups.size - 1):
        end = groups[g + 1]
        for i in range(groups[g], end, 4):
            block = forward[i:min(i + 4, end)]
            done = _four_nets(block, down_ptr, down_links, src, weight, OUT, NET, count)
            for neuron in block:
                _nets(neuron, done, count, down_ptr, down_links, src, weight, OUT, NET)
        for neuron in forward[groups[g]:end]:
            done = 0
            if act[neuron] == SIGMOID:          # eight samples at once, the same bits as one by one
                while done + WIDTH <= count:
                    store(OUT[neuron], done, sigmoid(load(NET[neuron], done)))
                    done += WIDTH
            for b in range(done, count):
                OUT[neuron, b] = activation(act[neuron], NET[neuron, b])
    for b in range(count):
        sample = rows[start + b]
        for k in range(outputs.size):
            O[b, k], TB[b, k] = OUT[outputs[k], b], T[sample, k]
    batch_loss, sample_loss = loss_error(loss_code, O[:count], TB[:count], terms, LOSS_ERRORS[:count])
    for neuron in backward:
        acc = ERROR[neuron]
        acc[:count] = 0.0
        for link in up_links[up_ptr[neuron]:up_ptr[neuron + 1]]:
            w, d = weight[link], DELTA[dst[link]]
            for b in range(count):
                acc[b] += w * d[b]
        position = output_of[neuron]
        for b in range(count):
            acc[b] = (LOSS_ERRORS[b, position] if position >= 0 else 0.0) + acc[b]
            DELTA[neuron, b] = acc[b] * derivative(act[neuron], NET[neuron, b], OUT[neuron, b])
    # each link's grad sums the samples' terms in order; a group's source outs are gathered
    # once, one row per sample, and four neurons sum eight links at once, in registers
    sums[:] = 0.0
    for g in range(groups.size - 1):
        end, first = groups[g + 1], forward[groups[g]]
        links = down_links[down_ptr[first]:down_ptr[first + 1]]
        fan = links.size
        for k in range(fan):
            x = OUT[src[links[k]]]
            for b in range(count):
                XT[b, k] = x[b]
        for i in range(groups[g], end, 4):
            block = forward[i:min(i + 4, end)]
            done = _four_link_sums(block, down_ptr, DELTA, XT, sums, fan, count)
            for neuron in block:
                _link_sums(DELTA[neuron], XT, sums, down_ptr[neuron], done, fan, count)
    for k in range(sums.size):            # on vectors, then put in place
        sums[k] = sums[k] / count
    for k in range(sums.size):
        grad[down_links[k]] = sums[k]
    last = count - 1
    for k in range(inputs.size):
        out[inputs[k]] = OUT[inputs[k], last]
    for neuron in forward:
        net[neuron], out[neuron] = NET[neuron, last], OUT[neuron, last]
        error[neuron], delta[neuron] = ERROR[neuron, last], DELTA[neuron, last]
    return batch_loss / count, sample_loss


@njit(cache=True, nogil=True)       # other Python threads run meanwhile
def run_steps(X, T, rows, first, steps, batch_size, lr, momentum, loss_sum,
              inputs, outputs, output_of, forward, groups, backward, act, down_ptr, down_links, up_ptr, up_links,
              src, dst, loss_code,
              net, out, error, delta, weight, grad, velocity, frozen,
              every, step_count, size, h_weight, h_dw, h_grad, h_steps, h_loss, total_moved):
    """Run ``steps`` training steps on the samples ``rows[first:]``, recording each in the history.

    Returns (status, steps done, loss_sum, step_count, size, the last step's loss, the loss
    of the last sample, which is what the network keeps as its last loss). On DIVERGED the
    last step done left a number that is not finite; it is not counted, but it has added
    to ``total_moved`` and the network holds its numbers, so the caller puts both back.
    A group of neurons in ``groups`` must share their sources (see ``fastpath.Plan``).
    """
    n_links = weight.size
    o, loss_errors = np.empty((1, outputs.size)), np.empty((1, outputs.size))
    terms = np.empty(outputs.size)
    xs = np.empty(out.size)
    # a mini-batch keeps one column per sample of every neuron's numbers
    width = min(batch_size, rows.size) if batch_size > 1 else 0
    NET, OUT = np.empty((out.size, width)), np.empty((out.size, width))
    ERROR, DELTA = np.empty((out.size, width)), np.empty((out.size, width))
    # and one row per sample of its outputs, targets and dE/d(out)
    rows_of_outputs = (width, outputs.size)
    O, TB, LOSS_ERRORS = np.empty(rows_of_outputs), np.empty(rows_of_outputs), np.empty(rows_of_outputs)
    sums = np.empty(n_links if width else 0)      # each link's grad, in down_links order
    XT = np.empty((width, out.size))                # a group's sources' outs, one row per sample
    loss = sample_loss = 0.0
    for s in range(steps):
        start = first + s * batch_size
        stop = min(start + batch_size, rows.size)
        if batch_size == 1:
            sample = rows[start]
            _forward(X[sample], inputs, forward, groups, act, down_ptr, down_links, src, weight, net, out, xs)
            loss = sample_loss = _backward(T[sample:sample + 1], outputs, output_of, backward, act, up_ptr, up_links,
                                           dst, loss_code, weight, net, out, error, delta, o, terms, loss_errors)
            _grads(forward, groups, down_ptr, down_links, src, out, delta, grad, xs)
        else:
            loss, sample_loss = _batch(X, T, rows, start, stop, inputs, outputs, output_of, forward, groups,
                                       backward, act, down_ptr, down_links, up_ptr, up_links, src, dst, loss_code,
                                       net, out, error, delta, weight, grad, terms,
                                       NET, OUT, ERROR, DELTA, O, TB, LOSS_ERRORS, sums, XT)
        # branch-free, so that the processor does several links at once: a frozen link keeps its numbers
        for link in range(n_links):
            dw = -lr * grad[link] + momentum * velocity[link]
            weight[link] = weight[link] if frozen[link] else weight[link] + dw
            velocity[link] = velocity[link] if frozen[link] else dw
            total_moved[link] += abs(velocity[link])
        bad = 0
        for link in range(n_links):
            bad += not math.isfinite(weight[link])
        for neuron in range(out.size):
            bad += not math.isfinite(out[neuron])
        if bad or not math.isfinite(loss):
            return DIVERGED, s + 1, loss_sum, step_count, size, loss, sample_loss
        step_count += 1
        if step_count % every == 0:
            h_weight[size] = weight
            if h_dw.shape[0]:                   # a field the history does not record has no rows
                h_dw[size] = velocity
            if h_grad.shape[0]:
                h_grad[size] = grad
            h_steps[size], h_loss[size] = step_count, loss
            size += 1
        loss_sum += loss if batch_size == 1 else loss * (stop - start)
    return FINISHED, steps, loss_sum, step_count, size, loss, sample_loss


# -- the history's pages, asked for by a thread of the system's own ----------------------

@intrinsic
def _advise(typingctx, function, start, length, advice):
    """Call the C function at address ``function`` as ``madvise(start, length, advice)``."""
    def codegen(context, builder, signature, args):
        function, start, length, advice = args
        address = ir.IntType(8).as_pointer()
        madvise = ir.FunctionType(ir.IntType(32), [address, ir.IntType(64), ir.IntType(32)])
        return builder.call(builder.inttoptr(function, madvise.as_pointer()),
                            [builder.inttoptr(start, address), length, builder.trunc(advice, ir.IntType(32))])
    return types.int32(types.int64, types.int64, types.int64, types.int64), codegen


@intrinsic
def _asked_to_stop(typingctx, job):
    """``job[0]``, read as one atomic load: another thread sets it."""
    def codegen(context, builder, signature, args):
        return builder.load_atomic(args[0], "monotonic", 8)
    return types.int64(types.CPointer(types.int64)), codegen


@cfunc(types.int64(types.CPointer(types.int64)), cache=True)
def supply_pages(job):
    """A thread's routine: ``madvise`` each chunk of ``job`` in turn, until told to stop.

    ``job`` is an int64 array: a flag the caller sets to stop it (read before each
    call), the number of chunks, the address of madvise, the advice, then each chunk's
    start and length. It calls no Python, so it never waits for the GIL. Returns 0 when
    every chunk was asked for, 1 when told to stop, 2 when the system refused one.
    """
    head = carray(job, 4)
    chunks = carray(job, 4 + 2 * head[1])
    for k in range(head[1]):
        if _asked_to_stop(job):
            return 1
        if _advise(head[2], chunks[4 + 2 * k], chunks[5 + 2 * k], head[3]):
            return 2
    return 0
