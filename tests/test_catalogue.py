"""A catalogue of bad inputs across the API, the files and the command: each error's class and message,
and for the command its exit code, with no traceback."""

import json
import re

import numpy as np
import pytest

import nodenet as nn
from nodenet import cli
from golden import SCENARIOS

MAZUR = str(SCENARIOS / "mazur.py")


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """A folder with a good network file, a good history and a good run directory to break copies of."""
    root = tmp_path_factory.mktemp("catalogue")
    net = nn.layered([2, 2, 1], seed=0)
    net.train([[0, 1], [1, 0]], [[1], [0]], epochs=2, lr=0.5)
    net.save(root / "net.json")
    net.history.save(root / "history.npz")
    assert cli.main(["run", MAZUR, "--epochs", "3", "--format", "none", "--out", str(root / "run"), "--quiet"]) == 0
    return root


def network_file(place, change):
    data = json.loads((place / "net.json").read_text())
    change(data)
    path = place / "broken.json"
    path.write_text(json.dumps(data))
    return nn.load(path)


def written(path, text):
    path.write_text(text)
    return path


def network_text(place, change):
    path = place / "broken.json"
    path.write_text(change((place / "net.json").read_text()))
    return nn.load(path)


def history_file(place, change):
    with np.load(place / "history.npz") as data:
        arrays = dict(data)
    change(arrays)
    np.savez(place / "broken.npz", **arrays)
    return nn.History.load(place / "broken.npz")


def scenario_file(place, text, *argv):
    return cli.main([*argv[:1], str(written(place / "s.py", text)), *argv[1:]])


def summary_file(place, change):
    return cli.main(["info", str(damaged_copy(place, change))])


def damaged_copy(place, change, text=None):
    import shutil
    target = place / "damaged"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(place / "run", target)
    data = json.loads((target / "summary.json").read_text())
    change(data)
    (target / "summary.json").write_text(json.dumps(data) if text is None else text)
    return target


def summary_text(place, text):
    return cli.main(["info", str(damaged_copy(place, lambda d: None, text))])


def resume_damaged(place, change):
    return cli.main(["run", MAZUR, "--resume", str(damaged_copy(place, change)), "--epochs", "9", "--quiet"])


def huge_history(place):
    """A small archive whose weight array declares (10**6, 10**5) floats in its header."""
    import io
    import zipfile
    with np.load(place / "history.npz") as data:
        arrays = dict(data)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10 ** 6, 10 ** 5)})
    with zipfile.ZipFile(place / "huge.npz", "w") as archive:
        for key, values in arrays.items():
            data = io.BytesIO()
            np.save(data, values)
            archive.writestr(f"{key}.npy", header.getvalue() if key == "weight" else data.getvalue())
    return nn.History.load(place / "huge.npz")


def neurons(data):
    data["neurons"] = data["neurons"] * 60_000


API = [
    ("layer of 0", lambda p: nn.layered([2, 0, 1]), nn.SettingError,
     "every layer size must be a whole number >= 1, got 0"),
    ("unknown activation", lambda p: nn.layered([2, 1], activation="sigmoidd"), nn.UnknownNameError,
     "did you mean 'sigmoid'"),
    ("unknown loss", lambda p: nn.Network(loss="mse2"), nn.UnknownNameError, "did you mean 'mse'"),
    ("wrong input size", lambda p: nn.layered([2, 1]).forward([1, 2, 3]), nn.ShapeError,
     "expected 2 input values (i1, i2), got 3 values"),
    ("NaN target", lambda p: nn.layered([2, 1]).train([[0, 1]], [[float("nan")]], epochs=1, lr=0.1), nn.DataError,
     "target"),
    ("negative lr", lambda p: nn.layered([2, 1]).train([[0, 1]], [[1]], epochs=1, lr=-0.1), nn.SettingError,
     "lr must be a number > 0"),
    ("momentum 1", lambda p: nn.layered([2, 1]).train([[0, 1]], [[1]], epochs=1, lr=0.1, momentum=1.0),
     nn.SettingError, "momentum"),
    ("skip past the epoch", lambda p: nn.layered([2, 1]).train([[0, 1]], [[1]], epochs=1, lr=0.1, skip=1),
     nn.SettingError, "skip must be a whole number of steps from 0 to 0"),
    ("unknown dataset", lambda p: nn.datasets.make("spirals"), nn.UnknownNameError, "did you mean 'spiral'"),
    ("boundary of a 3-input net", lambda p: nn.Scenario(lambda s: nn.layered([3, 1]), ([[0, 0, 0]], [[0]]),
                                                         name="x", boundary=True).run(p / "b", quiet=True),
     nn.SettingError, "a decision boundary needs a network with 2 inputs and 1 output"),
    ("every at op detail", lambda p: nn.Tracer(nn.layered([1, 1]), detail="op", every=2), nn.SettingError,
     "every=2 thins frames at detail 'step' or 'epoch'"),
    ("export of no frames", lambda p: nn.Tracer(nn.layered([1, 1])).export(p / "a.gif"), nn.SettingError,
     "the tracer has no frames to export"),
]

