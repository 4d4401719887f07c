"""An amendment's journey in a real browser, with JavaScript on and off.

The server is loaded with the sample content (``constitution sample``: members with
one-time passwords, two committees and the bilingual sample draft). Hkawng proposes an
amendment to an article of Part 2 (previewing it first), Nandar and a chair or the
secretariat co-sponsor it, Hkawng submits it, Mon records the recommendation of the
Committee on Fundamental Rights (which covers Part 2) with a substitute text, and Nandar
comments on a Burmese passage of the article. Every page is photographed and weighed
(``conftest.Recorder``): under 50 KB, nothing from another host, no CSP violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import (
    Chromium,
    LiveServer,
    Recorder,
    Weights,
    _server_env,
    run_cli,
    serving,
)

SLUG = "federal-constitution-draft"
KEY = "art-10"  # Part 2, chapter 2.2: covered by the Committee on Fundamental Rights
# Its name on an English page and on a Burmese one (the sample names it in both).
COMMITTEE = re.compile("Committee on Fundamental Rights|အခြေခံအခွင့်အရေးများဆိုင်ရာ ကော်မတီ")
EN_OLD = "may consult a lawyer of her or his choice."
EN_NEW = "may consult a lawyer of her or his choice, free of charge if she or he cannot pay."
EN_SUBSTITUTE = "may consult a lawyer of her or his choice, free of charge."
MY_OLD = "ရှေ့နေနှင့် တိုင်ပင်ခွင့်ရှိသည်။"
MY_NEW = "ရှေ့နေနှင့် အခမဲ့ တိုင်ပင်ခွင့်ရှိသည်။"
# The passage Nandar comments on, with the words around it.
QUOTE = "အပြစ်မရှိသူဟု မှတ်ယူရမည်"
QUOTE_PREFIX = "မခံရမချင်း "
QUOTE_SUFFIX = "။"
MODES = [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")]
LOGIN_BUTTON = "main form[action='/login'] button[type=submit]"
SAMPLE_LINE = re.compile(r"^  (\S+)\s+(\S+)", re.MULTILINE)


@dataclass
class SampleServer:
    server: LiveServer
    env: dict[str, str]
    passwords: dict[str, str] = field(default_factory=dict)

    def otp(self, username: str) -> str:
        """The member's current second-factor code, as `constitution otp` prints it."""
        code = run_cli(self.env, "otp", username).strip()
        assert re.fullmatch("[0-9]{6}", code), code
        return code


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleServer]:
    """A server of its own, on a database filled by `constitution sample`."""
    var_dir = tmp_path_factory.mktemp("amendment-journey")
    env = _server_env(var_dir)
    run_cli(env, "migrate")
    printed = run_cli(env, "sample")
    passwords = dict(SAMPLE_LINE.findall(printed))
    assert {"nandar", "hkawng", "mon", "chair", "secretariat"} <= set(passwords), printed
    assert f"/documents/{SLUG}" in printed
    with serving(env, var_dir) as server:
        yield SampleServer(server, env, passwords)


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


class Journey:
    """One mode's browsers: a context per member, all weighed by one counter."""

    def __init__(
        self, chromium: Chromium, sample: SampleServer, weights: Weights, mode: str, js: bool
    ) -> None:
        self.chromium = chromium
        self.sample = sample
        self.weights = weights
        self.mode = mode
        self.js = js
        self.counter = [0]
        self.contexts: list[BrowserContext] = []
        self.recorders: list[Recorder] = []

    def log_in(self, username: str) -> Recorder:
        context = self.chromium.new_context(javascript=self.js, locale="my-MM")
        self.contexts.append(context)
        rec = Recorder(
            context.new_page(), self.sample.server, self.weights, self.mode, self.counter
        )
        self.recorders.append(rec)
        page = rec.page
        rec.goto("/login", f"{username}-login")
        page.fill("#username", username)
        page.fill("#password", self.sample.passwords[username])
        rec.submit(LOGIN_BUTTON, f"{username}-logged-in")
        if path_of(page) == "/login/totp":
            page.fill("#otp", self.sample.otp(username))
            rec.submit("main form[action='/login/totp'] button", f"{username}-second-factor")
        assert path_of(page) == "/", f"{username} did not get in: {page.url}"
        return rec

    def close(self) -> list[str]:
        violations = [v for rec in self.recorders for v in rec.csp_violations]
        for context in self.contexts:
            context.close()
        return violations


def status_of(page: Page) -> str:
    classes = page.get_attribute("dl.facts span.status", "class") or ""
    return classes.replace("status", "").strip().removeprefix("s-")


