"""Proposing without friction and a language switch that keeps her place (issue 10,
points 6 and 8), in a real browser with JavaScript on and off, on a 360 px phone and on a
desktop.

Hkawng proposes by first saying what she wants to do (here: move Article 8), sees only the
fields of that change, previews and saves it; the amendment page tells her how many
co-sponsors are still needed instead of offering a button that would be refused. She
switches the language halfway through typing a proposal and through an update's preview
(a page at an address that may only be posted to) and finds what she typed, never a 405;
the switch on a search keeps the query; an error page has the site's header in one
language. Every page is photographed (into /work/shots/forms/ too) and must not scroll
sideways.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import Chromium, Recorder, Weights, screenshot
from tests.browser.test_amendment_journey import (
    LOGIN_BUTTON,
    SLUG,
    SampleServer,
    sample_server,  # noqa: F401  (the fixture: a server with the sample content)
)

SHOTS = Path("/work/shots/forms")
KEY = "art-8"  # the last article of Part 2, chapter 1
WIDTHS = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 900}}
MODES = [
    pytest.param((js, width), id=f"{'js-on' if js else 'js-off'}-{width}")
    for js in (True, False)
    for width in WIDTHS
]
TYPED_TITLE = "Counsel for everyone, half typed"
TYPED_EN = "Everyone may consult a lawyer, typed but not yet saved."


def path_of(page: Page) -> str:
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def html_lang(page: Page) -> str:
    return str(page.get_attribute("html", "lang"))


class Visit:
    """One member's browser at one width: every page recorded, photographed, measured."""

    def __init__(
        self,
        chromium: Chromium,
        sample: SampleServer,
        weights: Weights,
        js: bool,
        width: str,
    ) -> None:
        assert chromium.browser is not None, chromium.error
        self.name = f"forms-{'js-on' if js else 'js-off'}-{width}"
        self.context: BrowserContext = chromium.browser.new_context(
            java_script_enabled=js,
            locale="en-GB",
            viewport=WIDTHS[width],  # type: ignore[arg-type]
            device_scale_factor=1,
        )
        self.sample = sample
        self.rec = Recorder(self.context.new_page(), sample.server, weights, self.name, [0])
        self.page = self.rec.page

    def shot(self, name: str) -> None:
        """Photograph the page into the shared folder, and check it fits the screen."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        screenshot(self.page, SHOTS / f"{self.name}-{name}.png", full_page=True)
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: {self.page.url} scrolls sideways by {overflow}px"

    def goto(self, path: str, name: str, status: int = 200) -> None:
        self.rec.goto(path, name, status)
        self.shot(name)

    def submit(self, selector: str, name: str, status: int = 200) -> None:
        self.rec.submit(selector, name, status)
        self.shot(name)

    def log_in(self, username: str) -> None:
        self.goto("/login", "login")
        self.page.fill("#username", username)
        self.page.fill("#password", self.sample.passwords[username])
        self.submit(LOGIN_BUTTON, "logged-in")
        if urlsplit(self.page.url).path == "/login/totp":
            self.page.fill("#otp", self.sample.otp(username))
            self.submit("main form[action='/login/totp'] button", "second-factor")
        assert urlsplit(self.page.url).path == "/", self.page.url

    def in_language(self, language: str, name: str) -> None:
        """Press the header's language switch when the page is not in ``language``."""
        if html_lang(self.page) != language:
            self.submit(f"header button[value={language}]", name)
        assert html_lang(self.page) == language

    def close(self) -> list[str]:
        violations = list(self.rec.csp_violations)
        self.context.close()
        return violations


@pytest.fixture
def visit(
    request: pytest.FixtureRequest,
    chromium: Chromium,
    sample_server: SampleServer,  # noqa: F811
    page_weights: Weights,
) -> Iterator[Visit]:
    js, width = request.param
    made = Visit(chromium, sample_server, page_weights, js, width)
    made.log_in("hkawng")
    try:
        yield made
    finally:
        assert made.close() == []


