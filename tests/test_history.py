"""Per-link history against an independent record of the same training."""

import csv
import ctypes
import mmap
import os
import sys
import time

import numpy as np
import pytest

import nodenet as nn
from dags import random_dag, random_samples


def trained_with_record(seed=4, steps=100, momentum=0.9, every=1):
    """Train one net with train() and its twin step by step, reading the link objects."""
    net, twin = random_dag(seed), random_dag(seed)
    net.history = nn.History(every=every)
    inputs, targets = random_samples(net, seed, n=10)
    epochs = steps // len(inputs)
    net.train(inputs, targets, epochs=epochs, lr=0.02, momentum=momentum, shuffle=False)
    record = {"weight": [], "dw": [], "grad": [], "loss": []}
    for _ in range(epochs):
        for x, t in zip(inputs, targets):
            before = [link.weight for link in twin.links]
            record["loss"].append(twin.step(x, t, lr=0.02, momentum=momentum))
            record["weight"].append([link.weight for link in twin.links])
            record["dw"].append([link.velocity for link in twin.links])
            record["grad"].append([link.grad for link in twin.links])
            assert all(abs(w - b - v) < 1e-12 for w, b, v in zip(record["weight"][-1], before,
                                                                  record["dw"][-1]))
    return net, {key: np.array(values) for key, values in record.items()}


def test_weights_of_every_link_after_every_step():
    net, record = trained_with_record()
    history = net.history
    assert len(history) == 100 and history.steps.tolist() == list(range(1, 101))
    for j, link in enumerate(net.links):
        assert history.weights(link.id).tolist() == record["weight"][:, j].tolist()
        assert history.dw(f"{link.src.name}->{link.dst.name}").tolist() == record["dw"][:, j].tolist()
        assert history.grads(link).tolist() == record["grad"][:, j].tolist()
    assert history.loss.tolist() == record["loss"].tolist()
    assert history.weights(net.links[0])[-1] == net.links[0].weight


def test_history_arrays_use_eight_bytes_per_link_per_step():
    net, _ = trained_with_record()
    for field in ("weight", "dw", "grad"):
        array = net.history.array(field)
        assert array.dtype == np.float64 and array.shape == (100, len(net.links))
        assert array.nbytes == 8 * 100 * len(net.links)


def test_top_changed_and_unchanged_agree_with_a_direct_computation():
    net, record = trained_with_record()
    moved = np.abs(record["dw"]).sum(axis=0)
    ids = [link.id for link in net.links]
    direct = sorted(zip(ids, moved), key=lambda pair: -pair[1])
    assert net.history.top_changed(5) == [(i, pytest.approx(m, rel=1e-12)) for i, m in direct[:5]]
    assert net.history.unchanged() == [i for i, m in zip(ids, moved) if m == 0]
    assert {link.id for link in net.links if link.frozen} <= set(net.history.unchanged())
    assert net.history.unchanged()


def test_every_k_steps_records_those_steps_and_still_counts_all_movement():
    full, _ = trained_with_record()
    sparse, _ = trained_with_record(every=3)
    assert sparse.history.steps.tolist() == list(range(3, 101, 3))
    assert sparse.history.array("weight").tolist() == full.history.array("weight")[2::3].tolist()
    assert sparse.history.loss.tolist() == full.history.loss[2::3].tolist()
    assert sparse.history.total_moved.tolist() == full.history.total_moved.tolist()
    assert sparse.history.step_count == 100


