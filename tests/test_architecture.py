"""Architecture rules of the whole package (core and _napari): no import cycles, small modules
and functions. Static only (grimp and ast read the sources), so no Qt and no imports of ours."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

PACKAGE = "imaging_explorer"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80  # from ``def`` to the last line of the body


def package_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def source_files() -> list[Path]:
    return sorted(package_dir().rglob("*.py"))


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Function-level imports count (they still import at run time); TYPE_CHECKING ones never run.
    # cache_dir=None: no cache folder written into the project.
    return grimp.build_graph(PACKAGE, exclude_type_checking_imports=True, cache_dir=None)


def import_edges(graph: grimp.ImportGraph, modules: Iterable[str]) -> dict[str, set[str]]:
    """Direct imports among ``modules``. grimp names a package's ``__init__`` by the package
    itself, and ``from pkg.sub import x`` is an edge to ``pkg.sub`` only: a submodule using a
    sibling makes no cycle with the ``__init__`` that re-exports both, unless it imports
    ``pkg`` itself back."""
    nodes = set(modules)
    return {m: graph.find_modules_directly_imported_by(m) & nodes for m in nodes}


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself
    (networkx, which scikit-image brings along)."""
    import networkx as nx

    graph = nx.DiGraph([(a, b) for a, targets in edges.items() for b in targets])
    graph.add_nodes_from(edges)
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph)
                  if len(c) > 1 or next(iter(c)) in edges.get(next(iter(c)), ()))


def describe_cycle(graph: grimp.ImportGraph, component: list[str]) -> str:
    """The cycle's modules and the import lines that close it, for the failure message."""
    members = set(component)
    lines = []
    for importer in component:
        name = f"{importer} (__init__)" if graph.find_children(importer) else importer
        lines.append(f"  {name}")
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"      line {detail['line_number']}: {detail['line_contents']}")
    return "\n".join(lines)


def long_modules(files: Iterable[Path]) -> list[str]:
    root = package_dir().parent
    return [f"{path.relative_to(root)}: {n} lines"
            for path in files if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]


def long_functions(files: Iterable[Path]) -> list[str]:
    root = package_dir().parent
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{path.relative_to(root)}:{node.lineno} {name}: {n} lines"
                  for name, node in _functions(tree)
                  if (n := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES]
    return found


def _functions(node: ast.AST, prefix: str = ""):
    """(qualified name, node) of every function and method, nested ones included."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f"{prefix}{child.name}", child
            yield from _functions(child, f"{prefix}{child.name}.")
        elif isinstance(child, ast.ClassDef):
            yield from _functions(child, f"{prefix}{child.name}.")
        else:
            yield from _functions(child, prefix)


def test_no_import_cycles(graph) -> None:
    found = cycles(import_edges(graph, graph.modules))
    report = "\n".join(describe_cycle(graph, c) for c in found)
    assert not found, f"{len(found)} import cycle(s) in {PACKAGE}:\n{report}"


def test_modules_are_small() -> None:
    found = long_modules(source_files())
    assert not found, f"modules over {MAX_MODULE_LINES} lines:\n  " + "\n  ".join(found)


def test_functions_are_small() -> None:
    found = long_functions(source_files())
    assert not found, f"functions over {MAX_FUNCTION_LINES} lines:\n  " + "\n  ".join(found)


def test_cycle_finder_sees_a_package_and_its_init() -> None:
    """The finder itself: a submodule importing its package back is a cycle, a sibling is not."""
    edges = {"p": {"p.a", "p.b"}, "p.a": {"p.b"}, "p.b": set(), "q": {"q.a"}, "q.a": {"q"}, "r": {"r"}}
    assert cycles(edges) == [["q", "q.a"], ["r"]]


def test_test_files_have_unique_names() -> None:
    """The tests are no packages (rootdir-relative imports): two test files of one name break
    collection of the whole suite ("import file mismatch")."""
    from collections import Counter

    names = Counter(p.name for p in Path(__file__).parent.rglob("test_*.py"))
    assert [name for name, n in names.items() if n > 1] == []
