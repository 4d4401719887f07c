"""A new member's first visit in a real browser, with JavaScript on and off.

The admin logs in (setting up or using her second factor), invites a member with a Burmese
display name and logs out; the member opens her one-time link, chooses a password, logs in,
switches the interface to English and back to Burmese, logs out, and finds her account page
closed to her. Every page is photographed and weighed (see ``conftest.Recorder``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page

from constitution import i18n
from tests.browser.conftest import Chromium, LiveServer, Recorder, Weights, is_csp_message

MODES = [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")]
DISPLAY_NAME = "ခင်ခင်"
PASSWORD = "morning river garden teashop"
MYANMAR = re.compile("[\u1000-\u109f]")
CATALOG = "constitution/translations/my/LC_MESSAGES/messages.po"

LOGIN_BUTTON = "main form[action='/login'] button[type=submit]"
LOGOUT_BUTTON = "header form[action='/logout'] button[type=submit]"


def language_button(code: str) -> str:
    return f"header form[action='/language'] button[name=language][value={code}]"


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def html_lang(page: Page) -> str | None:
    return page.get_attribute("html", "lang")


def burmese(message: str) -> str:
    """The Burmese translation of an interface message, which must exist."""
    translation = i18n.catalog("my").get(message)
    assert translation and MYANMAR.search(translation), (
        f"no Burmese translation of {message!r} in {CATALOG}: the Burmese interface shows "
        "English text"
    )
    return translation


def admin_logs_in(rec: Recorder, server: LiveServer) -> None:
    page = rec.page
    rec.goto("/login", "admin-login")
    page.fill("#username", server.admin_username)
    page.fill("#password", server.admin_password)
    rec.submit(LOGIN_BUTTON, "admin-second-factor")
    if path_of(page) == "/account/totp":
        # First login: an admin's role requires a second factor before anything else.
        rec.submit("main form[action='/account/totp/start'] button", "admin-totp-key")
        secret = page.inner_text("p.secret code").strip()
        assert re.fullmatch("[A-Z2-7]{16,}", secret), f"not a base32 TOTP secret: {secret!r}"
        server.admin_totp_secret = secret
        page.fill("#otp", server.fresh_totp_code(secret))
        rec.submit("main form[action='/account/totp/confirm'] button", "admin-account")
        assert path_of(page) == "/account"
    else:
        assert path_of(page) == "/login/totp", page.url
        assert server.admin_totp_secret, "the admin has a second factor the tests did not set"
        page.fill("#otp", server.fresh_totp_code(server.admin_totp_secret))
        rec.submit("main form[action='/login/totp'] button", "admin-home")
        assert path_of(page) == "/"
    assert page.locator("header a[href='/admin/invitations']").count() == 1


def admin_invites(rec: Recorder, username: str) -> str:
    page = rec.page
    rec.goto("/admin/invitations", "admin-invitations")
    page.fill("#username", username)
    page.fill("#display_name", DISPLAY_NAME)
    assert page.is_checked("input[name=roles][value=member]")
    rec.submit(
        "main form[action='/admin/invitations'] button[type=submit]", "admin-invitation", 201
    )
    link = page.inner_text("#invitation-url").strip()
    assert link.startswith(rec.server.url("/invitations/")), link
    assert DISPLAY_NAME in page.inner_text("main")
    rec.submit(LOGOUT_BUTTON, "admin-logged-out")
    assert path_of(page) == "/login"
    return link


def member_accepts_and_logs_in(rec: Recorder, link: str, username: str) -> None:
    page = rec.page
    rec.goto(urlsplit(link).path, "member-invitation")
    assert DISPLAY_NAME in page.inner_text("main")
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    rec.submit("main form[action^='/invitations/'] button[type=submit]", "member-account-ready")
    assert path_of(page) == "/login"
    assert page.locator("p.flash").count() == 1
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    rec.submit(LOGIN_BUTTON, "member-home")
    assert path_of(page) == "/"
    assert DISPLAY_NAME in page.inner_text("main")
    assert page.locator(LOGOUT_BUTTON).count() == 1


def member_switches_language(rec: Recorder) -> None:
    page = rec.page
    # Her browser asks for Burmese, so her account starts in Burmese.
    assert html_lang(page) == "my"
    rec.submit(language_button("en"), "member-home-english")
    assert path_of(page) == "/"
    assert html_lang(page) == "en"
    assert page.inner_text("main h1") == "Federal Democratic Constitution"
    assert page.inner_text(language_button("my")) == "မြန်မာ"
    rec.submit(language_button("my"), "member-home-burmese")
    assert path_of(page) == "/"
    assert html_lang(page) == "my"
    assert page.inner_text(language_button("en")) == "English"
    assert page.inner_text("main h1") == burmese("Federal Democratic Constitution")
    assert page.inner_text("header .brand") == burmese("Federal Constitution Drafting")


def member_logs_out(rec: Recorder) -> None:
    page = rec.page
    rec.submit(LOGOUT_BUTTON, "member-logged-out")
    assert path_of(page) == "/login"
    assert page.locator(LOGIN_BUTTON).count() == 1
    response = rec.goto("/account", "member-account-after-logout")
    assert path_of(page) == "/login"
    assert parse_qs(urlsplit(page.url).query) == {"next": ["/account"]}
    assert response is not None and response.request.redirected_from is not None
    first = response.request.redirected_from.response()
    assert first is not None and first.status == 303


@pytest.mark.browser
@pytest.mark.parametrize("javascript", MODES)
def test_invited_member_joins_and_switches_language(
    chromium: Chromium, live_server: LiveServer, page_weights: Weights, javascript: bool
) -> None:
    mode = "js-on" if javascript else "js-off"
    username = f"khinkhin-{mode}"
    counter = [0]
    violations: list[str] = []

    admin = chromium.new_context(javascript=javascript)
    try:
        rec = Recorder(admin.new_page(), live_server, page_weights, mode, counter)
        admin_logs_in(rec, live_server)
        link = admin_invites(rec, username)
        violations += rec.csp_violations
    finally:
        admin.close()

    member = chromium.new_context(javascript=javascript, locale="my-MM")
    try:
        rec = Recorder(member.new_page(), live_server, page_weights, mode, counter)
        member_accepts_and_logs_in(rec, link, username)
        member_switches_language(rec)
        member_logs_out(rec)
        assert not [c for c in member.cookies() if c["name"] == "session"]
        violations += rec.csp_violations
    finally:
        member.close()

    assert violations == []


@pytest.mark.browser
def test_pages_keep_to_the_content_security_policy(
    chromium: Chromium, live_server: LiveServer
) -> None:
    context = chromium.new_context(javascript=True)
    try:
        page = context.new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda m: (
                violations.append(f"{page.url}: {m.text}") if is_csp_message(m.text) else None
            ),
        )
        for path in ("/", "/login", "/account", "/invitations/not-a-token", "/no-such-page"):
            response = page.goto(live_server.url(path), wait_until="load")
            assert response is not None
            policy = response.headers.get("content-security-policy", "")
            assert "default-src 'none'" in policy, f"{path}: CSP is {policy!r}"
        assert violations == []

        # The listener does hear a violation: an injected inline script is refused.
        with page.expect_console_message(lambda m: is_csp_message(m.text)):
            page.evaluate(
                "() => { const s = document.createElement('script');"
                " s.textContent = 'window.injected = 1'; document.head.append(s); }"
            )
        assert page.evaluate("() => window.injected") is None
    finally:
        context.close()
