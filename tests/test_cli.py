"""The nodenet command: list, run, explain, history, info, and its errors."""

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import nodenet as nn
from nodenet.cli import main
from nodenet.rundir import read_summary
from golden import SCENARIOS, TABLE, agrees

MAZUR = str(SCENARIOS / "mazur.py")


@pytest.fixture(scope="module")
def mazur_run(tmp_path_factory):
    """runs of mazur.py with chosen settings: 40 steps, lr 0.7, seed 5, step frames as JSON."""
    out = tmp_path_factory.mktemp("runs") / "mazur"
    assert main(["run", MAZUR, "--out", str(out), "--epochs", "40", "--lr", "0.7", "--seed", "5",
                 "--detail", "step", "--format", "json", "--quiet"]) == 0
    return out


def one_error_line(capsys):
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0]


def test_list_prints_every_scenario_with_its_description(capsys):
    assert main(["list", str(SCENARIOS)]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == sorted(path.stem for path in SCENARIOS.glob("*.py"))
    assert re.fullmatch(r"orders +Orders: the phased and the wave order of one online step give the same "
                        r"numbers; a mistaken order does not\.", lines[names.index("orders")])


def test_explain_mazur_prints_every_golden_number_in_the_order_of_the_step(capsys):
    assert main(["explain", MAZUR]) == 0
    out = capsys.readouterr().out
    numbers = [float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", out)]
    positions = []
    for quantity, value in TABLE.items():
        found = [j for j, x in enumerate(numbers) if agrees(x, value)]
        assert found, quantity
        positions.append(found[0])
    # pushes, loss, grads, then the updated weights in order and the loss after
    assert positions[:7] == sorted(positions[:7]) and positions[8:] == sorted(positions[8:])
    assert out.splitlines()[-1] == "loss on this sample after the step: 0.291027774"
    assert "  h1   error_h1 = 0.4 * 0.138498562 + 0.5 * -0.0380982365 = 0.0363503064" in out


def test_explain_wave_order_has_the_same_lines_in_another_order(capsys):
    main(["explain", MAZUR])
    phased = capsys.readouterr().out.splitlines()
    main(["explain", MAZUR, "--order", "wave"])
    wave = capsys.readouterr().out.splitlines()
    body = lambda lines: sorted(line for line in lines[2:] if line.startswith("  "))
    assert body(phased) == body(wave) and phased != wave
    assert wave[1] == "one online step, wave order: lr 0.5, momentum 0"


def test_run_then_info_shows_the_settings_that_were_used(mazur_run, capsys):
    assert main(["info", str(mazur_run)]) == 0
    out = capsys.readouterr().out
    assert "settings: epochs 40, lr 0.7, momentum 0, batch_size 1, shuffle False, order phased, seed 5, " \
           "detail step, every 1, trace_epochs 1, formats json, fps 2" in out
    assert "steps 40, epochs 40, frames 1" in out          # the scenario traces its first epoch only
    assert "status: complete" in out
    assert re.search(r"^  history\.npz +every link's weight", out, re.M)


def test_history_prints_a_links_series_equal_to_the_file(mazur_run, capsys):
    assert main(["history", str(mazur_run), "--link", "h1->o1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    history = nn.History.load(mazur_run / "history.npz")
    assert lines[0] == "h1->o1: weight 0.4 at the start"
    rows = np.array([[float(x) for x in line.split()] for line in lines[2:]])
    np.testing.assert_array_equal(rows[:, 0], history.steps)
    np.testing.assert_array_equal(rows[:, 1], history.weights("h1->o1"))     # exact: printed with repr
    np.testing.assert_array_equal(rows[:, 2], history.dw("h1->o1"))
    np.testing.assert_array_equal(rows[:, 3], history.grads("h1->o1"))


def test_history_prints_only_the_fields_a_history_records(mazur_run, tmp_path, capsys):
    run = tmp_path / "mazur"
    shutil.copytree(mazur_run, run)
    with np.load(run / "history.npz") as data:
        arrays = dict(data)
    arrays.update(fields=np.array(["weight"]), dw=np.zeros((0, 12)), grad=np.zeros((0, 12)))
    np.savez(run / "history.npz", **arrays)
    assert main(["history", str(run), "--link", "h1->o1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    weights = nn.History.load(run / "history.npz").weights("h1->o1").tolist()
    assert lines[1].split() == ["step", "weight"]
    assert [line.split() for line in lines[2:]] == [[str(step), repr(w)] for step, w in enumerate(weights, 1)]
    assert len(weights) == 40


def test_history_lists_the_top_links_and_writes_csv_and_plot(mazur_run, tmp_path, capsys):
    csv, plot = tmp_path / "h.csv", tmp_path / "h.png"
    assert main(["history", str(mazur_run), "--top", "3", "--csv", str(csv), "--plot", str(plot)]) == 0
    lines = capsys.readouterr().out.splitlines()
    history = nn.History.load(mazur_run / "history.npz")
    assert lines[0] == "12 links, 40 steps; the links that moved most:"
    assert [line.split()[0] for line in lines[2:5]] == [f"{s}->{d}" for (s, d), _ in history.top_changed(3)]
    assert lines[5] == "never changed: b1->h1, b1->h2, b2->o1, b2->o2"
    assert len(csv.read_text().splitlines()) == 1 + 40 * 12
    with Image.open(plot) as image:
        assert image.format == "PNG"


@pytest.mark.parametrize("argv, message", [
    (["run", "no/such.py"], "nodenet: error: scenario file 'no/such.py' does not exist: give the path of a .py"),
    (["run", MAZUR, "--detail", "bogus"], "nodenet: error: argument --detail: invalid choice: 'bogus' (choose from 'op', 'phase', 'step', 'epoch') "
                                       "(see nodenet run --help)"),
    (["run", MAZUR, "--format", "gif,avi"], "nodenet: error: argument --format: unknown format 'avi': choose from gif, mp4"),
    (["run", MAZUR, "--epochs", "many"], "nodenet: error: argument --epochs: invalid int value: 'many' (see nodenet run --help)"),
    (["run", MAZUR, "--momentum", "1.5"], "nodenet: error: momentum must be a number in [0, 1), got 1.5"),
    (["info", "."], "nodenet: error: '.' is not a run directory (it has no summary.json)"),
    (["explain", MAZUR, "--sample", "3"], "nodenet: error: --sample 3: mazur has 1 samples, give 0 to 0"),
    (["list", "no/such/dir"], "nodenet: error: 'no/such/dir' is not a directory"),
    (["frobnicate"], "nodenet: error: argument COMMAND: invalid choice: 'frobnicate'"),
    (["run", MAZUR, "--fps", "3"], "nodenet: error: unrecognized arguments: --fps 3 (see nodenet run --help)"),
    (["history", "x", "--lnk", "a"], "nodenet: error: unrecognized arguments: --lnk a (see nodenet history --help)"),
])
def test_errors_print_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert one_error_line(capsys).startswith(message)


def test_unknown_link_is_named_with_a_suggestion(mazur_run, capsys):
    assert main(["history", str(mazur_run), "--link", "h1->o3"]) == 2
    assert one_error_line(capsys) == ("nodenet: error: no link h1->o3 in this history (did you mean h1->o2?); "
                                      "links: i1->h1, i2->h1, i1->h2, i2->h2, h1->o1, h2->o1, h1->o2, h2->o2, "
                                      "b1->h1, b1->h2, b2->o1, b2->o2")


def test_a_scenario_with_a_syntax_error_names_file_and_line(tmp_path, capsys):
    path = tmp_path / "broken.py"
    path.write_text('"""Broken."""\nimport nodenet as nn\nscenario = nn.Scenario(lambda s: 1,\n')
    assert main(["run", str(path)]) == 2
    assert one_error_line(capsys) == f"nodenet: error: {path}, line 3: '(' was never closed: fix the scenario's syntax"


def test_python_m_nodenet_exits_2_without_a_traceback_and_help_answers(tmp_path):
    result = subprocess.run([sys.executable, "-m", "nodenet", "info", "nowhere"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("nodenet: error: 'nowhere' is not a run directory (it has no summary.json): "
                             "give a directory that nodenet run wrote, e.g. runs/mazur\n")
    result = subprocess.run([sys.executable, "-m", "nodenet", "run", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for option in ("--out DIR", "--epochs N", "--lr X", "--momentum X", "--seed S", "--detail", "--format LIST",
                   "--quiet"):
        assert option in result.stdout


@pytest.mark.parametrize("damage", [
    {"files": []}, {"files": [1]}, {"timings": {"train_s": "x"}}, {"timings": [1]}, {"loss": {"first": "abc"}},
    {"steps": -1}, {"status": None}, {"version": 2},
])
def test_info_and_history_refuse_a_damaged_summary_with_one_line(mazur_run, tmp_path, capsys, damage):
    import json
    damaged = tmp_path / "damaged"
    shutil.copytree(mazur_run, damaged)
    summary = json.loads((damaged / "summary.json").read_text())
    (damaged / "summary.json").write_text(json.dumps({**summary, **damage}))
    for command in ("info", "history"):
        assert main([command, str(damaged)]) == 2
        assert one_error_line(capsys).startswith(f"nodenet: error: '{damaged / 'summary.json'}' ")


@pytest.mark.parametrize("out", [".", "", ".."])
def test_a_run_never_replaces_the_directory_you_are_in(tmp_path, monkeypatch, capsys, out):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert main(["run", MAZUR, "--out", out, "--epochs", "2", "--format", "none", "--quiet"]) == 2
    line = one_error_line(capsys)
    assert line.startswith("nodenet: error: '") and line.endswith(
        "' holds the directory you are in, and a run replaces its directory whole: choose another --out, "
        "e.g. runs/NAME")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]


def test_detail_op_overrides_a_scenarios_every_and_every_is_an_option(tmp_path, capsys):
    xor = str(SCENARIOS / "xor.py")
    assert main(["run", xor, "--detail", "op", "--epochs", "1", "--format", "json", "--out", str(tmp_path / "a"),
                 "--quiet"]) == 0
    assert read_summary(tmp_path / "a")["frames"] == 4 * (3 + 1 + 3 + 9)
    assert main(["run", xor, "--every", "2", "--epochs", "5", "--format", "json", "--out", str(tmp_path / "b"),
                 "--quiet"]) == 0
    assert read_summary(tmp_path / "b")["frames"] == 3                     # epochs 1, 3, 5


def test_the_seed_option_changes_the_network(tmp_path):
    xor = str(SCENARIOS / "xor.py")
    for seed in ("1", "2"):
        main(["run", xor, "--seed", seed, "--epochs", "1", "--format", "none", "--out", str(tmp_path / seed),
              "--quiet"])
    first, second = (nn.load(tmp_path / seed / "network.json") for seed in ("1", "2"))
    assert first.seed == 1 and second.seed == 2
    assert not np.array_equal(first.state.weight, second.state.weight)


def test_a_closed_pipe_stops_the_output_quietly(tmp_path):
    main(["run", MAZUR, "--epochs", "3000", "--format", "none", "--out", str(tmp_path / "long"), "--quiet"])
    # 3000 lines of about 90 characters: more than a pipe holds
    process = subprocess.Popen([sys.executable, "-m", "nodenet", "history", str(tmp_path / "long"), "--link", "h1->o1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.readline()
    process.stdout.close()
    with process.stderr:
        assert process.stderr.read() == b""
    assert process.wait() == 1


def test_scenario_files_that_exit_or_call_main_while_loading(tmp_path, capsys):
    exits = tmp_path / "exits.py"
    exits.write_text("import sys\nsys.exit(3)\n")
    assert main(["run", str(exits)]) == 2
    assert one_error_line(capsys) == f"nodenet: error: {exits}, line 2: SystemExit: 3: fix the scenario file"
    unguarded = tmp_path / "unguarded.py"
    unguarded.write_text('import nodenet as nn\nscenario = nn.Scenario(lambda s: nn.layered([1, 1]), ([[1]], [[1]]))\n'
                         'scenario.main()\n')
    assert main(["run", str(unguarded)]) == 2
    assert one_error_line(capsys) == ('nodenet: error: scenario.main() runs while the file is being loaded: put it '
                                      'under `if __name__ == "__main__":`')


def test_a_scenario_without_a_name_needs_an_out_directory():
    with pytest.raises(nn.SettingError, match="this scenario has no name to call its run directory by"):
        nn.Scenario(lambda seed: nn.layered([1, 1]), ([[1]], [[1]])).run(quiet=True)
