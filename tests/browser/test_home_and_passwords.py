"""Issue 10, points 1 and 7 in a real browser, with JavaScript on and off, at 360 px and at
desktop width: the home page leads a logged-in member to the draft (its latest revision
and what changed), her amendments, her committees and her inbox; she changes her password
(her other sessions end); an admin issues a reset link that works once.

The sample is loaded, then ``constitution sample --reset-passwords`` prints the passwords
the tests use (point 11's command, on a database that has the sample already).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from constitution import i18n
from tests.browser.conftest import (
    Chromium,
    LiveServer,
    Recorder,
    Weights,
    _server_env,
    run_cli,
    run_python,
    screenshot,
    serving,
)
from tests.browser.test_text_pages import EDIT, SLUG

SHOTS = Path("/work/shots/home")
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
MODES = [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")]
SECRET = """
from sqlalchemy import select
from constitution.accounts.models import Member
from constitution.db import Database, make_engine
from constitution.settings import load
settings = load()
with Database(make_engine(settings.database_url)).transaction() as db:
    print(db.scalar(select(Member.totp_secret).where(Member.username == "admin")))
"""


class Sample:
    def __init__(self, server: LiveServer, passwords: dict[str, str], admin_secret: str) -> None:
        self.server = server
        self.passwords = passwords
        self.admin_secret = admin_secret


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    var_dir = tmp_path_factory.mktemp("browser-home")
    env = _server_env(var_dir)
    run_cli(env, "migrate")
    first = run_cli(env, "sample")
    run_python(env, "-c", EDIT)
    again = run_cli(env, "sample")
    assert "no sample loaded" in again and "--reset-passwords" in again
    fresh = run_cli(env, "sample", "--reset-passwords")
    passwords = dict(re.findall(r"^\s+([a-z]+)\s+(\S+)", fresh, re.MULTILINE))
    old = dict(re.findall(r"^\s+([a-z]+)\s+(\S+)", first, re.MULTILINE))
    assert set(passwords) >= {"admin", "nandar", "mon"}, fresh
    assert all(passwords[name] != old[name] for name in passwords)
    secret = run_python(env, "-c", SECRET).strip()
    with serving(env, var_dir) as server:
        yield Sample(server, passwords, secret)


COMMON = "This password is among the most common ones. Choose another."


def says(text: str, message: str) -> bool:
    """The page shows the message, in English or in its Burmese translation (the sample's
    members read Burmese)."""
    return message in text or i18n.catalog("my")[message] in text


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def shoot(page: Page, name: str) -> None:
    """Screenshots at 360 px and at desktop width; nothing may scroll sideways on a phone."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)  # type: ignore[arg-type]
        screenshot(page, SHOTS / f"{name}-{label}.png", full_page=True)
        if label == "phone":
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            assert wide <= PHONE["width"], f"{name}: {wide} px wide at 360 px"
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]


def log_in(rec: Recorder, username: str, password: str, name: str) -> None:
    page = rec.page
    rec.goto("/login", f"{name}-login")
    page.fill("#username", username)
    page.fill("#password", password)
    rec.submit("main form[action='/login'] button[type=submit]", f"{name}-home")


