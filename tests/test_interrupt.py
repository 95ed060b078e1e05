"""Nothing lost: runs that diverge or are interrupted keep every whole step, and resume exactly."""

import json

import numpy as np
import pytest

import nodenet as nn
import nodenet.network
from nodenet.cli import main
from nodenet.rundir import read_summary

X = np.array([[0.1, 0.9], [0.8, 0.3], [0.5, 0.5], [0.9, 0.9], [0.2, 0.1]])
Y = np.array([[1.0], [0.0], [1.0], [0.0], [1.0]])


def scenario(**settings):
    """Shuffled mini-batches of 2 over 5 samples (3 steps an epoch), with momentum."""
    options = dict(epochs=6, lr=0.5, momentum=0.9, batch_size=2, detail="step", formats=("json",), name="tiny")
    return nn.Scenario(lambda seed: nn.layered([2, 3, 1], seed=seed), (X, Y), **{**options, **settings})


@pytest.fixture
def interrupt_at(monkeypatch):
    """Make the update of step ``k`` raise KeyboardInterrupt half-way through its links."""
    def arm(k):
        calls = {"n": 0}
        original = nodenet.network.Network._update_links

        def update(self, links, lr, momentum):
            calls["n"] += 1
            if calls["n"] == k:
                links[0].update(lr, momentum)           # half-updated when the interrupt comes
                raise KeyboardInterrupt
            return original(self, links, lr, momentum)
        monkeypatch.setattr(nodenet.network.Network, "_update_links", update)
        return lambda: monkeypatch.setattr(nodenet.network.Network, "_update_links", original)
    return arm


def files_of(path):
    with np.load(path / "history.npz") as arrays:            # closed here, not whenever it is collected
        return {"network.json": (path / "network.json").read_text(), "history.npz": dict(arrays)}


def test_an_interrupted_run_writes_every_whole_step_and_says_where_it_stopped(tmp_path, interrupt_at):
    interrupt_at(8)
    run = scenario().run(tmp_path / "r", quiet=True)
    assert run.status == "interrupted at step 8"
    summary = read_summary(tmp_path / "r")
    assert summary["status"] == "interrupted at step 8" and summary["steps"] == 7
    assert summary["stopped"] == {"epochs_done": 2, "steps_in_epoch": 1, "reason": "KeyboardInterrupt"}
    history = nn.History.load(tmp_path / "r" / "history.npz")
    network = nn.load(tmp_path / "r" / "network.json")
    assert history.step_count == 7
    np.testing.assert_array_equal(network.state.weight, history.array("weight")[-1])   # not half-updated
    np.testing.assert_array_equal(network.state.velocity, history.array("dw")[-1])
    frames = json.loads((tmp_path / "r" / "frames.json").read_text())["frames"]
    assert [f["step"] for f in frames] == list(range(1, 8))


@pytest.mark.parametrize("k", [1, 3, 4, 8, 17])
def test_resuming_an_interrupted_run_gives_the_uninterrupted_run_bit_for_bit(tmp_path, interrupt_at, k):
    whole = scenario().run(tmp_path / "whole", quiet=True)
    disarm = interrupt_at(k)
    scenario().run(tmp_path / "cut", quiet=True)
    disarm()
    resumed = scenario().run(quiet=True, resume=tmp_path / "cut")
    assert resumed.status == "complete" and resumed.path == tmp_path / "cut"
    a, b = files_of(tmp_path / "whole"), files_of(tmp_path / "cut")
    assert a["network.json"] == b["network.json"]         # weights, velocities, grads and the rng state
    for key in ("weight", "dw", "grad", "loss", "steps", "initial", "total_moved"):
        np.testing.assert_array_equal(a["history.npz"][key], b["history.npz"][key])
    assert read_summary(tmp_path / "cut")["steps"] == whole.steps == 18
    assert read_summary(tmp_path / "cut")["loss"] == read_summary(tmp_path / "whole")["loss"]
    # the frames before the resume are kept, named by their steps; the frames after go on counting
    steps = lambda name: [f["step"] for f in json.loads((tmp_path / "cut" / name).read_text())["frames"]]
    assert steps("frames.json") == list(range(k, 19))
    if k > 1:
        assert steps(f"frames.steps-1-{k - 1}.json") == list(range(1, k))


