"""Print size figures for a Python package: modules, lines, functions and their lengths.

Standard library only, so that it runs on any checkout:

    python scripts/code_figures.py                      # this checkout's constitution/
    python scripts/code_figures.py --root ../main/constitution

Counts every ``.py`` file below the root, except those in data folders (``translations``,
``sample_data``). A function's length is its lines from ``def`` (or its first decorator) to
its last line; methods and nested functions count as functions of their own.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "constitution"
DATA_FOLDERS = frozenset({"translations", "sample_data", "__pycache__"})
LONG_MODULE = 400
LONG_FUNCTION = 50
LONGEST = 5


@dataclass(frozen=True)
class Function:
    module: str
    name: str
    line: int
    length: int


@dataclass(frozen=True)
class Module:
    name: str
    lines: int
    functions: list[Function]


def modules(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if not DATA_FOLDERS.intersection(path.relative_to(root).parts[:-1]):
            yield path


def module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def functions(tree: ast.AST, module: str) -> Iterator[Function]:
    """Every function and method, named by its place (``Class.method``, ``outer.inner``)."""

    def visit(node: ast.AST, prefix: str) -> Iterator[Function]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                end = child.end_lineno or child.lineno
                name = f"{prefix}{child.name}"
                yield Function(module, name, child.lineno, end - start + 1)
                yield from visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                yield from visit(child, f"{prefix}{child.name}.")
            else:
                yield from visit(child, prefix)

    yield from visit(tree, "")


def read(root: Path) -> list[Module]:
    found = []
    for path in modules(root):
        source = path.read_text(encoding="utf-8")
        name = module_name(root, path)
        tree = ast.parse(source, filename=str(path))
        found.append(Module(name, len(source.splitlines()), list(functions(tree, name))))
    return found


def report(found: list[Module]) -> str:
    every = [f for m in found for f in m.functions]
    lengths = [f.length for f in every]
    long_modules = sorted((m for m in found if m.lines > LONG_MODULE), key=lambda m: -m.lines)
    long_functions = sum(1 for n in lengths if n > LONG_FUNCTION)
    lines = [
        f"modules: {len(found)}",
        f"lines: {sum(m.lines for m in found)}",
        f"modules over {LONG_MODULE} lines: {len(long_modules)}",
        *(f"  {m.name}: {m.lines}" for m in long_modules),
        f"functions and methods: {len(every)}",
        f"median function length: {statistics.median(lengths) if lengths else 0:g} lines",
        f"functions over {LONG_FUNCTION} lines: {long_functions}"
        f" ({100 * long_functions / len(every) if every else 0:.1f}%)",
        f"longest {LONGEST} functions:",
        *(
            f"  {f.module}.{f.name} (line {f.line}): {f.length}"
            for f in sorted(every, key=lambda f: (-f.length, f.module, f.line))[:LONGEST]
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the package folder")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"no such folder: {args.root}", file=sys.stderr)
        return 2
    print(report(read(args.root.resolve())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
