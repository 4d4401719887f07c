"""The package's shape: no import circles, and each part imports only the parts below it.

The import graph is read from the source with ``ast`` (nothing is imported): every
``import`` and ``from … import …`` of a ``constitution`` module, at the top of a module or
inside a function, relative ones resolved; ``from package import name`` counts as an import
of ``package.name`` when that is a module. The rules are data (``RULES``); each is one test,
and its failure lists every offending import with its line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "constitution"
DATA_FOLDERS = frozenset({"translations", "sample_data", "__pycache__"})


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} (line {self.line})"


@dataclass
class Graph:
    package: str
    modules: set[str] = field(default_factory=set)
    imports: list[Import] = field(default_factory=list)

    def edges(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {m: set() for m in self.modules}
        for imp in self.imports:
            out[imp.source].add(imp.target)
        return out


def module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(graph: Graph, name: str) -> str | None:
    """The module ``name`` is, or the longest module it is inside (``pkg.mod.attr``)."""
    while name:
        if name in graph.modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imported(graph: Graph, module: str, is_package: bool, node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = module if is_package else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            yield candidate if candidate in graph.modules else base


def read_graph(root: Path) -> Graph:
    """The import graph between the modules of the package in folder ``root``."""
    graph = Graph(root.name)
    paths = [
        p
        for p in sorted(root.rglob("*.py"))
        if not DATA_FOLDERS.intersection(p.relative_to(root).parts[:-1])
    ]
    graph.modules = {module_name(root, p) for p in paths}
    seen: set[Import] = set()
    for path in paths:
        module = module_name(root, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for name in _imported(graph, module, path.name == "__init__.py", node):
                target = _resolve(graph, name)
                found = Import(module, target or "", getattr(node, "lineno", 0))
                if target is not None and target != module and found not in seen:
                    seen.add(found)
                    graph.imports.append(found)
    return graph


# ---- the rules --------------------------------------------------------------------------


def _within(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def part_of(graph: Graph, module: str) -> str | None:
    """The part (``texts`` for ``constitution.texts.views``) a module belongs to."""
    rest = module.removeprefix(graph.package + ".")
    return rest.split(".")[0] if rest != module else None


@dataclass(frozen=True)
class NoCircles:
    """No module reaches itself again by following imports."""

    def violations(self, graph: Graph) -> list[str]:
        edges = graph.edges()
        found = []
        for group in import_groups(graph):
            circle = _circle_in(edges, set(group))
            found.append(f"{', '.join(group)} (one way round: {' -> '.join([*circle, circle[0]])})")
        return found


@dataclass(frozen=True)
class Forbidden:
    """Modules of the ``sources`` parts import none of the ``forbidden`` parts.

    ``forbidden=None`` forbids every module of the package outside the source parts except
    the ``allowed`` ones.
    """

    sources: tuple[str, ...]
    forbidden: tuple[str, ...] | None
    allowed: tuple[str, ...] = ()

    def violations(self, graph: Graph) -> list[str]:
        own = [f"{graph.package}.{s}" for s in self.sources]
        allowed = [f"{graph.package}.{a}" for a in self.allowed]
        found = []
        for imp in graph.imports:
            if not _within(imp.source, own) or _within(imp.target, own):
                continue
            if self.forbidden is None:
                bad = not _within(imp.target, allowed)
            else:
                bad = _within(imp.target, [f"{graph.package}.{f}" for f in self.forbidden])
            if bad:
                found.append(str(imp))
        return found


@dataclass(frozen=True)
class Layers:
    """A part imports only parts on its own layer or below (``layers`` from the bottom up).

    The ``exempt`` modules (the ones that wire everything together) may import anything.
    """

    layers: tuple[tuple[str, ...], ...]
    exempt: tuple[str, ...]

    def violations(self, graph: Graph) -> list[str]:
        rank = {part: i for i, layer in enumerate(self.layers) for part in layer}
        exempt = [f"{graph.package}.{e}" for e in self.exempt]
        found = []
        for imp in graph.imports:
            source, target = part_of(graph, imp.source), part_of(graph, imp.target)
            if source not in rank or target not in rank or _within(imp.source, exempt):
                continue
            if rank[target] > rank[source]:
                found.append(f"{imp} [{source} is below {target}]")
        return found


Rule = NoCircles | Forbidden | Layers

DOMAIN = ("accounts", "texts", "amendments", "comments", "inbox", "votes", "pages", "diffing")
RULES: dict[str, Rule] = {
    "no import circles": NoCircles(),
    "diffing imports only generic utilities": Forbidden(("diffing",), None, ("myanmar",)),
    "texts imports no part above it": Forbidden(
        ("texts",),
        (
            "amendments",
            "comments",
            "inbox",
            "votes",
            "pages",
            "api",
            "cli",
            "app",
            "routes",
            "wiring",
        ),
    ),
    "audit imports no domain part": Forbidden(("audit",), (*DOMAIN, "api", "web")),
    "web imports no domain part and not the API": Forbidden(("web",), (*DOMAIN, "api", "audit")),
    "live imports no domain part and not the web": Forbidden(
        ("live",), (*DOMAIN, "api", "audit", "web")
    ),
    "inbox imports no part above it": Forbidden(
        ("inbox",), ("amendments", "comments", "texts", "votes", "pages", "api")
    ),
    "comments imports no part above it": Forbidden(
        ("comments",), ("amendments", "votes", "pages", "api")
    ),
    "amendments imports no part above it": Forbidden(("amendments",), ("votes", "pages", "api")),
    "parts import only the layers below": Layers(
        layers=(
            ("diffing", "audit", "live", "web"),
            ("accounts",),
            ("inbox",),
            ("texts",),
            ("comments",),
            ("amendments",),
            ("votes",),
            ("pages", "api"),
        ),
        exempt=("app", "cli", "routes", "wiring", "pages", "api", "models"),
    ),
}


def import_groups(graph: Graph) -> list[list[str]]:
    """The groups of modules that all reach each other by imports (Tarjan's SCCs)."""
    edges = graph.edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return sorted(groups)


def _circle_in(edges: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest way from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges[node] & group):
            if nxt == start:
                return paths[node]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return sorted(group)


# ---- the tests --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> Graph:
    return read_graph(PACKAGE_ROOT)


@pytest.mark.parametrize("name", list(RULES))
def test_rule(graph: Graph, name: str) -> None:
    found = RULES[name].violations(graph)
    if found:
        listed = "\n".join(f"  {v}" for v in found)
        pytest.fail(f"{name}, but {len(found)} found:\n{listed}", pytrace=False)


def test_the_graph_holds_the_package(graph: Graph) -> None:
    assert len(graph.modules) > 30
    assert any(i.target.startswith("constitution.diffing") for i in graph.imports)


def test_the_checker_reports_circles_and_forbidden_imports(tmp_path: Path) -> None:
    """A synthetic package with a circle (one side relative, inside a function) and a part
    that imports one above it."""
    files = {
        "__init__.py": "",
        "myanmar.py": "",
        "diffing/__init__.py": "",
        "diffing/tokens.py": "from .. import myanmar\n",
        "diffing/diff.py": "def late():\n    from pkg.texts import views\n",
        "texts/__init__.py": "",
        "texts/views.py": "from pkg.amendments.views import propose\n",
        "amendments/__init__.py": "",
        "amendments/views.py": "from ..texts import views\n\n\ndef propose(): ...\n",
        "web/__init__.py": "",
        "web/render.py": "import pkg.web.framework\n",
        "web/framework.py": "from pkg.web import render\n",
    }
    root = tmp_path / "pkg"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    graph = read_graph(root)

    assert RULES["no import circles"].violations(graph) == [
        "pkg.amendments.views, pkg.texts.views (one way round: "
        "pkg.amendments.views -> pkg.texts.views -> pkg.amendments.views)",
        "pkg.web.framework, pkg.web.render (one way round: "
        "pkg.web.framework -> pkg.web.render -> pkg.web.framework)",
    ]
    assert RULES["diffing imports only generic utilities"].violations(graph) == [
        "pkg.diffing.diff -> pkg.texts.views (line 2)"
    ]
    assert RULES["texts imports no part above it"].violations(graph) == [
        "pkg.texts.views -> pkg.amendments.views (line 1)"
    ]
    assert RULES["parts import only the layers below"].violations(graph) == [
        "pkg.diffing.diff -> pkg.texts.views (line 2) [diffing is below texts]",
        "pkg.texts.views -> pkg.amendments.views (line 1) [texts is below amendments]",
    ]
    assert RULES["amendments imports no part above it"].violations(graph) == []
