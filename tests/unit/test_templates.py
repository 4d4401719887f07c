"""Every template compiles, every page names itself, and no template bypasses escaping."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from constitution.web.render import TEMPLATES_DIR, make_templates

TEMPLATES = sorted(p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES_DIR.rglob("*.html"))
# Pages that stand alone: base.html itself, and the error page that needs no database.
STANDALONE = {"base.html", "errors/plain.html"}
PAGES = [t for t in TEMPLATES if not Path(t).name.startswith("_") and t not in STANDALONE]

SAFE_FILTER = re.compile(r"\|\s*safe\b")
AUTOESCAPE_OFF = re.compile(r"{%-?\s*autoescape\s+false\b", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


@functools.cache
def environment() -> jinja2.Environment:
    return make_templates().env


def source(name: str) -> str:
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


def test_there_are_templates() -> None:
    assert "base.html" in TEMPLATES
    assert "accounts/login.html" in PAGES
    assert not [t for t in PAGES if Path(t).name.startswith("_")]


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_compiles(name: str) -> None:
    template = environment().get_template(name)
    assert template.name == name


@pytest.mark.parametrize("name", PAGES)
def test_page_extends_base_and_has_a_title(name: str) -> None:
    tree = environment().parse(source(name), name=name)
    extends = [node.template for node in tree.find_all(nodes.Extends)]
    assert [e.value for e in extends if isinstance(e, nodes.Const)] == ["base.html"], (
        "a page extends base.html"
    )
    titles = [block for block in tree.find_all(nodes.Block) if block.name == "title"]
    assert len(titles) == 1, "a page defines {% block title %}"
    assert _has_content(titles[0].body), "the title block is empty"
    assert "title" in environment().get_template(name).blocks


def _has_content(body: list[nodes.Node]) -> bool:
    for node in body:
        if not isinstance(node, nodes.Output):
            return True
        for child in node.nodes:
            if not (isinstance(child, nodes.TemplateData) and not child.data.strip()):
                return True
    return False


def test_base_defines_the_blocks_pages_fill() -> None:
    blocks = environment().get_template("base.html").blocks
    assert {"title", "content"} <= set(blocks)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_does_not_bypass_escaping(name: str) -> None:
    text = source(name)
    assert not SAFE_FILTER.search(text), "|safe turns off escaping"
    assert not AUTOESCAPE_OFF.search(text), "autoescape false turns off escaping"


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_has_no_inline_script(name: str) -> None:
    text = source(name)
    assert not INLINE_SCRIPT.search(text), "scripts live in static/ and load with src="
    assert not EVENT_HANDLER.search(text), "no inline event handlers (onclick=...)"


def test_the_checks_catch_what_they_look_for() -> None:
    assert SAFE_FILTER.search("{{ x | safe }}") and SAFE_FILTER.search("{{ x|safe }}")
    assert not SAFE_FILTER.search("{{ x|safe_name }}")
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<SCRIPT type="module">')
    assert not INLINE_SCRIPT.search('<script src="/static/app.js" defer></script>')
    assert EVENT_HANDLER.search('<button onclick="go()">')
    assert not EVENT_HANDLER.search('<button class="link" name="online">')