FILES = [
    ("network file missing", lambda p: nn.load(p / "nope.json"), nn.FileAccessError, "no network file"),
    ("network file truncated", lambda p: network_text(p, lambda text: text[:50]), nn.FileFormatError,
     "is not valid JSON"),
    ("unknown version", lambda p: network_file(p, lambda d: d.update(version=2)), nn.FileFormatError,
     "format version 2 is not supported"),
    ("missing neurons", lambda p: network_file(p, lambda d: d.pop("neurons")), nn.FileFormatError, "neurons"),
    ("weight as text", lambda p: network_file(p, lambda d: d["links"][0].update(weight="0.5")),
     nn.FileFormatError, "'weight' must be of type"),
    ("huge number", lambda p: network_text(p, lambda text: re.sub(r'"weight": [^,]+', '"weight": 1e999', text, 1)),
     nn.FileFormatError, "the weight of i1 -> h1 must be a finite number, got inf"),
    ("duplicate neuron", lambda p: network_file(p, lambda d: d["neurons"].append(d["neurons"][0])),
     nn.FileFormatError, "a neuron named 'i1' exists already"),
    ("a cycle", lambda p: network_file(p, lambda d: d["links"].append({"src": "o1", "dst": "h1", "weight": 1})),
     nn.FileFormatError, "it would close the cycle"),
    ("millions of neurons", lambda p: network_file(p, neurons), nn.FileFormatError,
     "nodenet loads at most 100000 neurons"),
    ("history with pickles", lambda p: history_file(p, lambda a: a.update(loss=np.array([object()] * 2))),
     nn.FileFormatError, "is not a nodenet history file"),
    ("history missing weights", lambda p: history_file(p, lambda a: a.pop("weight")), nn.FileFormatError,
     "the arrays weight are missing"),
    ("history of strings", lambda p: history_file(p, lambda a: a.update(steps=np.array(["1", "2"]))),
     nn.FileFormatError, "the array 'steps' has shape (2,) and type <U1"),
    ("history of too many arrays",
     lambda p: history_file(p, lambda a: a.update({f"x{i}": np.zeros(1) for i in range(20)})),
     nn.FileFormatError, "holds 34 arrays; a nodenet history has 14"),
    ("history declaring 800 GB", huge_history,
     nn.FileFormatError, "its arrays declare 800,000,"),
    ("unwritable neuron name", lambda p: network_file(p, lambda d: d["neurons"][0].update(name="\ud800")),
     nn.FileFormatError, "a neuron name must be text that UTF-8 can write"),
    ("scenario with a syntax error", lambda p: nn.scenario.load(written(p / "x.py", "scenario = (\n")),
     nn.FileFormatError, "x.py, line 1: '(' was never closed"),
]