def propose(rec: Recorder) -> int:
    page = rec.page
    rec.goto(f"/documents/{SLUG}/p/{KEY}", "hkawng-provision")
    rec.submit(f"main a[href='/documents/{SLUG}/p/{KEY}/amend']", "hkawng-propose-choose")
    # Step 1: what she wants to do; step 2 shows only the fields of that change.
    page.check("input[name=op][value=replace]")
    rec.submit("main form#choose-op button[type=submit]", "hkawng-propose-form")
    assert page.locator("#new_key").count() == 0
    page.fill("#title", "Free legal counsel for arrested persons")
    english = page.input_value("#text_en")
    burmese = page.input_value("#text_my")
    assert EN_OLD in english and MY_OLD in burmese
    page.fill("#text_en", english.replace(EN_OLD, EN_NEW))
    page.fill("#text_my", burmese.replace(MY_OLD, MY_NEW))
    page.fill("#rationale_en", "Counsel that a person cannot pay for is no counsel.")
    page.fill("#rationale_my", "ရှေ့နေခ မတတ်နိုင်သူအတွက် အခမဲ့ ရှေ့နေ လိုအပ်သည်။")
    rec.submit("main form button[name=action][value=preview]", "hkawng-preview")
    preview = page.inner_text("section.preview")
    assert "free of charge" in preview and "အခမဲ့" in preview
    assert page.locator("section.preview ins").count() >= 2  # the inserted words, both texts
    rec.submit("main form button[name=action][value=save]", "hkawng-draft")
    match = re.fullmatch(r"/amendments/([0-9]+)", path_of(page))
    assert match, page.url
    assert status_of(page) == "draft"
    assert page.locator("p.flash").count() == 1
    return int(match.group(1))


def cosponsor(rec: Recorder, amendment: int, who: str) -> None:
    page = rec.page
    rec.goto(f"/amendments/{amendment}", f"{who}-amendment")
    assert "free of charge" in page.inner_text("section.change")
    rec.submit(f"form[action='/amendments/{amendment}/sponsor'] button", f"{who}-cosponsored")
    assert path_of(page) == f"/amendments/{amendment}"
    assert page.locator(f"form[action='/amendments/{amendment}/sponsor']").count() == 0


def submit(rec: Recorder, amendment: int) -> None:
    page = rec.page
    rec.goto(f"/amendments/{amendment}", "hkawng-ready")
    rec.submit(f"form[action='/amendments/{amendment}/submit'] button", "hkawng-submitted")
    assert status_of(page) == "submitted"


def recommend(rec: Recorder, amendment: int) -> None:
    page = rec.page
    rec.goto("/committees", "mon-committees")
    link = page.locator("main a", has_text=COMMITTEE)
    assert link.count() == 1
    with page.expect_navigation(wait_until="load"):
        link.click()
    rec.visited("mon-committee")
    item = page.locator(f"article#a-{amendment}")
    assert item.count() == 1, "the amendment is not in the committee's queue"
    item.locator("input[name=recommendation][value=modify]").check()
    item.locator("textarea[name=note]").fill("Free counsel, without a means test.")
    substitute = item.locator("textarea[name=sub_0_en]")
    assert "free of charge if she or he cannot pay" in substitute.input_value()
    substitute.fill(substitute.input_value().replace(EN_NEW, EN_SUBSTITUTE))
    rec.submit(f"article#a-{amendment} form button[type=submit]", "mon-recommended")
    assert path_of(page).startswith("/committees/")
    rec.goto(f"/amendments/{amendment}", "mon-amendment")
    assert status_of(page) == "recommended"
    assert "without a means test" in page.inner_text("main")


def comment_on_passage(rec: Recorder, amendment: int) -> None:
    page = rec.page
    rec.goto(f"/amendments/{amendment}", "nandar-before-comment")
    page.fill("#comment-body", "ဤစကားရပ်ကို ပိုမို ခိုင်မာအောင် ရေးသင့်သည်။")
    page.select_option("#c-key", KEY)
    page.select_option("#c-language", "my")
    page.fill("#c-exact", QUOTE)
    page.fill("#c-prefix", QUOTE_PREFIX)
    page.fill("#c-suffix", QUOTE_SUFFIX)
    rec.submit("#comments form button[type=submit] >> nth=-1", "nandar-commented")
    assert path_of(page) == f"/amendments/{amendment}"
    comment = page.locator("#comments article.comment").last
    assert comment.locator("blockquote").inner_text() == QUOTE
    assert comment.locator("blockquote").get_attribute("lang") == "my"
    assert comment.locator(".outdated").count() == 0  # found in the current text
    assert "ခိုင်မာအောင်" in comment.locator(".body").inner_text()


@pytest.mark.browser
@pytest.mark.parametrize("javascript", MODES)
def test_an_amendment_is_proposed_sponsored_submitted_recommended_and_discussed(
    chromium: Chromium, sample_server: SampleServer, page_weights: Weights, javascript: bool
) -> None:
    mode = "amendment-js-on" if javascript else "amendment-js-off"
    journey = Journey(chromium, sample_server, page_weights, mode, javascript)
    try:
        hkawng = journey.log_in("hkawng")
        amendment = propose(hkawng)
        cosponsor(journey.log_in("nandar"), amendment, "nandar")
        # Each mode's second co-sponsor logs in with her own second factor (a code works once).
        second = "chair" if javascript else "secretariat"
        cosponsor(journey.log_in(second), amendment, second)
        submit(hkawng, amendment)
        recommend(journey.log_in("mon"), amendment)
        nandar = journey.recorders[1]
        comment_on_passage(nandar, amendment)
        # The provision's own page lists the open amendment.
        nandar.goto(f"/documents/{SLUG}/p/{KEY}", "nandar-provision")
        assert nandar.page.locator(f"main a[href='/amendments/{amendment}']").count() >= 1
    finally:
        violations = journey.close()
    assert violations == []
