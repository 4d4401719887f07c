"""``static/live.js`` in a real Chromium: the marked elements of a page follow a sitting's
live event stream, in Myanmar digits on a Burmese page, under the site's CSP.

The voting pages load the script (``test_voting_journey`` sees the chair's console follow
the members' votes); this test drives each of its marks, the stale notice too, on markup of
its own: it logs a member in, opens a page of the site (its CSP applies), writes the marked
elements into it as a sitting page would, and loads the script from /static like a page's
``<script src>``. The changes come through the API, from the same server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import Chromium
from tests.live.server import live_site

LOGIN_BUTTON = "main form[action='/login'] button[type=submit]"
SPEC = {"chairs": 1, "members": 3, "provisions": 2, "words": 5}
MARKUP = """
<section data-live-stream="/api/v1/sittings/{sitting}/events" data-live-events="poll">
  <p data-live-offline id="offline"><a href="">Reload for the newest counts</a></p>
  <p data-live-online hidden id="online">Updated live</p>
  <p data-live-stale hidden id="stale">The agenda changed: reload</p>
  <p data-live-key="attendance">
    <span data-live-field="present" id="present">?</span> of
    <span data-live-field="members" id="members">4</span>
    <span data-live-field="quorum_met" data-live-when="true" hidden id="quorate">quorate</span>
    <span data-live-field="quorum_met" data-live-when="false" id="short">no quorum</span>
  </p>
</section>
"""


def post(site: Any, person: dict[str, Any], path: str, body: Any = None) -> Any:
    response = httpx.post(
        site.url(path), json=body, headers={"Authorization": f"Bearer {person['token']}"}
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def text(page: Page, selector: str) -> str:
    return page.inner_text(selector).strip()


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "my"])
def test_live_js_follows_the_stream(chromium: Chromium, tmp_path: Path, language: str) -> None:
    with live_site(tmp_path, SPEC, LIVE_HEARTBEAT_SECONDS="1", LIVE_COALESCE_MS="50") as site:
        chair, (aye, bo, cho) = site.seed["chairs"][0], site.seed["members"]
        sitting = post(site, chair, "/api/v1/sittings", {"title": "Live"})["id"]
        post(site, chair, f"/api/v1/sittings/{sitting}/open")
        post(site, aye, f"/api/v1/sittings/{sitting}/attendance")
        context = chromium.new_context(javascript=True)
        page = context.new_page()
        problems: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                problems.append(message.text)

        page.on("console", on_console)
        page.goto(site.url("/login"))
        page.fill("#username", cho["username"])
        page.fill("#password", site.seed["password"])
        page.click(LOGIN_BUTTON)
        page.wait_for_url(site.url("/"))
        page.evaluate(
            """([html, language]) => {
                document.documentElement.lang = language;
                document.querySelector("main").insertAdjacentHTML("afterbegin", html);
            }""",
            [MARKUP.format(sitting=sitting), language],
        )
        page.add_script_tag(url="/static/live.js")
        stream = page.locator("[data-live-stream]")
        stream.wait_for(state="attached")
        page.wait_for_selector("[data-live-state=live]", timeout=10_000)
        assert page.is_hidden("#offline") and page.is_visible("#online")
        one, two = ("1", "2") if language == "en" else ("၁", "၂")
        expect(page.locator("#present")).to_have_text(one, timeout=10_000)
        assert text(page, "#members") == ("4" if language == "en" else "၄")
        assert page.is_visible("#short") and page.is_hidden("#quorate")

        post(site, bo, f"/api/v1/sittings/{sitting}/attendance")
        expect(page.locator("#present")).to_have_text(two, timeout=10_000)
        assert page.is_visible("#quorate") and page.is_hidden("#short")  # 2 of 4
        assert page.is_hidden("#stale")

        motion = {"motion": {"en": "Adopt the draft."}}
        post(site, chair, f"/api/v1/sittings/{sitting}/polls", motion)
        page.wait_for_selector("#stale", state="visible", timeout=10_000)
        context.close()
        assert problems == [], problems