def test_save_and_load_round_trip_exactly(tmp_path):
    net, _ = trained_with_record()
    net.history.save(tmp_path / "history.npz")
    loaded = nn.History.load(tmp_path / "history.npz")
    assert loaded.link_ids == net.history.link_ids
    for field in ("weight", "dw", "grad"):
        assert np.array_equal(loaded.array(field), net.history.array(field))
    for name in ("steps", "loss", "initial", "total_moved"):
        assert np.array_equal(getattr(loaded, name), getattr(net.history, name))
    assert (loaded.every, loaded.step_count, len(loaded)) == (1, 100, 100)
    assert loaded.top_changed(3) == net.history.top_changed(3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.npz"]
    with np.load(tmp_path / "history.npz", allow_pickle=False) as data:
        assert data["src"].dtype.kind == "U" and str(data["format"]) == "nodenet-history"


def test_csv_rows_read_back_exactly(tmp_path):
    net, _ = trained_with_record(steps=20)
    net.history.to_csv(tmp_path / "h.csv")
    with open(tmp_path / "h.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 20 * len(net.links)
    for link in net.links:
        mine = [r for r in rows if (r["src"], r["dst"]) == link.id]
        assert [int(r["step"]) for r in mine] == list(range(1, 21))
        assert [float(r["weight"]) for r in mine] == net.history.weights(link).tolist()
        assert [float(r["dw"]) for r in mine] == net.history.dw(link).tolist()
        assert [float(r["grad"]) for r in mine] == net.history.grads(link).tolist()
        assert [float(r["loss"]) for r in mine] == net.history.loss.tolist()


def test_history_is_kept_across_calls_and_updates_by_hand():
    net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
    net.link("i1", "o1").weight = 1.0
    net.train([[1.0]], [[0.0]], epochs=2, lr=0.5)
    net.forward([1.0])
    net.backward([0.0])
    net.update(lr=0.5)
    assert net.history.weights(("i1", "o1")).tolist() == [0.5, 0.25, 0.125]
    assert net.history.loss.tolist() == [0.5, 0.125, 0.03125]
    assert net.history.initial.tolist() == [1.0]


def test_history_errors(tmp_path):
    net = nn.layered([2, 1], seed=0)
    net.train([[1, 0]], [[1]], epochs=2, lr=0.1)
    with pytest.raises(nn.UnknownNameError, match=r"no link i1->o2 in this history \(did you mean i1->o1\?\); "
                                                  "links: i1->o1, i2->o1, b1->o1"):
        net.history.weights("i1->o2")
    with pytest.raises(nn.UnknownNameError, match="unknown history field 'weights'"):
        net.history.array("weights")
    with pytest.raises(nn.TopologyError, match=r"the history holds 2 steps .* call net.history.clear\(\)"):
        net.add_neuron("h")
        net.connect("i1", "h")
    net.history.clear()
    net.connect("i1", "h")
    with pytest.raises(nn.SettingError, match="every must be a whole number >= 1, got 0"):
        nn.History(every=0)


@pytest.mark.parametrize("content, message", [
    (b"not a zip", "is not a nodenet history file"),
    (b"PK\x03\x04broken", "is not a nodenet history file"),
])
def test_broken_history_files(tmp_path, content, message):
    (tmp_path / "h.npz").write_bytes(content)
    with pytest.raises(nn.FileFormatError, match=message):
        nn.History.load(tmp_path / "h.npz")


def test_history_file_with_wrong_shapes(tmp_path):
    net = nn.layered([2, 1], seed=0)
    net.train([[1, 0]], [[1]], epochs=2, lr=0.1)
    net.history.save(tmp_path / "h.npz")
    with np.load(tmp_path / "h.npz") as data:
        arrays = dict(data)
    arrays["weight"] = arrays["weight"][:, :2]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(nn.FileFormatError, match=r"the array 'weight' has shape \(2, 2\) .* expected shape \(2, 3\)"):
        nn.History.load(tmp_path / "bad.npz")
    arrays.pop("weight")
    np.savez(tmp_path / "missing.npz", **arrays)
    with pytest.raises(nn.FileFormatError, match="the arrays weight are missing"):
        nn.History.load(tmp_path / "missing.npz")
    with pytest.raises(nn.FileAccessError, match="no history file"):
        nn.History.load(tmp_path / "nope.npz")
    np.savez(tmp_path / "zero.npz", **dict(arrays, weight=np.zeros((2, 3)), every=np.array(0)))
    with pytest.raises(nn.FileFormatError, match="every must be a whole number >= 1, got 0"):
        nn.History.load(tmp_path / "zero.npz")
    np.savez(tmp_path / "v3.npz", **dict(arrays, weight=np.zeros((2, 3)), version=np.array(3)))
    with pytest.raises(nn.FileFormatError, match="version 3 is not supported: this nodenet reads "
                                                 "nodenet-history versions 1, 2"):
        nn.History.load(tmp_path / "v3.npz")
    with open(tmp_path / "one.npz", "wb") as handle:
        np.save(handle, np.zeros(3))
    with pytest.raises(nn.FileFormatError, match="holds a single array, not an .npz archive"):
        nn.History.load(tmp_path / "one.npz")


def test_an_empty_history_loads_unstarted_and_training_goes_on(tmp_path):
    net = nn.layered([2, 1], seed=0)
    net.history.save(tmp_path / "h.npz")
    net.history = nn.History.load(tmp_path / "h.npz")
    assert net.history.link_ids is None
    net.train([[0, 1]], [[1]], epochs=2, lr=0.5)
    assert len(net.history) == 2


def test_a_history_of_other_links_is_refused_before_training(tmp_path):
    other = nn.layered([3, 1], seed=0)
    other.train([[0, 1, 1]], [[1]], epochs=2, lr=0.5)
    net = nn.layered([2, 1], seed=0)
    net.history = other.history
    weights = net.state.weight.tolist()
    with pytest.raises(nn.TopologyError, match="net.history records 2 steps of other links"):
        net.train([[0, 1]], [[1]], epochs=1, lr=0.5)
    assert net.state.weight.tolist() == weights


def test_a_loaded_history_goes_on_recording_the_links_it_names(tmp_path):
    net = nn.layered([2, 2, 1], seed=0)
    net.train([[0, 1]], [[1]], epochs=2, lr=0.5)
    net.history.save(tmp_path / "h.npz")
    twin = nn.layered([2, 2, 1], seed=0)
    twin.train([[0, 1]], [[1]], epochs=2, lr=0.5)
    twin.history = nn.History.load(tmp_path / "h.npz")         # ids read from the file, not the network
    twin.train([[0, 1]], [[1]], epochs=1, lr=0.5)
    net.train([[0, 1]], [[1]], epochs=1, lr=0.5)
    assert twin.history.step_count == 3 and twin.history.link_ids == list(net.link_ids)
    assert twin.history.array("weight").tolist() == net.history.array("weight").tolist()
    other = nn.layered([2, 3, 1], seed=0)
    other.history = nn.History.load(tmp_path / "h.npz")
    with pytest.raises(nn.TopologyError, match="net.history records 2 steps of other links"):
        other.train([[0, 1]], [[1]], epochs=1, lr=0.5)


def test_a_history_goes_on_where_the_links_are_the_same_whatever_else_the_neurons_are():
    net = nn.layered([2, 2, 1], seed=0)
    net.train([[0, 1]], [[1]], epochs=2, lr=0.5)
    net.add_bias("spare")                       # a neuron without links: the links are as they were
    net.train([[0, 1]], [[1]], epochs=1, lr=0.5)
    assert net.history.step_count == 3

    def build(order):
        built = nn.Network()
        adders = {"x": built.add_input, "b": built.add_bias}
        for name in order:
            adders.get(name, lambda n: built.add_neuron(n, output=n == "y"))(name)
        for src, dst in [("x", "h"), ("b", "h"), ("h", "y"), ("b", "y")]:
            built.connect(src, dst, weight=0.1)
        return built

    first, second = build("xbhy"), build("bxhy")        # the same links, the neurons added in another order
    first.train([[1.0]], [[0.0]], epochs=2, lr=0.5)
    second.history = first.history
    second.train([[1.0]], [[0.0]], epochs=1, lr=0.5)
    assert second.history.step_count == 3 and second.history.link_ids == list(second.link_ids)
    second.history.link_ids = [["x", "h"], ["b", "h"], ["h", "y"], ["b", "y"]]     # still assignable
    assert second.history.link_ids[0] == ("x", "h") and second.history.records(["x", "b", "h", "y"], [0, 1, 2, 1],
                                                                                 [2, 2, 3, 3])


def test_training_names_the_history_links_only_when_they_are_read():
    net = nn.layered([3, 4, 2], seed=0)
    X, Y = np.eye(3), np.full((3, 2), 0.5)
    for schedule in ("fast", "node"):
        net.train(X, Y, epochs=2, lr=0.1, schedule=schedule)
        assert net.history._link_ids is None        # training needs no names: none were made
    assert net.history.step_count == 12
    assert net.history.link_ids == list(net.link_ids)
    assert net.history.weights(("h4", "o2")).shape == (12,)


def test_history_files_refuse_directories_and_bad_counts(tmp_path):
    net, _ = trained_with_record(steps=20)
    with pytest.raises(nn.FileAccessError, match="it is a directory, not a file name"):
        net.history.save(tmp_path)
    with pytest.raises(nn.FileAccessError, match="path must be a file path, got ''"):
        net.history.to_csv("")
    with pytest.raises(nn.SettingError, match="k must be a whole number >= 1, got '3'"):
        net.history.top_changed("3")
    assert list(tmp_path.iterdir()) == []


def _advice_of(array):
    """The VmFlags of the mapping that holds ``array``'s middle byte, from /proc/self/smaps."""
    address, flags, inside = array.ctypes.data + array.nbytes // 2, None, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                start, end = (int(bound, 16) for bound in head.split("-"))
                inside = start <= address < end
            elif inside and head == "VmFlags:":
                flags = line.split()[1:]
    return flags


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="the system lists no mappings to check")
def test_a_large_history_is_written_into_plain_pages():
    net = nn.layered([64, 32, 10], seed=0)
    net._start_history()
    net.history.reserve(400)                       # 400 x 2,410 float64 per field: 7.7 MB
    weight, dw, grad, steps, loss = net.history.buffers()
    for field in (weight, dw, grad):
        assert field.shape == (400, 2410)
        assert "hg" not in _advice_of(field)       # no huge-page advice: no wait for 2 MiB pieces
    assert "hg" in _advice_of(np.empty((400, 2410)))  # what numpy itself would have asked for
    inputs, targets = np.random.default_rng(0).normal(size=(200, 64)), np.full((200, 10), 0.5)
    net.train(inputs, targets, epochs=1, lr=0.1)
    assert len(net.history) == 200
    assert net.history.weights(net.links[-1]).tolist()[-1] == net.links[-1].weight


def _supplied(array):
    """(pages the system has supplied, pages) under ``array``, from mincore(2)."""
    start = array.ctypes.data - array.ctypes.data % mmap.PAGESIZE
    length = array.ctypes.data + array.nbytes - start
    vector = (ctypes.c_ubyte * -(-length // mmap.PAGESIZE))()
    assert ctypes.CDLL(None).mincore(ctypes.c_void_p(start), ctypes.c_size_t(length), vector) == 0
    return sum(byte & 1 for byte in vector), len(vector)


def _threads():
    """The threads of this process, Python's and the system's own (Linux)."""
    return len(os.listdir("/proc/self/task"))


def _threads_back_to(count):
    """Whether the threads are ``count`` again: a joined thread may leave /proc a moment after."""
    _wait_for(lambda: _threads() == count)
    return _threads() == count


MADVISE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)


def _recording_madvise(monkeypatch, answer=lambda *args: 0):
    """Have prefaulted() call a madvise that records its calls (and gives ``answer``); return the calls."""
    from nodenet import state
    calls = []
    madvise = MADVISE(lambda *args: calls.append(args) or answer(*args))    # called from the system thread
    monkeypatch.setattr(state, "_madvise", lambda: madvise)
    return calls


def _counted_threads(monkeypatch):
    """Have prefaulted() start its threads through a pthread_create that counts them; return the count."""
    from nodenet import state
    create, join = state._pthread()
    started = []
    monkeypatch.setattr(state, "_pthread", lambda: (lambda *args: started.append(args) or create(*args), join))
    return started


def _wait_for(condition):
    deadline = time.monotonic() + 60            # a bound on waiting, not a measure of speed
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.001)


supplies_ahead = pytest.mark.skipif(nn.state._madvise() is None,
                                    reason="the system supplies pages ahead on Linux 5.14 and later only")


@supplies_ahead
@pytest.mark.parametrize("rows", [2560, 512])       # 20 MiB and 4 MiB
def test_prefaulted_pages_are_supplied_without_a_value_changing(rows):
    from nodenet.state import prefaulted, unset
    rows, threads = unset((rows, 1024)), _threads()     # plain pages, none supplied yet
    pages = len(rows) * 2
    assert _supplied(rows) == (0, pages)
    rows[:10] = 7.0                                 # the first 20 pages (or one huge page, at most 2 MiB)
    assert _supplied(rows)[0] < pages
    with prefaulted([rows[5:]]):
        _wait_for(lambda: _supplied(rows)[0] == pages)
        assert _supplied(rows) == (pages, pages)
    assert _threads_back_to(threads)
    assert (rows[:10] == 7.0).all() and (rows[10:] == 0.0).all()


on_linux = pytest.mark.skipif(not sys.platform.startswith("linux"),
                              reason="the page thread and /proc/self/task are Linux's")


@on_linux
def test_prefaulting_stops_after_the_call_it_is_in_when_the_block_is_left_by_an_exception(monkeypatch):
    from nodenet import state
    calls = _recording_madvise(monkeypatch, answer=lambda *args: time.sleep(0.5) or 0)    # a slow first call
    rows, threads = state.unset((8192, 1024)), _threads()      # 64 MiB: 64 calls of 1 MiB
    with pytest.raises(KeyboardInterrupt):
        with state.prefaulted([rows]):
            _wait_for(lambda: calls)                # the thread is in its first call
            assert _threads() == threads + 1
            raise KeyboardInterrupt
    assert len(calls) == 1                          # told to stop, it made no second call
    assert _threads_back_to(threads) and not state._Supplier.unjoined


@on_linux
def test_prefaulting_asks_for_a_mib_at_a_time_from_256_kib_on_a_thread_of_the_systems_own(monkeypatch):
    from nodenet import state
    calls, started = _recording_madvise(monkeypatch), _counted_threads(monkeypatch)
    with state.prefaulted([state.unset(32767)]):                  # just under 256 KiB: not worth a thread
        pass
    assert started == [] and calls == []
    rows = state.unset((4096, 1024))                # 32 MiB in two arrays of 16
    with state.prefaulted([rows[:2048], rows[2048:]]):
        _wait_for(lambda: len(calls) == 32)
    starts = [rows[:2048].ctypes.data, rows[2048:].ctypes.data]
    assert calls == [(start + mib * (1 << 20), 1 << 20, state.MADV_POPULATE_WRITE)
                     for mib in range(16) for start in starts]     # 1 MiB of each array in turn
    with state.prefaulted([state.unset(32768)]):
        _wait_for(lambda: len(calls) == 33)
    assert len(calls) == 33 and len(started) == 2


def test_prefaulting_is_used_only_where_the_system_supplies_pages_ahead(monkeypatch):
    from nodenet import state
    calls = []
    assert state._supplies_ahead(lambda *args: calls.append(args) or 0)
    (address, length, advice), = calls
    assert address % mmap.PAGESIZE == 0 and length == mmap.PAGESIZE and advice == state.MADV_POPULATE_WRITE
    assert not state._supplies_ahead(lambda *args: -1)          # a system before Linux 5.14
    if sys.platform.startswith("linux") and tuple(map(int, os.uname().release.split(".")[:2])) >= (5, 14):
        assert state._madvise() is not None
    calls = _recording_madvise(monkeypatch)
    tried = []

    def no_thread(*args):
        tried.append(args)
        return 11                                   # EAGAIN: no thread to be had

    def join(*args):
        raise AssertionError("no thread to join")

    monkeypatch.setattr(state, "_pthread", lambda: (no_thread, join))
    rows = state.unset((4096, 1024))                # 32 MiB, and no thread to be had
    with state.prefaulted([rows]):
        rows[:] = 2.0
    assert (rows == 2.0).all() and len(tried) == 1 and calls == []


def _rooms_asked_for(monkeypatch):
    """The arrays each prefaulted() block of train() is given, as train() calls it."""
    from nodenet import training
    rooms, real = [], training.prefaulted

    def prefaulted(arrays):
        rooms.append(arrays)
        return real(arrays)

    monkeypatch.setattr(training, "prefaulted", prefaulted)
    return rooms


def test_the_epochs_rows_are_reserved_before_they_are_prefaulted(monkeypatch):
    from nodenet import training
    rooms = _rooms_asked_for(monkeypatch)
    monkeypatch.setattr(training, "MAX_RESERVE", 10)      # train() reserves 10 steps of the 120
    monkeypatch.setattr(training, "PREFAULT_AHEAD", 1)    # one epoch at a time
    net = nn.layered([2, 2], seed=0)
    net.history = nn.History(fields=["weight"])
    net.train(np.eye(2).repeat(30, axis=0), np.eye(2).repeat(30, axis=0), epochs=2, lr=0.1, shuffle=False)
    assert [[len(array) for array in room] for room in rooms] == [[60, 60, 60], [60, 60, 60]]
    weight, _, _, steps, loss = net.history.buffers()
    assert all(np.shares_memory(part, whole) for part, whole in zip(rooms[1], (weight, steps, loss)))
    assert rooms[1][0].ctypes.data == weight[60:].ctypes.data


@pytest.mark.parametrize("epochs_ahead, spans", [(0.99, [1] * 5), (1, [1] * 5), (2.5, [2, 2, 1]), (5, [5]),
                                                 (None, [5])])
def test_train_asks_for_the_pages_of_as_many_epochs_as_fit_ahead(monkeypatch, epochs_ahead, spans):
    from nodenet import training
    rooms = _rooms_asked_for(monkeypatch)
    epoch_bytes = 60 * (6 * 8 + 8 + 8)         # 60 steps of 6 weights, the step's number and its loss
    if epochs_ahead is not None:                # else the default, 256 MiB, which holds all five
        monkeypatch.setattr(training, "PREFAULT_AHEAD", int(epochs_ahead * epoch_bytes))
    net, twin = nn.layered([2, 2], seed=0), nn.layered([2, 2], seed=0)
    for each in (net, twin):
        each.history = nn.History(fields=["weight"])
    X = np.random.default_rng(0).normal(size=(60, 2))
    net.train(X, X, epochs=5, lr=0.1, momentum=0.9)
    assert [len(room[0]) for room in rooms] == [60 * span for span in spans]
    assert [sum(array.nbytes for array in room) for room in rooms] == [epoch_bytes * span for span in spans]
    weight = net.history.buffers()[0]
    starts = np.cumsum([0] + spans[:-1]) * 60
    assert [room[0].ctypes.data for room in rooms] == [weight[start:].ctypes.data for start in starts]
    twin.train(X, X, epochs=5, lr=0.1, momentum=0.9, schedule="node")      # spans change no number
    assert net.history.array("weight").tolist() == twin.history.array("weight").tolist()
    assert rooms[len(spans):] == [[]]           # the node-by-node schedule asks for no page


@pytest.mark.parametrize("every, samples, max_reserve, spans", [
    (7, 3, 1 << 20, 4),     # epochs of 3 steps, a row every 7: most record none, one at most
    (2, 3, 1 << 20, 4),     # epochs that record 1 and 2 rows in turn
    (1, 60, 10, 4),         # epochs longer than train's up-front reservation
])
def test_the_pages_asked_for_at_once_never_exceed_the_bound(monkeypatch, every, samples, max_reserve, spans):
    from nodenet import training
    rooms = _rooms_asked_for(monkeypatch)
    net = nn.layered([2, 2], seed=0)
    net.history = nn.History(every=every, fields=["weight"])
    net.train([[1.0, 0.0]], [[0.0, 1.0]], epochs=1, lr=0.1)      # an odd number of steps before
    step_nbytes = 6 * 8 + 8 + 8
    bound = 10 * (-(-samples // every)) * step_nbytes            # ten epochs' most rows
    monkeypatch.setattr(training, "PREFAULT_AHEAD", bound)
    monkeypatch.setattr(training, "MAX_RESERVE", max_reserve)
    rooms.clear()
    X = np.random.default_rng(0).normal(size=(samples, 2))
    net.train(X, X, epochs=40, lr=0.1)
    assert len(rooms) == spans
    assert all(sum(array.nbytes for array in room) <= bound for room in rooms)
    assert net.history.steps.tolist() == list(range(every, 1 + 40 * samples + 1, every))     # each one recorded


def test_the_rows_reserved_ahead_are_those_the_steps_record_so_a_span_never_moves_its_buffer(monkeypatch):
    rooms = _rooms_asked_for(monkeypatch)
    net = nn.layered([2, 2], seed=0)
    net.history = nn.History(every=2, fields=["weight"])
    net.train([[1.0, 0.0]], [[0.0, 1.0]], epochs=1, lr=0.1)       # step 1 is not recorded
    net.train([[1.0, 0.0]], [[0.0, 1.0]], epochs=4, lr=0.1)       # steps 2 to 5 record 2 and 4
    weight = net.history.buffers()[0]
    assert [[len(array) for array in room] for room in rooms] == [[], [2, 2, 2]]     # weight, steps, loss
    assert rooms[1][0].ctypes.data == weight[0:].ctypes.data      # the rows written are the rows asked for
    assert net.history.steps.tolist() == [2, 4] and len(weight) == 2
    history = nn.History(every=3)
    history.step_count = 4
    assert [history._rows(steps) for steps in range(8)] == [0, 0, 1, 1, 1, 2, 2, 2]


def test_train_asks_for_the_pages_of_the_steps_left_when_it_skips(monkeypatch):
    rooms = _rooms_asked_for(monkeypatch)
    net = nn.layered([2, 2], seed=0)
    X = np.random.default_rng(0).normal(size=(60, 2))
    net.train(X, X, epochs=3, lr=0.1, batch_size=7, skip=4)     # 9 steps an epoch, 4 skipped
    assert [len(array) for array in rooms[0]] == [23] * 5


def test_prefaulting_asks_for_a_chunk_of_each_array_in_turn_from_page_boundaries():
    from nodenet.state import _chunks, unset
    a, b = unset((3, 1 << 17)), unset((3, 1 << 16))     # 3 MiB and 1.5 MiB
    mib = 1 << 20
    assert list(_chunks([a, b], mib)) == [(a.ctypes.data, mib), (b.ctypes.data, mib),
                                          (a.ctypes.data + mib, mib), (b.ctypes.data + mib, mib // 2),
                                          (a.ctypes.data + 2 * mib, mib)]
    inside = a.reshape(-1)[3:]                      # starts 24 bytes into a page
    assert list(_chunks([inside, a[:0]], mib)) == [(a.ctypes.data, mib + 24), (a.ctypes.data + mib, mib + 24),
                                                   (a.ctypes.data + 2 * mib, mib)]


@pytest.mark.parametrize("system", ["supplies", "refuses"])
def test_training_while_pages_are_prefaulted_gives_the_node_by_node_numbers(monkeypatch, system):
    from nodenet import kernels, state
    real = state._madvise()
    calls = _recording_madvise(monkeypatch, answer=lambda *args: real(*args) if system == "supplies" else -1)

    def run_steps(*args):                   # the epoch starts once the thread has asked for pages
        _wait_for(lambda: calls)
        return real_run_steps(*args)

    real_run_steps, threads = kernels.run_steps, _threads()
    monkeypatch.setattr(kernels, "run_steps", run_steps)
    fast, node = nn.layered([64, 32, 10], seed=0), nn.layered([64, 32, 10], seed=0)
    X = np.random.default_rng(0).normal(size=(60, 64))      # 60 steps of 3 x 2,410 floats: 2 chunks a field
    Y = np.random.default_rng(1).uniform(size=(60, 10))
    for net, schedule in ((fast, "fast"), (node, "node")):
        net.train(X, Y, epochs=1, lr=0.1, momentum=0.9, shuffle=False, schedule=schedule)
    assert {advice for _, _, advice in calls} == {state.MADV_POPULATE_WRITE}
    if system == "supplies":                # at most 2 chunks a field and 1 each for steps and losses
        assert 1 <= len(calls) <= 8
    else:                                   # the first refusal ends the thread
        assert len(calls) == 1
    assert _threads_back_to(threads)
    for field in ("weight", "dw", "grad"):
        assert fast.history.array(field).tolist() == node.history.array(field).tolist()
    assert fast.history.loss.tolist() == node.history.loss.tolist()
    assert fast.state.weight.tolist() == node.state.weight.tolist()


def test_the_room_ahead_is_the_reserved_rows_not_yet_written():
    net = nn.layered([2, 2], seed=0)
    net.train([[1.0, 0.0]] * 3, [[0.0, 1.0]] * 3, epochs=1, lr=0.1)
    net.history.reserve(20)
    weight, dw, grad, steps, loss = net.history.buffers()
    room = net.history.room(30)
    assert [array.shape for array in room] == [(20, 6), (20, 6), (20, 6), (20,), (20,)]
    assert all(np.shares_memory(part, whole) for part, whole in zip(room, (weight, dw, grad, steps, loss)))
    assert room[0].ctypes.data == weight[3:].ctypes.data
    assert [array.shape[0] for array in net.history.room(7)] == [7] * 5


def test_a_history_of_weights_alone_records_the_same_weights_in_a_third_of_the_memory(tmp_path):
    for schedule in ("node", "fast"):
        net, twin = random_dag(4), random_dag(4)
        twin.history = nn.History(fields=["weight"])
        inputs, targets = random_samples(net, 4, n=10)
        for trained in (net, twin):
            trained.train(inputs, targets, epochs=10, lr=0.02, momentum=0.9, shuffle=False, schedule=schedule)
        history = twin.history
        assert history.fields == ("weight",) and len(history) == 100
        assert history.array("weight").tolist() == net.history.array("weight").tolist()
        assert history.loss.tolist() == net.history.loss.tolist()
        assert history.total_moved.tolist() == net.history.total_moved.tolist()
        recorded = sum(array.nbytes for array in history.buffers()[:3])
        assert recorded == 8 * len(twin.links) * len(history._steps)
        assert repr(history) == f"History(100 recorded steps of 100, {len(twin.links)} links, every=1, fields=['weight'])"
        for field, reader in (("dw", history.dw), ("grad", history.grads)):
            with pytest.raises(nn.SettingError, match=rf"this history records weight, not {field}: to record it, "
                                                      r"give the network nn.History\(fields=\('weight', 'dw', 'grad'\)\)"):
                reader(twin.links[0])


def test_a_history_of_weight_and_grad_saves_loads_and_writes_csv_with_those_columns(tmp_path):
    net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
    net.history = nn.History(fields=("grad", "weight"))
    net.link("i1", "o1").weight = 1.0
    net.train([[1.0]], [[0.0]], epochs=2, lr=0.5)
    net.history.save(tmp_path / "h.npz")
    with np.load(tmp_path / "h.npz") as data:
        assert data["fields"].tolist() == ["weight", "grad"] and int(data["version"]) == 2
        assert data["weight"].shape == (2, 1) and data["dw"].shape == (0, 1) and data["grad"].shape == (2, 1)
    loaded = nn.History.load(tmp_path / "h.npz")
    assert loaded.fields == ("weight", "grad")
    assert loaded.weights("i1->o1").tolist() == [0.5, 0.25] and loaded.grads("i1->o1").tolist() == [1.0, 0.5]
    loaded.to_csv(tmp_path / "h.csv")
    assert (tmp_path / "h.csv").read_text() == "step,src,dst,weight,grad,loss\n1,i1,o1,0.5,1.0,0.5\n2,i1,o1,0.25,0.5,0.125\n"
    net.history = loaded                     # training goes on recording the same fields
    net.train([[1.0]], [[0.0]], epochs=1, lr=0.5)
    assert net.history.weights("i1->o1").tolist() == [0.5, 0.25, 0.125] and net.history.fields == ("weight", "grad")


def test_a_version_1_history_file_reads_as_all_three_fields(tmp_path):
    net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
    net.link("i1", "o1").weight = 1.0
    net.train([[1.0]], [[0.0]], epochs=2, lr=0.5)
    net.history.save(tmp_path / "h.npz")
    with np.load(tmp_path / "h.npz") as data:
        arrays = {key: data[key] for key in data.files if key != "fields"}
    np.savez(tmp_path / "v1.npz", **dict(arrays, version=np.array(1)))
    loaded = nn.History.load(tmp_path / "v1.npz")
    assert loaded.fields == ("weight", "dw", "grad") and loaded.dw("i1->o1").tolist() == [-0.5, -0.25]
    np.savez(tmp_path / "v2.npz", **arrays)
    with pytest.raises(nn.FileFormatError, match="the array fields is missing"):
        nn.History.load(tmp_path / "v2.npz")
    np.savez(tmp_path / "rows.npz", **dict(arrays, fields=np.array(["weight"])))
    with pytest.raises(nn.FileFormatError, match=r"the array 'dw' has shape \(2, 1\) .* expected shape \(0, 1\)"):
        nn.History.load(tmp_path / "rows.npz")
    np.savez(tmp_path / "names.npz", **dict(arrays, fields=np.array(["weight", "momentum"])))
    with pytest.raises(nn.FileFormatError, match="unknown history field 'momentum'"):
        nn.History.load(tmp_path / "names.npz")
    np.savez(tmp_path / "noweight.npz", **dict(arrays, fields=np.array(["dw", "grad"]), weight=np.zeros((0, 1))))
    with pytest.raises(nn.FileFormatError, match=r"the array 'fields' lists \['dw', 'grad'\], without weight, "
                                                 "which every nodenet history records: not a nodenet history file"):
        nn.History.load(tmp_path / "noweight.npz")


@pytest.mark.parametrize("fields, error, message", [
    (["dw", "grad"], nn.SettingError, r"a history always records weight: give fields=\('weight', 'dw', 'grad'\)"),
    (["weight", "velocity"], nn.UnknownNameError, "unknown history field 'velocity'; known fields: weight, dw, grad"),
    (3, nn.SettingError, "fields must be a list of names from weight, dw, grad, got 3"),
])
def test_history_fields_are_checked(fields, error, message):
    with pytest.raises(error, match=message):
        nn.History(fields=fields)


def test_room_reserved_before_the_history_starts_and_memory_that_cannot_be_had():
    from nodenet.state import unset
    history = nn.History(fields=["weight", "dw"])
    history.reserve(5)                                  # nothing to grow yet but the steps and losses
    net = nn.layered([1, 1], seed=0)
    net.history = history
    net.train([[1.0]], [[0.0]], epochs=3, lr=0.5)
    assert len(net.history) == 3 and net.history.dw("i1->o1").shape == (3,)
    with pytest.raises(MemoryError, match=r"cannot allocate 7.45e\+05 GiB for an array of shape "
                                          r"\(10000000, 10000000\) and type float64"):
        unset((10 ** 7, 10 ** 7))                       # 800 TB: more than any machine here has
