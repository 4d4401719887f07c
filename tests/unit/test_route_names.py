"""Every route name that a template or the code asks for is in the route table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from constitution.routes import routes
from constitution.settings import PROJECT_ROOT
from constitution.web.render import TEMPLATES_DIR

PACKAGE = PROJECT_ROOT / "constitution"
TEMPLATE_NAME = re.compile(r"""\burl_for\(\s*(["'])([^"']+)\1""")
PYTHON_NAME = re.compile(r"""(?:\bctx\.url|\burl|\.url_path_for)\(\s*(["'])([^"']+)\1""")
# A link or form target written as a path instead of built from a route's name.
HAND_WRITTEN = re.compile(r"""\b(?:href|action|src)=["']/(?!/)""")
PYTHON_PATH = re.compile(r"""\b(?:redirect|RedirectResponse)\(\s*f?["']/""")

TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))
PYTHON = sorted(PACKAGE.rglob("*.py"))


def route_names() -> set[str]:
    names = {getattr(route, "name", None) for route in routes()}
    return {name for name in names if isinstance(name, str)}


def names_in(path: Path, pattern: re.Pattern[str]) -> list[str]:
    return [match.group(2) for match in pattern.finditer(path.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.relative_to(TEMPLATES_DIR).as_posix())
def test_template_names_known_routes(path: Path) -> None:
    unknown = sorted(set(names_in(path, TEMPLATE_NAME)) - route_names())
    assert not unknown, f"url_for() of names not in the route table: {unknown}"


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_code_names_known_routes(path: Path) -> None:
    unknown = sorted(set(names_in(path, PYTHON_NAME)) - route_names())
    assert not unknown, f"ctx.url() / url_path_for() of names not in the route table: {unknown}"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.relative_to(TEMPLATES_DIR).as_posix())
def test_templates_write_no_paths_by_hand(path: Path) -> None:
    lines = [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_WRITTEN.search(line)
    ]
    assert not lines, "links written as paths, not url_for(name): " + "; ".join(lines)


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_code_redirects_by_route_name(path: Path) -> None:
    found = PYTHON_PATH.findall(path.read_text(encoding="utf-8"))
    assert not found, f"redirects to a path written by hand: {found}"


def test_the_scan_finds_names() -> None:
    assert HAND_WRITTEN.search('<a href="/amendments/1">')
    assert not HAND_WRITTEN.search('<a href="{{ url_for("home") }}">')
    assert PYTHON_PATH.search('return ctx.redirect(f"/amendments/{a.id}")')
    assert PYTHON_NAME.findall("""url("amendments.detail", amendment_id=1)""")
    assert names_in(TEMPLATES_DIR / "base.html", TEMPLATE_NAME), "base.html links by name"
    assert TEMPLATE_NAME.findall("""{{ url_for('texts.read', slug=d.slug) }}""")
    assert PYTHON_NAME.findall("""ctx.url("home")""")
    assert PYTHON_NAME.findall("""request.app.url_path_for('accounts.login_form')""")
    assert not PYTHON_NAME.findall("""ctx.url(name)""")
    assert {"home", "accounts.login_form", "api.me", "static"} <= route_names()