@pytest.mark.browser
@pytest.mark.parametrize("javascript", MODES)
def test_home_page_leads_to_the_draft_her_amendments_committees_and_inbox(
    sample: Sample, chromium: Chromium, page_weights: Weights, javascript: bool
) -> None:
    mode = "js-on" if javascript else "js-off"
    context = chromium.new_context(javascript=javascript, locale="my-MM")
    try:
        page = context.new_page()
        rec = Recorder(page, sample.server, page_weights, f"home-{mode}", [0])
        log_in(rec, "nandar", sample.passwords["nandar"], "nandar")
        assert path_of(page) == "/"
        if page.get_attribute("html", "lang") != "my":  # her choice, kept from a run before
            rec.submit("header form[action='/language'] button[value=my]", "home-my")
        for lang in ("my", "en"):
            if lang == "en":
                rec.submit("header form[action='/language'] button[value=en]", "home-en")
                assert path_of(page) == "/"
            assert page.get_attribute("html", "lang") == lang
            # The header leads to the documents; the page to the current draft and more.
            assert page.locator("header nav a[href='/documents']").count() == 1
            assert page.locator(f"main a[href='/documents/{SLUG}']").count() >= 1
            changed = page.locator(f"main a[href='/documents/{SLUG}/p/art-1']")
            assert changed.count() == 1, "the latest revision's change is not listed"
            assert page.locator(f"main a[href^='/documents/{SLUG}/compare?from=1']").count() == 1
            assert page.locator("main a[href='/amendments']").count() == 1
            assert page.locator("main a[href^='/committees/']").count() == 1
            assert page.locator("main a[href='/inbox']").count() == 1
            main = page.inner_text("main")
            if lang == "en":
                assert "Revision 2" in main and "browser test" in main
                assert "Committee on Fundamental Rights" in main
            else:
                # The changed provisions' labels are the stored label until labels per
                # language exist (point 5); the rest of the page uses Myanmar digits.
                labels = page.inner_text("main .home-changes")
                latin = re.findall("[0-9]", main.replace(labels, "").replace("browser test", ""))
                assert latin == [], "Latin digits on a Burmese page"
                # Her committee by its Burmese name.
                assert "အခြေခံအခွင့်အရေးများဆိုင်ရာ ကော်မတီ" in main
                assert "Committee on Fundamental Rights" not in main
            shoot(page, f"home-{mode}-{lang}")
        rec.submit(f"main .home-read a[href='/documents/{SLUG}']", "contents")
        assert path_of(page) == f"/documents/{SLUG}"
        assert not rec.csp_violations
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("javascript", MODES)
def test_she_changes_her_password_and_an_admin_resets_a_lost_one(
    sample: Sample, chromium: Chromium, page_weights: Weights, javascript: bool
) -> None:
    mode = "js-on" if javascript else "js-off"
    username = "nandar" if javascript else "hkawng"
    old = sample.passwords[username]
    new = f"tea shop by the river {mode}"
    phone = chromium.new_context(javascript=javascript)
    laptop = chromium.new_context(javascript=javascript)
    admin = chromium.new_context(javascript=javascript)
    visitor = chromium.new_context(javascript=javascript)
    try:
        rec = Recorder(phone.new_page(), sample.server, page_weights, f"pw-{mode}", [0])
        other = Recorder(laptop.new_page(), sample.server, page_weights, f"pw2-{mode}", [0])
        log_in(rec, username, old, "member")
        log_in(other, username, old, "member-laptop")
        page = rec.page
        rec.goto("/account", "account")
        rec.submit("main a[href='/account/password']", "password-form")
        page.fill("#current", "not my password at all")
        page.fill("#new", new)
        page.fill("#new_again", new)
        rec.submit("main form[action='/account/password'] button", "password-wrong", 422)
        assert says(page.inner_text("main .error"), "Your current password is not right.")
        shoot(page, f"password-error-{mode}")
        page.fill("#current", old)
        page.fill("#new", "1234567890")
        page.fill("#new_again", "1234567890")
        rec.submit("main form[action='/account/password'] button", "password-common", 422)
        assert says(page.inner_text("main .error"), COMMON)
        page.fill("#current", old)
        page.fill("#new", new)
        page.fill("#new_again", new)
        rec.submit("main form[action='/account/password'] button", "password-changed")
        assert path_of(page) == "/account"
        changed = "Your password was changed. Your other sessions have ended."
        assert says(page.inner_text("p.flash"), changed)
        # Her other session ended; this one goes on.
        other.goto("/account", "laptop-after")
        assert path_of(other.page) == "/login"
        rec.goto("/", "still-in")
        assert page.locator("header form[action='/logout']").count() == 1

        # An admin issues a reset link for "mon" (js-on) or "nandar"'s neighbour.
        lost = "mon" if javascript else "secretariat"
        arec = Recorder(admin.new_page(), sample.server, page_weights, f"pw-admin-{mode}", [0])
        log_in(arec, "admin", sample.passwords["admin"], "admin")
        apage = arec.page
        apage.fill("#otp", sample.server.fresh_totp_code(sample.admin_secret))
        arec.submit("main form[action='/login/totp'] button", "admin-in")
        arec.goto("/admin/members", "members")
        arec.submit(f"main a:has-text('{_display(lost)}')", "member")
        arec.submit("main form[action$='/reset'] button", "reset-link", 201)
        link = apage.inner_text("#reset-url").strip()
        shoot(apage, f"reset-link-{mode}")
        vrec = Recorder(visitor.new_page(), sample.server, page_weights, f"pw-v-{mode}", [0])
        vpage = vrec.page
        vrec.goto(urlsplit(link).path, "reset-form")
        shoot(vpage, f"reset-form-{mode}")
        vpage.fill("#password", "password123")
        vpage.fill("#password_again", "password123")
        vrec.submit("main form button", "reset-common", 422)
        assert says(vpage.inner_text("main .error"), COMMON)
        fresh = f"a lost password found {mode}"
        vpage.fill("#password", fresh)
        vpage.fill("#password_again", fresh)
        vrec.submit("main form button", "reset-done")
        assert path_of(vpage) == "/login"
        vpage.fill("#username", lost)
        vpage.fill("#password", fresh)
        vrec.submit("main form[action='/login'] button[type=submit]", "reset-login")
        assert path_of(vpage) in ("/", "/login/totp")
        vrec.goto(urlsplit(link).path, "reset-again", 409)
        used = (
            "This password reset link has already been used, her password was changed "
            "since, or a newer link was issued. Ask an admin for a new link."
        )
        assert says(vpage.inner_text("main"), used)
        # Error pages keep the normal header.
        assert vpage.locator("header .brand").count() == 1
    finally:
        for context in (phone, laptop, admin, visitor):
            context.close()


def _display(username: str) -> str:
    from constitution.sample import SAMPLE_MEMBERS

    return next(display for name, display, _roles, _groups in SAMPLE_MEMBERS if name == username)