# the command: argv (or a function of the place), the class, the message, the exit code
COMMAND = [
    ("no such scenario", lambda p: cli.main(["run", str(p / "nope.py")]), nn.FileAccessError, "does not exist", 2),
    ("unknown detail", lambda p: cli.main(["run", MAZUR, "--detail", "ops"]), nn.SettingError,
     "argument --detail: invalid choice: 'ops'", 2),
    ("unknown format", lambda p: cli.main(["run", MAZUR, "--format", "avi"]), nn.SettingError,
     "unknown format 'avi'", 2),
    ("epochs as text", lambda p: cli.main(["run", MAZUR, "--epochs", "ten"]), nn.SettingError,
     "invalid int value: 'ten'", 2),
    ("zero epochs", lambda p: cli.main(["run", MAZUR, "--epochs", "0", "--out", str(p / "z")]), nn.SettingError,
     "epochs must be a whole number >= 1, got 0", 2),
    ("scenario that raises", lambda p: scenario_file(p, "x = 1 / 0\n", "run"), nn.FileFormatError,
     "s.py, line 1: ZeroDivisionError: division by zero", 2),
    ("scenario without a scenario", lambda p: scenario_file(p, "x = 1\n", "run"), nn.FileFormatError,
     "defines no scenario", 2),
    ("info of a plain folder", lambda p: cli.main(["info", str(p)]), nn.FileAccessError,
     "is not a run directory (it has no summary.json)", 2),
    ("damaged summary", lambda p: summary_file(p, lambda d: d.update(files=[1])), nn.FileFormatError,
     "has no valid 'files'", 2),
    ("unknown link", lambda p: cli.main(["history", str(p / "run"), "--link", "h9->o1"]), nn.UnknownNameError,
     "no link h9->o1 in this history", 2),
    ("malformed link", lambda p: cli.main(["history", str(p / "run"), "--link", "h1"]), nn.UnknownNameError,
     "a link is named as ('src', 'dst'), 'src->dst' or a Link, got 'h1'", 2),
    ("sample out of range", lambda p: cli.main(["explain", MAZUR, "--sample", "-1"]), nn.SettingError,
     "--sample -1: mazur has 1 samples", 2),
    ("resume of a finished run", lambda p: cli.main(["run", MAZUR, "--resume", str(p / "run")]), nn.SettingError,
     "has done all 3 epochs", 2),
    ("summary nested too deep", lambda p: summary_text(p, "[" * 100_000 + "]" * 100_000), nn.FileFormatError,
     "is not valid JSON", 2),
    ("resume with formats a number", lambda p: resume_damaged(p, lambda d: d["settings"].update(formats=5)),
     nn.SettingError, "formats must be a list of format names, got 5", 2),
    ("resume with stopped damaged", lambda p: resume_damaged(p, lambda d: d.update(stopped="x")), nn.FileFormatError,
     "does not say where the run stopped", 2),
    ("resume past the epoch's end", lambda p: resume_damaged(p, lambda d: d.update(
        stopped={"epochs_done": 1, "steps_in_epoch": 5, "reason": "x"})), nn.FileFormatError,
     "says the run stopped after step 5 of an epoch that has fewer", 2),
    ("out is a file", lambda p: cli.main(["run", MAZUR, "--out", str(p / "net.json")]), nn.FileAccessError,
     "is a file, not a run directory", 2),
]


def test_the_catalogue_is_long_enough():
    assert len(API) + len(FILES) + len(COMMAND) >= 30


@pytest.mark.parametrize("call, error, message", [c[1:] for c in API + FILES], ids=[c[0] for c in API + FILES])
def test_bad_input_raises_its_class_and_message(place, call, error, message):
    with pytest.raises(error) as raised:
        call(place)
    assert message in str(raised.value)


@pytest.mark.parametrize("call, error, message, code", [c[1:] for c in COMMAND], ids=[c[0] for c in COMMAND])
def test_bad_command_exits_with_its_code_and_one_line(place, call, error, message, code, monkeypatch, capsys):
    raised = []
    original = cli._error
    monkeypatch.setattr(cli, "_error", lambda err, then="": raised.append(err) or original(err, then))
    assert call(place) == code
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("nodenet: error: ") and message in err
    assert [type(e) for e in raised] == [error]


def test_a_network_file_is_checked_for_cycles_once_not_link_by_link(place, monkeypatch):
    import networkx as nx
    calls = []
    monkeypatch.setattr(nx, "has_path", lambda *args: calls.append(args) or True)
    net = nn.load(place / "net.json")
    assert calls == [] and len(net.links) == 9
