"""The package has no import cycle (design/style.md), counting imports inside functions too.

A lazy import hides a cycle from Python at start-up, not from a reader: two modules
that import each other are one module split in two. Each module's imports are read
from its source with `ast`, so the test also covers code paths no other test runs.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import cellrules

PACKAGE = Path(cellrules.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def import_graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from cellrules import units` imports the submodule; the package's own code is reached
                # only for names that are not submodules (cellrules/__init__.py loads the API lazily).
                submodules = [f"{node.module}.{alias.name}" for alias in node.names]
                named = [m for m in submodules if m in modules]
                targets = named if len(named) == len(submodules) else [node.module, *named]
            else:
                continue
            graph.add_edges_from((name, target) for target in targets if target in modules and target != name)
    return graph


def test_the_package_has_no_import_cycle():
    cycles = sorted(sorted(cycle) for cycle in nx.simple_cycles(import_graph()))
    assert cycles == [], f"modules that import each other: {cycles}"


def test_the_graph_sees_lazy_imports():
    # cli/explain.py imports the report modules only inside its functions.
    assert import_graph().has_edge("cellrules.cli.explain", "cellrules.report.render")
