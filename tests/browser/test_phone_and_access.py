"""Phones, fonts, diffs, print and accessibility, in a real Chromium.

The server holds the sample (``constitution sample``) plus an editorial revision and three
amendments (one adds a single comma), so every main page has rows to show. An admin (who
sees every page) crawls them in both languages, with JavaScript on and off, at 360 px and at
desktop width: no page is wider than the screen, the header takes at most two lines on a
phone, and axe-core finds no serious or critical violation. Screenshots go to
``tests/browser/screenshots/phone-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import (
    SCREENSHOTS,
    Chromium,
    LiveServer,
    _server_env,
    run_cli,
    run_python,
    screenshot,
    serving,
)

SLUG = "federal-constitution-draft"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
SEED = """
from sqlalchemy import select
from constitution.accounts.models import Member
from constitution.amendments import services
from constitution.db import Database, make_engine
from constitution.settings import load
from constitution.texts.services import editorial_revision, get_document, versions_at
from constitution.texts.validation import Notices

settings = load()
database = Database(make_engine(settings.database_url))
with database.transaction() as db:
    document = get_document(db, "federal-constitution-draft")
    who = {m.username: m for m in db.scalars(select(Member))}
    rows = {r.key: r for r in versions_at(db, document, document.current_rev)}
    text = {"my": rows["art-1"].text["my"].rstrip("။") + " အစဉ်အမြဲ။",
            "en": rows["art-1"].text["en"].replace("a union", "a lasting union", 1)}
    editorial_revision(db, who["secretariat"], document, {
        "reason": "Editorial correction of the wording of the first article in both languages",
        "changes": [{"op": "replace", "key": "art-1", "text": text}]}, Notices())
    rows = {r.key: r for r in versions_at(db, document, document.current_rev)}
    title = "A long title about citizenship, federalism and the rights of ethnic nationalities"
    comma = dict(rows["art-2"].text)
    comma["en"] = comma["en"].replace(" ", ", ", 1)
    longer = dict(rows["art-3"].text)
    longer["en"] += " Furthermore, every citizen shall enjoy this right without discrimination."
    shorter = dict(rows["art-4"].text)
    shorter["my"] = shorter["my"].split(" ", 1)[-1]
    for n, (key, new) in enumerate([("art-2", comma), ("art-3", longer), ("art-4", shorter)]):
        services.propose(db, settings, who["nandar"], document, {
            "title": f"{title} ({n + 1})",
            "changes": [{"op": "replace", "key": key, "text": new}]}, Notices())