def test_a_scenario_whose_network_records_weights_alone_keeps_that_history_when_resumed(tmp_path, interrupt_at):
    def network(seed):
        net = nn.layered([2, 3, 1], seed=seed)
        net.history = nn.History(fields=["weight"])
        return net
    whole = nn.Scenario(network, (X, Y), epochs=6, lr=0.5, momentum=0.9, batch_size=2, formats=(), name="w")
    whole.run(tmp_path / "whole", quiet=True)
    disarm = interrupt_at(5)
    assert whole.run(tmp_path / "cut", quiet=True).status == "interrupted at step 5"
    disarm()
    resumed = whole.run(quiet=True, resume=tmp_path / "cut")
    assert resumed.history.fields == ("weight",) and resumed.steps == 18
    a, b = files_of(tmp_path / "whole"), files_of(tmp_path / "cut")
    assert a["history.npz"]["fields"].tolist() == b["history.npz"]["fields"].tolist() == ["weight"]
    for key in ("weight", "dw", "grad", "loss", "steps", "total_moved"):
        np.testing.assert_array_equal(a["history.npz"][key], b["history.npz"][key])
    assert a["history.npz"]["weight"].shape == (18, 13) and a["history.npz"]["dw"].shape == (0, 13)


def test_a_diverging_run_writes_its_directory_and_the_command_exits_2(tmp_path, capsys):
    file = tmp_path / "boom.py"
    file.write_text('"""Diverges."""\nimport nodenet as nn\n'
                    'scenario = nn.Scenario(lambda seed: nn.layered([1, 1], activation="linear", seed=seed),\n'
                    '                       ([[10.0], [-10.0]], [[1.0], [0.0]]), epochs=60, lr=5.0, shuffle=False,\n'
                    '                       detail="step", formats=("json",))\n')
    assert main(["run", str(file), "--out", str(tmp_path / "b"), "--quiet"]) == 2
    err = capsys.readouterr().err
    summary = read_summary(tmp_path / "b")
    step = summary["steps"] + 1
    assert summary["status"] == f"diverged at step {step}"
    assert err.startswith(f"nodenet: error: training diverged at step {step}: ")
    assert err.rstrip().endswith(f"{tmp_path / 'b'} holds every step before it.")
    network = nn.load(tmp_path / "b" / "network.json")
    history = nn.History.load(tmp_path / "b" / "history.npz")
    assert np.isfinite(network.state.weight).all()
    np.testing.assert_array_equal(network.state.weight, history.array("weight")[-1])


def test_the_command_exits_130_on_ctrl_c_and_tells_how_to_resume(tmp_path, interrupt_at, capsys):
    file = tmp_path / "tiny.py"
    file.write_text('"""Tiny."""\nimport nodenet as nn\nscenario = nn.Scenario(lambda seed: nn.layered([1, 1], '
                    'seed=seed), ([[1.0], [0.0]], [[0.0], [1.0]]), epochs=5, formats=())\n')
    interrupt_at(4)
    assert main(["run", str(file), "--out", str(tmp_path / "t"), "--quiet"]) == 130
    err = capsys.readouterr().err
    assert err == (f"nodenet: interrupted at step 4: {tmp_path / 't'} holds every step before it; continue with: "
                   f"nodenet run {file} --resume {tmp_path / 't'}\n")


def test_ctrl_c_after_the_last_step_leaves_a_complete_run(tmp_path, monkeypatch):
    original = nn.Network._end_epoch
    calls = {"n": 0}

    def end_epoch(self, loss):
        calls["n"] += 1
        if calls["n"] == 6:                              # the last epoch's last step is recorded
            raise KeyboardInterrupt
        return original(self, loss)
    monkeypatch.setattr(nn.Network, "_end_epoch", end_epoch)
    run = scenario().run(tmp_path / "r", quiet=True)
    assert run.status == "complete" and run.steps == 18
    assert read_summary(tmp_path / "r")["status"] == "complete"


def test_resume_refuses_a_finished_run_and_another_scenarios_run(tmp_path):
    scenario().run(tmp_path / "done", quiet=True)
    with pytest.raises(nn.SettingError, match="has done all 6 epochs: give --epochs more than 6 to train on"):
        scenario().run(quiet=True, resume=tmp_path / "done")
    longer = scenario().run(quiet=True, resume=tmp_path / "done", epochs=8)
    assert longer.steps == 24
    with pytest.raises(nn.SettingError, match="is a run of scenario 'tiny', not 'other'"):
        scenario(name="other").run(tmp_path / "o", quiet=True, resume=tmp_path / "done")