def propose_a_move(visit: Visit) -> int:
    page = visit.page
    visit.goto(f"/documents/{SLUG}/p/{KEY}/amend", "step-1")
    # Step 1 asks only what she wants to do.
    assert page.locator("main textarea").count() == 0
    assert page.locator("main input[name=op]").count() == 4
    page.check("main input[name=op][value=move]")
    visit.submit("main form#choose-op button[type=submit]", "step-2-move")
    # Step 2: only the move's fields (and the title and rationale).
    assert page.locator("#move_to").count() == 1
    assert page.locator("#text_en, #new_key").count() == 0
    page.fill("#title", "Article 8 first in its chapter")
    page.select_option("#move_to", "start:ch-2-1")
    page.fill("#rationale_en", "It states the principle the chapter rests on.")
    visit.submit("main form#propose button[value=preview]", "move-preview")
    assert page.locator("section.preview").count() == 1
    assert "Chapter 1" in page.inner_text("#move-preview")  # where it goes
    assert page.input_value("#move_to") == "start:ch-2-1"  # the form comes back as chosen
    visit.submit("main form#propose button[value=save]", "move-saved")
    match = re.fullmatch(r"/amendments/([0-9]+)", urlsplit(page.url).path)
    assert match, page.url
    assert page.locator("p.flash").count() == 1
    # No submit button leading to a refusal: she is told what is missing.
    assert page.locator("form[action$='/submit']").count() == 0
    assert "2 of 2" in page.inner_text("#needs-sponsors")
    return int(match.group(1))


@pytest.mark.browser
@pytest.mark.parametrize("visit", MODES, indirect=True)
def test_proposing_a_move_in_two_steps(visit: Visit) -> None:
    visit.goto("/", "home")
    visit.in_language("en", "english")
    amendment = propose_a_move(visit)
    # The amendment shows the move where it is listed.
    visit.goto(f"/amendments/{amendment}", "amendment")
    assert "moved" in visit.page.inner_text("main .change h3")


@pytest.mark.browser
@pytest.mark.parametrize("visit", MODES, indirect=True)
def test_the_language_switch_keeps_her_place_and_what_she_typed(visit: Visit) -> None:
    page = visit.page
    visit.goto("/", "home")
    visit.in_language("en", "english")
    # A half-typed proposal survives the switch, in both directions.
    visit.goto(f"/documents/{SLUG}/p/art-10/amend?op=replace", "typing")
    page.fill("#title", TYPED_TITLE)
    page.fill("#text_en", TYPED_EN)
    visit.submit("header button[value=my]", "typed-in-burmese")
    assert html_lang(page) == "my"
    assert page.input_value("#title") == TYPED_TITLE
    assert page.input_value("#text_en") == TYPED_EN
    assert page.locator("section.preview, .error").count() == 0  # nothing sent on
    visit.submit("header button[value=en]", "typed-in-english")
    assert html_lang(page) == "en" and page.input_value("#text_en") == TYPED_EN
    # A search keeps its query across the switch.
    visit.goto(f"/documents/{SLUG}/search?q=lawyer", "search")
    visit.submit("header button[value=my]", "search-in-burmese")
    assert path_of(page) == f"/documents/{SLUG}/search?q=lawyer"
    visit.submit("header button[value=en]", "search-in-english")
    # An update's preview is at an address that may only be posted to: the switch shows
    # the form again with what she typed, never a 405.
    amendment = propose_a_move(visit)
    visit.goto(f"/amendments/{amendment}", "to-update")
    if page.locator("#u_title").is_hidden():
        page.click("details summary:has-text('Update the amendment')")
    page.fill("#u_title", "Article 8 moves first")
    visit.submit("form#update button[value=preview]", "update-preview")
    assert path_of(page) == f"/amendments/{amendment}/update"
    visit.submit("header button[value=my]", "update-in-burmese")
    assert html_lang(page) == "my" and page.input_value("#u_title") == "Article 8 moves first"
    visit.submit("header button[value=en]", "update-in-english")


@pytest.mark.browser
@pytest.mark.parametrize("visit", MODES, indirect=True)
def test_an_error_page_has_the_header_in_one_language(visit: Visit) -> None:
    page = visit.page
    visit.goto("/", "home")
    visit.in_language("my", "burmese")
    for path, name in (("/no/such/page", "plain-404"), (f"/documents/{SLUG}/p/nope", "404")):
        visit.goto(path, f"{name}-my", status=404)
        assert html_lang(page) == "my"
        assert page.locator("header.top a.brand").count() == 1
        assert page.locator("header.top nav a").count() >= 1
        assert not re.search("[A-Za-z]{4,}", page.inner_text("main")), "one language"
    visit.goto("/", "home-again")
    visit.in_language("en", "back-to-english")
