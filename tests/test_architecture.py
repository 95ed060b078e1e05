"""The import direction: the numeric core never imports drawing, tracing or the command line."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "nodenet"
CORE = ["errors", "registry", "checks", "atomic", "activations", "losses", "state", "neuron",
        "link", "network", "training", "layered", "io", "history", "events"]
TRACING = ["tracer"]
LEAVES = ["matplotlib", "render", "plots", "export", "layout", "cli", "scenario", "datasets"]
FORBIDDEN = set(LEAVES) | set(TRACING)


def imported_names(module):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""
            yield from (alias.name for alias in node.names if node.level and not node.module)


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_nothing_from_the_leaves(module):
    parts = {part for name in imported_names(module) for part in name.split(".")}
    assert parts & FORBIDDEN == set()


@pytest.mark.parametrize("module", TRACING)
def test_tracing_imports_no_drawing_and_no_command_line(module):
    parts = {part for name in imported_names(module) for part in name.split(".")}
    assert parts & set(LEAVES) == set()


def test_every_module_is_classified():
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert modules == (set(CORE) | set(TRACING) | set(LEAVES)) & modules
    assert set(CORE) | set(TRACING) <= modules
