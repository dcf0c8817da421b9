"""The house rules of ../shared/STYLE.md, enforced: figure builders never import dash, no module holds mutable state
at import time, callbacks stay thin, and every module says what belongs in it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard import paths

PACKAGE = paths.REPO / "dashboard"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
# The only modules that may import dash: the app, its page, its callbacks, the two that render Dash components from
# pure models (the filter bar's controls, the source panel), the "Add a text" page's app and components, and the two
# that decide which of Dash's scripts a page loads.
DASH_ALLOWED = {"app.py", "layout.py", "callbacks.py", "views/filters.py", "views/source.py", "add_app.py",
                "add_page.py", "lazy_grid.py", "page_scripts.py", "background.py", "static_html.py"}
DASH_MODULES = {"dash", "dash_cytoscape", "dash_ag_grid", "dash_table"}
# Lines a callback body may take before it is no longer a hand-off to a pure function.
CALLBACK_MAX_LINES = 15
_MUTABLE_CALLS = {"list", "dict", "set", "defaultdict", "Counter", "OrderedDict", "deque", "bytearray"}


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported(tree: ast.Module) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_arch001_only_the_page_imports_dash(path):
    if _rel(path) in DASH_ALLOWED:
        return
    assert not (_imported(_tree(path)) & DASH_MODULES), f"{_rel(path)} imports dash: figure builders must not"


def _mutable(value: ast.expr) -> bool:
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    if isinstance(value, ast.Call):
        f = value.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        return name in _MUTABLE_CALLS
    return False


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_arch002_no_mutable_state_at_import_time(path):
    bad = []
    for node in _tree(path).body:
        targets, value = [], None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for t in targets:
            name = t.id if isinstance(t, ast.Name) else ""
            if name and name != "__all__" and value is not None and _mutable(value):
                bad.append(f"{name} (line {node.lineno})")
    assert not bad, f"{_rel(path)}: module-level mutable values (use a tuple, frozenset or MappingProxyType): {bad}"


def _callbacks(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for d in node.decorator_list:
                call = d.func if isinstance(d, ast.Call) else d
                if isinstance(call, ast.Attribute) and call.attr in ("callback", "clientside_callback"):
                    yield node


@pytest.mark.parametrize("name", ["callbacks.py", "add_app.py"])
def test_arch003_callbacks_are_thin(name):
    tree = _tree(PACKAGE / name)
    found = list(_callbacks(tree))
    assert len(found) >= 5
    fat = []
    for fn in found:
        first = fn.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):  # a docstring
            first = fn.body[1] if len(fn.body) > 1 else first
        lines = fn.end_lineno - first.lineno + 1
        if lines > CALLBACK_MAX_LINES:
            fat.append(f"{fn.name}: {lines} lines")
    assert not fat, f"callbacks longer than {CALLBACK_MAX_LINES} lines (hand off to a pure function): {fat}"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name != "__init__.py"], ids=_rel)
def test_arch004_every_module_says_what_it_is_for(path):
    doc = ast.get_docstring(_tree(path))
    assert doc and len(doc) > 40, f"{_rel(path)} has no module docstring saying what belongs in it"
