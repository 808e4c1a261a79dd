"""The import graph of `kg` and `server`: data flows one way (kg never imports server), the
server's layers only import downwards (base < engine < views < web, server/__init__.py), and
no module imports itself back through others. Every import counts, also those inside
functions: a lazy import is still an arrow."""

from __future__ import annotations

import ast
from pathlib import Path

from kg.config import PROJECT_ROOT

PACKAGES = ("kg", "server")
BASE = {"server", "server.settings", "server.failures"}


def modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports (a `from package import module` names the module)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def layer(name: str) -> int:
    if name in BASE:
        return 0
    if name.startswith("server.engine"):
        return 1
    if name.startswith("server.views"):
        return 2
    if name.startswith("server.web"):
        return 3
    raise AssertionError(f"{name} belongs to no layer: add it to one in this test")


def test_kg_never_imports_server() -> None:
    wrong = {(a, b) for a, bs in graph().items() if a.startswith("kg") for b in bs
             if b.startswith("server")}
    assert not wrong, wrong


def test_server_layers_only_import_downwards() -> None:
    wrong = {(a, b) for a, bs in graph().items() if a.startswith("server") for b in bs
             if b.startswith("server") and layer(b) > layer(a)}
    assert not wrong, sorted(wrong)


def test_no_import_cycle() -> None:
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in g:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_the_check_sees_a_cycle_and_an_upward_arrow() -> None:
    """The graph is read right: the web app imports a router, a view imports the service."""
    g = graph()
    assert "server.web.routers.sparql" in g["server.web.app"]
    assert "server.views.service" in g["server.views.resource_view"]
    assert layer("server.web.app") > layer("server.views.service") > layer("server.engine.evaluate")
