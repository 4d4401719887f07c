"""Reading by part and chapter in a real browser, JavaScript on and off, at 360 px and at
desktop width: the contents lead to a chapter's page at the provision, previous and next
move through the parts and chapters, the chapter with its open amendments shows a
``needs_update`` amendment's own change (never undoing the correction it did not touch) and
its status, the provision page shows each change compactly and in full on request, a
chapter that does not exist is a 404 page, and no page scrolls sideways on a phone.
Screenshots go to /work/shots/reading/ (and the usual tests/browser/screenshots/)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser import conftest
from tests.browser.conftest import (
    Chromium,
    LiveServer,
    Recorder,
    Weights,
    _server_env,
    run_cli,
    run_python,
    serving,
)

SLUG = "federal-constitution-draft"
SHOTS = Path("/work/shots/reading")

# Nandar's amendment to Article 9, then an editorial correction that clashes with it in
# English and corrects another place in Burmese: it needs an update.
SETUP = """
from sqlalchemy import select
from constitution.accounts.models import Member
from constitution.amendments import services as amendments
from constitution.db import Database, make_engine
from constitution.settings import load
from constitution.texts.services import editorial_revision, get_document, versions_at
from constitution.texts.validation import Notices
from constitution.wiring import wire

wire()  # the re-check of open amendments after a revision, as the server has it
settings = load()
database = Database(make_engine(settings.database_url))
with database.transaction() as db:
    document = get_document(db, "federal-constitution-draft")
    nandar = db.scalar(select(Member).where(Member.username == "nandar"))
    rows = {r.key: r for r in versions_at(db, document, document.current_rev)}
    my, en = rows["art-9"].text["my"], rows["art-9"].text["en"]
    words = my.split(" ")
    amended_my = " ".join(words[:-1] + ["အမြဲတမ်း", words[-1]])
    amended_en = en.replace("the right to life", "the right to a dignified life", 1)
    amendments.propose(db, settings, nandar, document, {"title": "Dignity", "changes": [
        {"op": "replace", "key": "art-9", "text": {"my": amended_my, "en": amended_en}}]},
        Notices())
with database.transaction() as db:
    document = get_document(db, "federal-constitution-draft")
    editor = db.scalar(select(Member).where(Member.username == "secretariat"))
    rows = {r.key: r for r in versions_at(db, document, document.current_rev)}
    my, en = rows["art-9"].text["my"], rows["art-9"].text["en"]
    words = my.split(" ")
    fixed_my = " ".join([words[0] + "၊"] + words[1:])
    fixed_en = en.replace("the right to life", "the right to human life", 1)
    editorial_revision(db, editor, document, {"reason": "browser test", "changes": [
        {"op": "replace", "key": "art-9", "text": {"my": fixed_my, "en": fixed_en}}]}, Notices())
    print(fixed_my.split(" ")[0])
"""


class Sample:
    def __init__(self, server: LiveServer, password: str, corrected: str) -> None:
        self.server = server
        self.password = password
        self.corrected = corrected  # the Burmese word the correction changed


@pytest.fixture(scope="module")
def reading_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    var_dir = tmp_path_factory.mktemp("browser-reading")
    env = _server_env(var_dir)
    run_cli(env, "migrate")
    printed = run_cli(env, "sample")
    match = re.search(r"^\s+nandar\s+(\S+)\s*$", printed, re.MULTILINE)
    assert match, printed
    corrected = run_python(env, "-c", SETUP).strip()
    with serving(env, var_dir) as server:
        yield Sample(server, match.group(1), corrected)


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url} is {width}px wide in a {inner}px window"


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    conftest.screenshot(page, SHOTS / f"{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280], ids=["phone", "desktop"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_reading_by_chapter(
    reading_server: Sample,
    chromium: Chromium,
    page_weights: Weights,
    javascript: bool,
    width: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mode = f"reading-{'js-on' if javascript else 'js-off'}-{width}"
    context = chromium.new_context(javascript=javascript, locale="my-MM")
    try:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 800})
        rec = Recorder(page, reading_server.server, page_weights, mode, [0])
        rec.goto("/login", "login")
        page.fill("#username", "nandar")
        page.fill("#password", reading_server.password)
        rec.submit("main form button[type=submit]", "home")

        # The contents lead to the chapter's page, at the provision.
        rec.goto(f"/documents/{SLUG}", "contents")
        _fits(page)
        with page.expect_navigation(wait_until="load"):
            page.click(f"ol.toc a[href='/documents/{SLUG}/read/ch-2-2#p-art-10']")
        rec.visited("chapter-from-contents")
        assert page.url.endswith(f"/documents/{SLUG}/read/ch-2-2#p-art-10")
        assert page.locator("#p-art-10").count() == 1
        assert page.locator("#p-art-7").count() == 0  # another chapter's article
        assert page.locator("html").get_attribute("lang") == "my"
        _fits(page)
        _shot(page, f"chapter-my-{mode}")
        page.evaluate("window.scrollTo(0, 0)")
        conftest.screenshot(page, SHOTS / f"chapter-top-{mode}.png")

        # Previous and next move through parts and chapters, keeping the view.
        rec.goto(f"/documents/{SLUG}/read/ch-2-2?lang=both", "chapter-both")
        _fits(page)
        _shot(page, f"chapter-both-{mode}")
        with page.expect_navigation(wait_until="load"):
            page.click(".pager a[rel=next] >> nth=0")
        rec.visited("next-chapter")
        assert page.url.endswith(f"/documents/{SLUG}/read/ch-2-3?lang=both")
        assert page.locator("#p-art-12 .ptext").count() == 2

        # With the open amendments: the needs_update one, its status beside it; Burmese
        # shows only its own change, never the corrected word deleted.
        rec.goto(f"/documents/{SLUG}/read/ch-2-2?lang=both&with=amendments", "with-amendments")
        proposal = page.locator("#p-art-9 .proposal")
        assert proposal.count() == 1
        assert proposal.locator(".status.s-needs_update").count() == 1
        deleted = proposal.locator(".diff[lang=my] del").all_inner_texts()
        assert not any(reading_server.corrected in d for d in deleted), deleted
        assert "အမြဲတမ်း" in "".join(proposal.locator(".diff[lang=my] ins").all_inner_texts())
        assert proposal.locator("p.outdated").count() == 1  # English no longer applies
        _fits(page)
        _shot(page, f"with-amendments-{mode}")
        conftest.screenshot(proposal, SHOTS / f"proposal-{mode}.png")

        # The provision page: compact, then the whole provision with that change.
        rec.goto(f"/documents/{SLUG}/p/art-9", "provision")
        change = page.locator("section.change[id^=a-]")
        assert change.count() == 1
        assert change.locator(".gap").count() >= 1
        conftest.screenshot(change, SHOTS / f"compact-{mode}.png")
        with page.expect_navigation(wait_until="load"):
            change.locator("a[href*='?show=']").click()
        rec.visited("provision-full")
        assert page.locator("section.change[id^=a-] .gap").count() == 0
        _fits(page)
        _shot(page, f"provision-full-{mode}")

        # A chapter that does not exist.
        rec.goto(f"/documents/{SLUG}/read/ch-9-9", "no-such-chapter", status=404)
        assert page.locator("header").count() >= 1
        assert not rec.csp_violations, rec.csp_violations
    finally:
        context.close()
    monkeypatch.setattr(conftest, "MAX_PAGE_BYTES", conftest.MAX_PAGE_BYTES)