"""
MAIN_PAGES = [
    ("home", "/"),
    ("documents", "/documents"),
    ("contents", f"/documents/{SLUG}"),
    ("read-both", f"/documents/{SLUG}/read?lang=both"),
    ("provision", f"/documents/{SLUG}/p/art-1"),
    ("revisions", f"/documents/{SLUG}/revisions"),
    ("compare", f"/documents/{SLUG}/compare?from=1&to=2"),
    ("compare-side", f"/documents/{SLUG}/compare?from=1&to=2&view=side"),
    ("search", f"/documents/{SLUG}/search?q=union"),
    ("amendments", "/amendments"),
    ("amendment-list", f"/documents/{SLUG}/amendments"),
    ("amendment", "/amendments/1"),
    ("amendment-side", "/amendments/1?view=side"),
    ("propose", f"/documents/{SLUG}/p/art-5/amend"),
    ("inbox", "/inbox"),
    ("account", "/account"),
    ("sittings", "/sittings"),
    ("committees", "/committees"),
    ("my-votes", "/account/votes"),
    ("admin-members", "/admin/members"),
    ("admin-member", "/admin/members/1"),
    ("admin-invitations", "/admin/invitations"),
    ("admin-committees", "/admin/committees"),
]
ANONYMOUS_PAGES = [("login", "/login")]
LATIN_FONTS = ("DejaVu Sans", "Liberation Sans", "Noto Sans", "Cantarell", "Roboto")
MYANMAR_FONTS = ("Padauk", "Noto Sans Myanmar", "Pyidaungsu", "Myanmar Text")


@dataclass
class Site:
    server: LiveServer
    state: Any  # the logged-in admin's cookies (Playwright storage state)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, chromium: Chromium) -> Iterator[Site]:
    var_dir = tmp_path_factory.mktemp("browser-phone")
    env = _server_env(var_dir)
    run_cli(env, "migrate")
    printed = run_cli(env, "sample")
    match = re.search(r"^\s+admin\s+(\S+)", printed, re.MULTILINE)
    assert match, printed
    run_python(env, "-c", SEED)
    with serving(env, var_dir) as server:
        context = chromium.new_context(javascript=True)
        page = context.new_page()
        page.goto(server.url("/login"))
        page.fill("#username", "admin")
        page.fill("#password", match.group(1))
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        page.fill("#otp", run_cli(env, "otp", "admin").split()[-1])
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert page.locator("a[href='/admin/members']").count() == 1, page.url
        state = context.storage_state()
        context.close()
        yield Site(server, state)


def _context(
    chromium: Chromium, site: Site, *, javascript: bool, viewport: dict[str, int]
) -> BrowserContext:
    chromium.new_context(javascript=javascript).close()  # fails the test if no browser
    assert chromium.browser is not None
    return chromium.browser.new_context(
        java_script_enabled=javascript,
        viewport=viewport,  # type: ignore[arg-type]
        device_scale_factor=1,
        storage_state=site.state,
    )


def _use_language(page: Page, site: Site, lang: str) -> None:
    page.goto(site.server.url("/"))
    if page.locator("html").get_attribute("lang") != lang:
        with page.expect_navigation():
            page.click(f"form.lang button[value={lang}]")
    assert page.locator("html").get_attribute("lang") == lang


def _open(page: Page, site: Site, path: str) -> None:
    response = page.goto(site.server.url(path), wait_until="load")
    assert response is not None and response.status == 200, (path, response and response.status)


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot(page, SCREENSHOTS / f"phone-{name}.png", full_page=True)


def _overflow(page: Page) -> dict[str, Any]:
    """How much wider than the window the page is, and the elements that stick out."""
    return dict(
        page.evaluate(
            """() => {
              const width = document.documentElement.clientWidth;
              const out = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 0.5
                        && !e.closest('.top nav'))
                .map(e => e.tagName.toLowerCase() + '.' + e.className).slice(0, 5);
              return {width, scroll: document.documentElement.scrollWidth, out};
            }"""
        )
    )


def _header_lines(page: Page) -> int:
    """The number of rows the header's items are laid out in."""
    tops = page.evaluate(
        """() => [...document.querySelectorAll('.top > *')]
             .map(e => Math.round(e.getBoundingClientRect().top))"""
    )
    rows: list[int] = []
    for top in sorted(tops):
        if not rows or top - rows[-1] > 10:
            rows.append(top)
    height = page.evaluate("document.querySelector('.top').getBoundingClientRect().height")
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.top')).lineHeight)")
    assert height <= 2 * line + 24, f"header {height}px high, line {line}px"
    return len(rows)


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
@pytest.mark.parametrize("lang", ["my", "en"])
def test_no_page_is_wider_than_a_phone_and_the_header_takes_two_lines(
    chromium: Chromium, site: Site, javascript: bool, lang: str
) -> None:
    context = _context(chromium, site, javascript=javascript, viewport=PHONE)
    try:
        page = context.new_page()
        _use_language(page, site, lang)
        mode = "js-on" if javascript else "js-off"
        for name, path in MAIN_PAGES:
            _open(page, site, path)
            if javascript:
                _shot(page, f"360-{lang}-{mode}-{name}")
            box = _overflow(page)
            assert box["scroll"] <= box["width"], (name, box)
            assert _header_lines(page) <= 2, name
        # The navigation strip scrolls within itself, never the page.
        assert page.locator(".top nav a[href='/admin/committees']").count() == 1
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["my", "en"])
def test_desktop_pages_fit_and_the_header_is_short(
    chromium: Chromium, site: Site, lang: str
) -> None:
    context = _context(chromium, site, javascript=True, viewport=DESKTOP)
    try:
        page = context.new_page()
        _use_language(page, site, lang)
        for name, path in MAIN_PAGES:
            _open(page, site, path)
            _shot(page, f"desktop-{lang}-{name}")
            box = _overflow(page)
            assert box["scroll"] <= box["width"], (name, box)
            assert _header_lines(page) <= 2, name
    finally:
        context.close()


