"""Every scenario runs with small settings and writes a complete run directory."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import nodenet as nn
from nodenet.rundir import read_summary
from nodenet.scenario import describe, load
from golden import SCENARIOS, TABLE, agrees

NAMES = ["mazur", "xor", "blame", "dead_relu", "skip", "momentum", "orders", "playground"]
# small settings, so that each runs in a second or two; the scenario's own ones otherwise
SMALL = {"mazur": dict(epochs=3), "xor": dict(epochs=10), "blame": dict(epochs=2), "dead_relu": dict(epochs=3),
         "skip": dict(epochs=2), "momentum": dict(epochs=20), "orders": dict(), "playground": dict(epochs=2)}
EXTRA = {"dead_relu": {"changes.png"}, "momentum": {"momentum.png"}, "orders": {"orders.txt", "phased.gif"}}
ALWAYS = {"summary.json", "network.json", "history.npz", "loss.png", "weights.png"}


def test_the_scenarios_directory_holds_exactly_the_named_scenarios():
    assert sorted(path.stem for path in SCENARIOS.glob("*.py")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_scenario_writes_a_complete_run_directory(name, tmp_path):
    scenario = load(SCENARIOS / f"{name}.py")
    assert scenario.name == name and len(scenario.description) > 40
    run = scenario.run(tmp_path / name, quiet=True, formats=("gif", "json"), **SMALL[name])
    files = {path.name for path in run.path.iterdir()}
    assert files == ALWAYS | {"animation.gif", "frames.json"} | EXTRA.get(name, set())
    summary = read_summary(run.path)
    assert summary["files"] == sorted(files)
    assert summary["scenario"] == name and summary["status"] == "complete"
    assert set(summary["versions"]) == {"nodenet", "python", "numpy", "networkx", "matplotlib", "pillow", "numba"}
    assert summary["settings"] == dict(run.settings, formats=["gif", "json"])
    assert summary["settings"]["epochs"] == SMALL[name].get("epochs", scenario.epochs)
    # every file is what it claims, decoded back
    history = nn.History.load(run.path / "history.npz")
    assert history.step_count == summary["steps"] == run.steps
    assert summary["loss"]["last"] == run.losses[-1]
    np.testing.assert_array_equal(nn.load(run.path / "network.json").state.weight, run.network.state.weight)
    np.testing.assert_array_equal(history.array("weight")[-1], run.network.state.weight)
    frames = json.loads((run.path / "frames.json").read_text())["frames"]
    with Image.open(run.path / "animation.gif") as gif:
        assert gif.n_frames == len(frames) == summary["frames"] == len(run.tracer.frames) > 0
        assert gif.size == (640, 480)
    for picture in ("loss.png", "weights.png"):
        with Image.open(run.path / picture) as image:
            assert image.format == "PNG" and image.size[0] >= 640
    assert not list(tmp_path.glob(".*"))          # no partial or old directory left beside it


def test_the_main_job_runs_as_a_script_prints_the_table_and_writes_runs_mazur(tmp_path):
    result = subprocess.run([sys.executable, str(SCENARIOS / "mazur.py"), "--epochs", "20", "--quiet"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    printed = dict(line.rsplit(None, 1) for line in lines[:len(TABLE)])
    printed = {quantity.strip(): value for quantity, value in printed.items()}
    assert list(printed) == list(TABLE)
    assert [q for q in TABLE if not agrees(float(printed[q]), TABLE[q])] == []
    assert lines[len(TABLE)].startswith("mazur: 20 steps in 20 epochs, loss 0.298371109 -> ")
    assert "wrote runs/mazur/" in lines
    summary = read_summary(tmp_path / "runs" / "mazur")
    assert set(summary["files"]) == ALWAYS | {"animation.gif", "animation.mp4", "player.html", "frames.json"}
    assert summary["frames"] == 17 and summary["steps"] == 20
    assert result.stderr == ""


def test_a_run_replaces_an_earlier_run_but_never_another_directory(tmp_path):
    scenario = load(SCENARIOS / "mazur.py")
    out = tmp_path / "run"
    scenario.run(out, quiet=True, epochs=2, formats=("gif",))
    scenario.run(out, quiet=True, epochs=3, formats=("json",))
    assert read_summary(out)["steps"] == 3
    assert not (out / "animation.gif").exists()            # nothing stale from the first run
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(nn.FileAccessError, match="'.*mine' exists and is not a run directory: choose another --out"):
        scenario.run(mine, quiet=True, epochs=2)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    with pytest.raises(nn.FileAccessError, match="is a file, not a run directory"):
        scenario.run(mine / "notes.txt", quiet=True, epochs=2)


def test_a_failing_run_leaves_the_earlier_run_as_it_was(tmp_path):
    def report(run):
        raise RuntimeError("disk on fire")
    scenario = load(SCENARIOS / "mazur.py")
    out = tmp_path / "run"
    scenario.run(out, quiet=True, epochs=2, formats=())
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = nn.Scenario(scenario.network, scenario.data, name="mazur", epochs=5, report=report, formats=())
    with pytest.raises(nn.SettingError, match="scenario 'mazur': report\\(\\) failed with RuntimeError: disk on fire"):
        broken.run(out, quiet=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_orders_phased_and_wave_agree_exactly_and_the_mistaken_order_gives_the_printed_loss():
    orders = load(SCENARIOS / "orders.py")
    sys.path.insert(0, str(SCENARIOS))
    try:
        import orders as module
    finally:
        sys.path.remove(str(SCENARIOS))
    rows = {name: values for name, *values in module.table()}
    for name, (phased, wave, mistaken) in rows.items():
        assert phased == wave
    assert agrees(rows["E_total after"][0], "0.291027774")
    assert agrees(rows["E_total after"][2], "0.291027924")
    assert rows["w5"][2] == rows["w5"][0] and rows["w1"][2] != rows["w1"][0]
    assert orders.order == "wave"


def test_dead_relu_names_the_links_of_its_dead_neuron(tmp_path):
    run = load(SCENARIOS / "dead_relu.py").run(tmp_path / "d", quiet=True, epochs=3, formats=())
    dead = set(run.network.history.unchanged())
    assert {("i1", "h3"), ("i2", "h3"), ("b1", "h3"), ("h3", "o1")} <= dead
    assert run.printed[0].startswith("links that never changed: ") and "h3->o1" in run.printed[0]


def test_xor_learns_with_its_settings_and_draws_the_boundary(tmp_path):
    run = load(SCENARIOS / "xor.py").run(tmp_path / "x", quiet=True, formats=("png",))
    assert run.losses[-1] < 0.01
    outputs = run.network.predict(nn.datasets.truth_table("xor")[0])[:, 0]
    assert list(outputs.round()) == [0.0, 1.0, 1.0, 0.0]
    with Image.open(run.path / "frames" / "frame_00059.png") as frame:
        pixels = np.asarray(frame.convert("RGB")).astype(int)
    orange, blue = [245, 147, 34], [8, 119, 189]          # output 0 and output 1
    # the board spans x 406..624 and y 107..325 pixels; its inputs run from -0.15 to 1.15
    for (x, y), colour in [((412, 113), blue), ((618, 319), blue), ((412, 319), orange), ((515, 216), orange)]:
        assert np.abs(pixels[y, x] - colour).sum() < 60, (x, y, pixels[y, x])


def test_settings_are_checked_before_anything_runs(tmp_path):
    scenario = load(SCENARIOS / "mazur.py")
    cases = [(dict(speed=2), "unknown setting 'speed': choose from epochs, lr"),
             (dict(formats=("gif", "avi")), "unknown format 'avi': choose one of gif, mp4, html, json, png"),
             (dict(epochs=0), "epochs must be a whole number >= 1, got 0"),
             (dict(lr=-1.0), "lr must be a number > 0, got -1.0"),
             (dict(detail="frames"), "unknown detail 'frames'"),
             (dict(order="wave", batch_size=4), "the wave order updates after each sample, so it needs batch_size 1")]
    for overrides, message in cases:
        with pytest.raises(nn.SettingError, match=message):
            scenario.run(tmp_path / "r", quiet=True, **overrides)
    assert not (tmp_path / "r").exists()


def test_a_scenario_whose_parts_are_wrong_says_which(tmp_path):
    def bad_network(seed):
        return "not a network"
    with pytest.raises(nn.SettingError, match="scenario 'b': network\\(seed\\) must return a Network, got str"):
        nn.Scenario(bad_network, ([[1]], [[1]]), name="b").run(tmp_path / "b", quiet=True)
    with pytest.raises(nn.SettingError, match="scenario 'b': data must be \\(inputs, targets\\), got int"):
        nn.Scenario(lambda seed: nn.layered([1, 1], seed=seed), 3, name="b").run(tmp_path / "b", quiet=True)
    with pytest.raises(nn.ShapeError, match=r"expected inputs as an array of shape \(samples, 1\) with columns i1, got shape \(1, 2\)"):
        nn.Scenario(lambda seed: nn.layered([1, 1], seed=seed), ([[1, 2]], [[1]]), name="b").run(tmp_path / "b")
    with pytest.raises(nn.SettingError, match="a decision boundary needs a network with 2 inputs and 1 output"):
        nn.Scenario(lambda seed: nn.layered([1, 1], seed=seed), ([[1]], [[1]]), name="b",
                    boundary=True).run(tmp_path / "b", quiet=True)
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("text, message", [
    ("import nodenet as nn\nscenario = nn.Scenario(\n", r"bad\.py, line 2: '\(' was never closed: fix the scenario's syntax"),
    ("x = 1\ny = undefined_name\n", r"bad\.py, line 2: NameError: name 'undefined_name' is not defined: fix"),
    ("'''No scenario here.'''\nx = 1\n", r"bad\.py defines no scenario: add `scenario = nn.Scenario"),
])
def test_broken_scenario_files_are_named_with_their_line(tmp_path, text, message):
    path = tmp_path / "bad.py"
    path.write_text(text)
    with pytest.raises(nn.FileFormatError, match=message):
        load(path)


def test_missing_and_unreadable_scenario_files(tmp_path):
    with pytest.raises(nn.FileAccessError, match="scenario file '.*nope.py' does not exist: give the path"):
        load(tmp_path / "nope.py")
    with pytest.raises(nn.FileAccessError, match="is a directory"):
        load(tmp_path)
    (tmp_path / "latin.py").write_bytes(b"# caf\xe9\n")
    with pytest.raises(nn.FileFormatError, match="is not UTF-8 text"):
        load(tmp_path / "latin.py")


def test_describe_reads_the_docstring_without_running_the_file(tmp_path):
    path = tmp_path / "s.py"
    path.write_text('"""Shows a thing:\nin two lines.\n\nDetails."""\nraise SystemExit("must not run")\n')
    assert describe(path) == "Shows a thing: in two lines."
    assert describe(SCENARIOS / "xor.py").startswith("XOR: a 2-2-1 sigmoid net with momentum learns XOR")


def test_a_thinned_trace_ends_with_the_last_traced_epoch_as_it_was(tmp_path):
    xor = nn.datasets.truth_table("xor")
    scenario = nn.Scenario(lambda seed: nn.layered([2, 2, 1], seed=seed), xor, epochs=20, trace_epochs=10, lr=0.5,
                           seed=1, detail="epoch", every=4, formats=(), name="thinned")
    run = scenario.run(tmp_path / "thinned", quiet=True)
    assert [frame.epoch for frame in run.tracer.frames] == [1, 5, 9, 10]
    last = run.tracer.frames[-1]
    assert (last.step, last.loss) == (40, run.losses[9])
    assert np.array_equal(last.links["weight"], run.network.history.array("weight")[39])     # after step 40