def test_an_output_directory_that_cannot_be_written_fails_before_training(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setattr(nn.Network, "train", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(nn.FileAccessError, match="cannot write the run directory '.*file/run': Not a directory"):
        scenario().run(tmp_path / "file" / "run", quiet=True)


def test_ctrl_c_while_writing_animations_keeps_a_complete_run_directory(tmp_path, monkeypatch, capsys):
    def export(self, path, format=None, **options):
        raise KeyboardInterrupt
    monkeypatch.setattr(nn.Tracer, "export", export)
    file = tmp_path / "tiny.py"
    file.write_text('"""Tiny."""\nimport nodenet as nn\nscenario = nn.Scenario(lambda seed: nn.layered([1, 1], '
                    'seed=seed), ([[1.0], [0.0]], [[0.0], [1.0]]), epochs=5, detail="step", formats=("gif",))\n')
    assert main(["run", str(file), "--out", str(tmp_path / "t"), "--quiet"]) == 130
    assert capsys.readouterr().err == (f"nodenet: interrupted while writing, after step 10: {tmp_path / 't'} holds "
                                       "every step, but not every animation; run again to make them\n")
    summary = read_summary(tmp_path / "t")
    assert summary["status"] == "interrupted while writing, after step 10" and summary["steps"] == 10
    assert set(summary["files"]) == {"summary.json", "network.json", "history.npz", "loss.png", "weights.png"}
    assert nn.History.load(tmp_path / "t" / "history.npz").step_count == 10


def test_a_real_ctrl_c_during_training(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from golden import SCENARIOS
    out = tmp_path / "long"
    process = subprocess.Popen([sys.executable, "-m", "nodenet", "run", str(SCENARIOS / "mazur.py"), "--epochs",
                                "100000", "--format", "none", "--out", str(out), "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               # a shell runs background jobs with Ctrl-C ignored: give it back
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not (tmp_path / ".long.partial").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)                                         # well into training
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    summary = read_summary(out)
    step = summary["steps"] + 1
    assert summary["status"] == f"interrupted at step {step}" and step > 1
    assert err.startswith(f"nodenet: interrupted at step {step}: {out} holds every step before it; continue with: ")
    network, history = nn.load(out / "network.json"), nn.History.load(out / "history.npz")
    np.testing.assert_array_equal(network.state.weight, history.array("weight")[-1])


def test_ctrl_c_is_held_until_the_step_is_recorded(monkeypatch):
    import os
    import signal
    # Python's own handler, even where a shell started the tests with Ctrl-C ignored
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    net = nn.layered([2, 3, 1], seed=0)
    original = nn.History.record

    def record(self, state, loss):
        if self.step_count == 2:
            os.kill(os.getpid(), signal.SIGINT)         # arrives between step 3's update and its record
        return original(self, state, loss)
    monkeypatch.setattr(nn.History, "record", record)
    try:
        with pytest.raises(KeyboardInterrupt):
            net.train(X, Y, epochs=5, lr=0.5, schedule="node")      # the fast path: test_fastpath.py
    finally:
        signal.signal(signal.SIGINT, previous)
    assert net.history.step_count == 3 == len(net.history.steps)
    np.testing.assert_array_equal(net.state.weight, net.history.array("weight")[-1])
    np.testing.assert_array_equal(net.state.velocity, net.history.array("dw")[-1])


@pytest.mark.parametrize("k", [2, 7])
def test_an_exception_while_recording_a_step_undoes_the_step_and_its_record(tmp_path, monkeypatch, k):
    whole = scenario().run(tmp_path / "whole", quiet=True)
    original = nn.History.record

    def record(self, state, loss):
        if self.step_count == k - 1:
            self.step_count += 1                          # half-recorded when the interrupt comes
            raise KeyboardInterrupt
        return original(self, state, loss)
    monkeypatch.setattr(nn.History, "record", record)
    run = scenario().run(tmp_path / "cut", quiet=True)
    assert run.status == f"interrupted at step {k}"
    monkeypatch.setattr(nn.History, "record", original)
    scenario().run(quiet=True, resume=tmp_path / "cut")
    a, b = files_of(tmp_path / "whole"), files_of(tmp_path / "cut")
    assert a["network.json"] == b["network.json"] and whole.steps == 18
    for key in ("weight", "dw", "grad", "loss", "steps", "total_moved"):
        np.testing.assert_array_equal(a["history.npz"][key], b["history.npz"][key])