def _fonts(page: Page, selector: str) -> list[str]:
    """The fonts Chromium really drew the element's text with (DevTools: CSS domain)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [f["familyName"] for f in fonts]


@pytest.mark.browser
def test_english_in_a_latin_font_and_burmese_in_a_myanmar_font(
    chromium: Chromium, site: Site
) -> None:
    context = _context(chromium, site, javascript=True, viewport=PHONE)
    try:
        page = context.new_page()
        _use_language(page, site, "en")
        _open(page, site, f"/documents/{SLUG}/p/art-1?lang=both")
        english = _fonts(page, "h1")
        assert english and all(f.startswith(LATIN_FONTS) for f in english), english
        english_text = _fonts(page, ".ptext[lang=en]")
        assert all(f.startswith(LATIN_FONTS) for f in english_text), english_text
        burmese_text = _fonts(page, ".ptext[lang=my]")
        assert any(f.startswith(MYANMAR_FONTS) for f in burmese_text), burmese_text
        _use_language(page, site, "my")
        _open(page, site, f"/documents/{SLUG}")
        burmese = _fonts(page, "h1")
        assert burmese and burmese[0].startswith(MYANMAR_FONTS), burmese
    finally:
        context.close()


def _box(page: Page, selector: str) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """(selector) => {
              const e = document.querySelector(selector);
              const s = getComputedStyle(e);
              return {text: e.textContent, width: e.getBoundingClientRect().width,
                      line: s.textDecorationLine, border: s.borderBottomStyle,
                      borderWidth: parseFloat(s.borderBottomWidth)};
            }""",
            selector,
        )
    )


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_comma_shows_and_burmese_deletions_are_not_struck_through(
    chromium: Chromium, site: Site, javascript: bool
) -> None:
    context = _context(chromium, site, javascript=javascript, viewport=PHONE)
    try:
        page = context.new_page()
        _use_language(page, site, "en")
        _open(page, site, "/amendments/1")  # adds one comma to article 2
        inserted = [t.strip() for t in page.locator(".diff ins").all_inner_texts()]
        assert ",".strip() in inserted, inserted
        comma = page.locator(".diff ins", has_text=",").first
        comma.scroll_into_view_if_needed()
        box = _box(page, ".diff ins")
        assert box["width"] >= 6, box  # a comma alone is a few pixels: the mark widens it
        assert box["border"] == "solid" and box["borderWidth"] >= 2, box
        _shot(page, f"comma-{'js-on' if javascript else 'js-off'}")

        _open(page, site, "/amendments/3")  # removes the first Burmese word of article 4
        deleted = _box(page, ".diff[lang=my] del, [lang=my] del")
        assert "line-through" not in deleted["line"], deleted
        assert deleted["border"] in ("dashed", "dotted") and deleted["borderWidth"] >= 2, deleted
        # Without colour: a deletion's underline is drawn differently from an insertion's.
        assert deleted["border"] != box["border"]
        _shot(page, f"burmese-deletion-{'js-on' if javascript else 'js-off'}")
    finally:
        context.close()


@pytest.mark.browser
def test_focus_is_visible_and_ballot_buttons_are_large_on_a_phone(
    chromium: Chromium, site: Site
) -> None:
    context = _context(chromium, site, javascript=True, viewport=PHONE)
    try:
        page = context.new_page()
        _use_language(page, site, "my")
        _open(page, site, "/documents")
        page.keyboard.press("Tab")
        outline = page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                       return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
        )
        assert outline[0] != "none" and outline[1] >= 2, outline
        # The ballot's three buttons, as the ballot page marks them up, under site.css.
        page.evaluate(
            """() => { const d = document.createElement('div'); d.className = 'choices';
              d.innerHTML = '<button class="vote yes">ထောက်ခံ</button>' +
                '<button class="vote no">ကန့်ကွက်</button>';
              document.querySelector('main').append(d); }"""
        )
        sizes = page.evaluate(
            """() => [...document.querySelectorAll('.choices button')].map(b => {
                const r = b.getBoundingClientRect(); return [r.width, r.height]; })"""
        )
        assert all(w >= 280 and h >= 48 for w, h in sizes), sizes
        buttons = page.evaluate(
            """() => [...document.querySelectorAll('main button:not(.link)')]
                 .map(b => b.getBoundingClientRect().height)"""
        )
        assert buttons and min(buttons) >= 44, buttons
    finally:
        context.close()


@pytest.mark.browser
def test_printing_shows_the_text_not_the_controls(chromium: Chromium, site: Site) -> None:
    context = _context(chromium, site, javascript=False, viewport=DESKTOP)
    try:
        page = context.new_page()
        _use_language(page, site, "my")
        _open(page, site, f"/documents/{SLUG}/read?lang=both")
        page.emulate_media(media="print")
        hidden = page.evaluate(
            """() => ['.top', 'footer', '.doc-nav'].map(s => {
                const e = document.querySelector(s);
                return e === null || getComputedStyle(e).display === 'none'; })"""
        )
        assert all(hidden), hidden
        assert page.locator(".ptext[lang=my]").first.is_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(SCREENSHOTS / "phone-print.pdf"))
    finally:
        context.close()


SERIOUS = ("serious", "critical")


def _axe_problems(page: Page, axe: Axe) -> list[str]:
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:4])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
@pytest.mark.parametrize("lang", ["my", "en"])
def test_every_main_page_passes_axe(
    chromium: Chromium, site: Site, javascript: bool, lang: str
) -> None:
    """axe-core (pinned with axe-playwright-python), injected in the test only. axe itself
    needs JavaScript: "js-off" checks the pages as they are without their own scripts
    (every script of the site refused), at desktop width; "js-on" at 360 px."""
    axe = Axe()
    viewport = PHONE if javascript else DESKTOP
    context = _context(chromium, site, javascript=True, viewport=viewport)
    if not javascript:
        context.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
    try:
        page = context.new_page()
        _use_language(page, site, lang)
        problems: dict[str, list[str]] = {}
        for name, path in MAIN_PAGES:
            _open(page, site, path)
            found = _axe_problems(page, axe)
            if found:
                problems[name] = found
        assert not problems, problems
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["my", "en"])
def test_the_login_page_passes_axe_and_fits_a_phone(
    chromium: Chromium, site: Site, lang: str
) -> None:
    context = chromium.new_context(javascript=True, locale="my-MM" if lang == "my" else "en-US")
    try:
        page = context.new_page()
        page.set_viewport_size(PHONE)  # type: ignore[arg-type]
        _open(page, site, "/login")
        if page.locator("html").get_attribute("lang") != lang:
            with page.expect_navigation():
                page.click(f"form.lang button[value={lang}]")
        _shot(page, f"360-{lang}-login")
        box = _overflow(page)
        assert box["scroll"] <= box["width"], box
        assert _header_lines(page) <= 2
        assert not _axe_problems(page, Axe())
    finally:
        context.close()
