"""The import direction: the numeric core never imports drawing, tracing or the command line."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "nodenet"
CORE = ["errors", "registry", "checks", "atomic", "activations", "losses", "state", "neuron",
        "link", "network", "training", "fastpath", "kernels", "lanes", "layered", "io", "history", "events"]
TRACING = ["tracer", "explain"]
DRAWING = ["layout", "boundary", "strokes", "video", "palette", "render", "pictures", "export", "plots", "player", "progress"]
DATA = ["datasets"]
COMMAND = ["scenario", "rundir", "cli"]          # on top: they may import anything
LEAVES = ["matplotlib", "PIL", "imageio_ffmpeg", "isal", "cli", "scenario", "datasets"] + DRAWING
# presentation hooks may import drawing inside themselves, when they are called
HOOKS = {"_repr_png_", "_repr_html_", "export"}


def imported_names(module, skip_hooks=False):
    """The names a module imports; with ``skip_hooks``, not those inside the HOOKS functions."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    hooked = set()
    if skip_hooks:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in HOOKS:
                hooked |= {id(inner) for inner in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in hooked:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""
            yield from (alias.name for alias in node.names if node.level and not node.module)


def parts_of(module, skip_hooks=False):
    return {part for name in imported_names(module, skip_hooks) for part in name.split(".")}


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_nothing_from_tracing_or_drawing(module):
    assert parts_of(module, skip_hooks=True) & (set(LEAVES) | set(TRACING)) == set()


@pytest.mark.parametrize("module", TRACING)
def test_tracing_imports_no_drawing_and_no_command_line(module):
    assert parts_of(module, skip_hooks=True) & set(LEAVES) == set()


@pytest.mark.parametrize("module", DATA)
def test_data_modules_import_no_tracing_drawing_or_command_line(module):
    assert parts_of(module) & (set(LEAVES) | set(TRACING)) == set()


@pytest.mark.parametrize("module", DRAWING)
def test_drawing_never_imports_the_command_line(module):
    assert parts_of(module) & set(COMMAND) == set()


def test_hooks_are_the_only_lazy_imports_of_drawing():
    lazy = {module: parts_of(module) - parts_of(module, skip_hooks=True) for module in CORE + TRACING}
    assert {module for module, parts in lazy.items() if parts} == {"network", "tracer"}


def test_every_module_is_classified():
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert modules == set(CORE) | set(TRACING) | set(DRAWING) | set(DATA) | set(COMMAND)
