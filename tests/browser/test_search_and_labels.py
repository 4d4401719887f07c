"""Search and labels in a real browser, in Burmese and English, JavaScript on and off, on a
360 px phone and a desktop: matches highlighted on whole syllables, a provision found by its
label in either language and digits, a Zawgyi query converted, a search of marks alone
answered clearly, labels in the page's language; nothing scrolls sideways."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import Chromium, screenshot
from tests.browser.test_text_pages import SLUG, Sample, sample_server  # noqa: F401 - fixture

SHOTS = Path("/work/shots/search")
SIZES = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 900}}


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshot(page, SHOTS / f"{name}.png", full_page=True)


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width  # type: ignore[index]


@pytest.mark.browser
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["my", "en"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_search_and_labels_in_the_browser(
    sample_server: Sample,  # noqa: F811
    chromium: Chromium,
    javascript: bool,
    language: str,
    size: str,
) -> None:
    context = chromium.new_context(javascript=javascript, locale="my-MM")
    context.set_default_timeout(20_000)
    name = f"{language}-{size}-{'js' if javascript else 'nojs'}"
    try:
        page = context.new_page()
        page.set_viewport_size(SIZES[size])  # type: ignore[arg-type]
        base = sample_server.server.base_url
        page.goto(base + "/login")
        page.fill("#username", "nandar")
        page.fill("#password", sample_server.password)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        page.goto(base + f"/documents/{SLUG}")
        form = page.locator("form[action='/language']")
        if page.locator("html").get_attribute("lang") != language:
            form.locator(
                f"button[value={language}], [name=language][value={language}]"
            ).first.click()
            page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == language

        # A part of a syllable: the whole syllable is highlighted, never a bare sign.
        page.goto(base + f"/documents/{SLUG}/search?q=" + "ည်န")
        marks = page.locator("ul.hits mark").all_inner_texts()
        assert marks, "no highlight"
        assert all(not unicodedata.category(m[0]).startswith("M") for m in marks), marks
        _fits(page)
        _shot(page, f"search-syllable-{name}")

        # Found by its label, in either language and digits; shown in the page's language.
        expected = "ပုဒ်မ ၇" if language == "my" else "Article 7"
        for query in ("Article 7", "ပုဒ်မ ၇", "7"):
            page.goto(base + f"/documents/{SLUG}/search?q={query}")
            first = page.locator("ul.hits li a").first
            assert first.get_attribute("href") == f"/documents/{SLUG}/p/art-7", query
            assert first.inner_text() == expected
        _fits(page)
        _shot(page, f"search-label-{name}")

        # Typed in Zawgyi: converted, and she is told.
        page.goto(base + f"/documents/{SLUG}/search?q=ျပည္ေထာင္စု")
        assert "ပြည်ထောင်စု" in page.inner_text("p.notice")
        assert page.locator("ul.hits li").count() >= 1

        # Marks alone: a clear message and the form to try again.
        response = page.goto(base + f"/documents/{SLUG}/search?q=" + "\u102d\u102f")
        assert response is not None and response.status == 422
        assert page.inner_text("p.error").strip()
        assert page.locator("form.search input[name=q]").count() == 1
        _shot(page, f"search-marks-only-{name}")

        # Labels in the page's language on the provision and contents pages.
        page.goto(base + f"/documents/{SLUG}/p/art-7")
        assert page.inner_text("h1").strip() == expected
        _fits(page)
        _shot(page, f"provision-{name}")
    finally:
        context.close()
