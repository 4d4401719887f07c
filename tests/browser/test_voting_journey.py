"""A sitting from check-in to the published roll-call in a real browser, with JavaScript
on and off.

On a server loaded with the sample content, the chair plans a sitting, opens it and puts a
motion on its agenda; three members and the chair check in; the chair opens the poll (the
quorum is met); the members vote on their ballots (one changes her vote); the chair closes
the poll and the result is published with the roll-call, which every member can read.
Every page is photographed and weighed (``conftest.Recorder``). While the members vote, the
chair's console stays open: with JavaScript, live.js shows their votes there without a
reload; without, it offers the reload link, which shows them.

With JavaScript on, the sitting's page, the chair's console, the ballot and the result are
also photographed at 360 px (a small phone) and 1280 px wide, in Burmese and English, into
``/tmp/shots-voting/`` (or ``SHOTS_DIR``), and no page scrolls sideways at 360 px.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    VIEWPORT,
    Chromium,
    Recorder,
    Weights,
    _server_env,
    run_cli,
    screenshot,
    serving,
)
from tests.browser.test_amendment_journey import Journey, SampleServer

MODES = [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")]
SAMPLE_LINE = re.compile(r"^  (\S+)\s+(\S+)", re.MULTILINE)
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-voting"))
WIDTHS = (360, 1280)
MOTION_MY = "ဤမူကြမ်းကို ကွန်ရက်၏ ဖွဲ့စည်းပုံအခြေခံဥပဒေ မူကြမ်းအဖြစ် အတည်ပြုသည်။"
MOTION_EN = "Adopt this text as the network's draft constitution."
VOTERS = {"nandar": "yes", "hkawng": "yes", "mon": "no"}


@pytest.fixture
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleServer]:
    """A server of its own for each journey (the chair's second-factor code works once)."""
    var_dir = tmp_path_factory.mktemp("voting-journey")
    env = _server_env(var_dir)
    run_cli(env, "migrate")
    printed = run_cli(env, "sample")
    passwords = dict(SAMPLE_LINE.findall(printed))
    assert {"nandar", "hkawng", "mon", "chair"} <= set(passwords), printed
    with serving(env, var_dir) as server:
        yield SampleServer(server, env, passwords)


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def number(text: str) -> int:
    """A count as shown, in Latin or Myanmar digits."""
    return int(text.strip().translate(str.maketrans("၀၁၂၃၄၅၆၇၈၉", "0123456789")))


def shoot(rec: Recorder, path: str, name: str) -> None:
    """The page at ``path`` in Burmese and English, at each width: a full-page screenshot,
    and no sideways scroll at the narrowest. The member's language is Burmese after."""
    page = rec.page
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang in ("my", "en"):
        if page.get_attribute("html", "lang") != lang:
            with page.expect_navigation(wait_until="load"):
                page.click(f"header form.lang button[value={lang}]")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(rec.server.url(path), wait_until="load")
            assert page.get_attribute("html", "lang") == lang
            screenshot(page, SHOTS / f"{name}-{lang}-{width}.png", full_page=True)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{name} ({lang}) scrolls sideways at {width} px: {scroll}"
    with page.expect_navigation(wait_until="load"):
        page.click("header form.lang button[value=my]")
    page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
    rec.responses.clear()  # these pages are not one of the journey's steps


def plan_sitting(chair: Recorder) -> int:
    page = chair.page
    chair.goto("/sittings", "chair-sittings")
    page.fill("#title", "ပထမ အစည်းအဝေး · First sitting")
    page.fill("#quorum", "50")
    chair.submit("main form[action='/sittings'] button[type=submit]", "chair-planned")
    match = re.fullmatch(r"/sittings/([0-9]+)", path_of(page))
    assert match, page.url
    sitting = int(match.group(1))
    chair.goto(f"/sittings/{sitting}/console", "chair-console")
    chair.submit(f"form[action='/sittings/{sitting}/open'] button", "chair-opened")
    page.check("input[name=kind][value=motion]")
    page.fill("#motion_my", MOTION_MY)
    page.fill("#motion_en", MOTION_EN)
    page.select_option("#majority", "absolute")
    page.select_option("#base", "present")
    chair.submit(f"form[action='/sittings/{sitting}/polls'] button[type=submit]", "chair-agenda")
    assert MOTION_MY in page.inner_text(".agenda")
    return sitting


def check_in(rec: Recorder, sitting: int, who: str) -> None:
    page = rec.page
    rec.goto(f"/sittings/{sitting}", f"{who}-sitting")
    rec.submit(f"form[action='/sittings/{sitting}/check-in'] button", f"{who}-checked-in")
    assert path_of(page) == f"/sittings/{sitting}"
    assert page.locator(f"form[action='/sittings/{sitting}/check-out']").count() == 1


def open_poll(chair: Recorder, sitting: int) -> int:
    page = chair.page
    chair.goto(f"/sittings/{sitting}/console", "chair-quorate")
    assert page.locator(".quorum.met").is_visible()
    assert not page.locator(".quorum.unmet").is_visible()
    assert number(page.inner_text("[data-live-key=attendance][data-live-field=present]")) == 4
    form = page.locator("form[action$='/open'][action^='/polls/']")
    action = form.get_attribute("action") or ""
    chair.submit(f"form[action='{action}'] button", "chair-poll-open")
    return int(action.split("/")[2])


def vote(rec: Recorder, poll: int, who: str, choice: str) -> None:
    page = rec.page
    rec.goto(f"/polls/{poll}", f"{who}-ballot")
    assert page.locator("button[name=choice]").count() == 3
    rec.submit(f"form[action='/polls/{poll}/vote'] button[value={choice}]", f"{who}-voted")
    assert path_of(page) == f"/polls/{poll}/voted"
    assert re.fullmatch("[0-9a-f]{32}", page.inner_text(".receipt"))


VOTED = ".open-poll [data-live-field=voted]"


def watch_console(console: Page, javascript: bool) -> None:
    """The chair's console as the poll opens: no vote yet; with JavaScript, its stream is
    live (the reload link hidden) and the page is marked, so that a reload would show."""
    assert number(console.inner_text(VOTED)) == 0
    if javascript:
        console.wait_for_selector("[data-live-state=live]", timeout=15_000)
        assert console.locator("a.reload").is_hidden()
        assert console.locator("[data-live-online]").is_visible()
        console.evaluate("window.sameConsole = true")
    else:
        assert console.locator("a.reload").is_visible()


def console_followed(chair: Recorder, javascript: bool) -> None:
    """After the members voted in their own browsers: with JavaScript the console shows
    the three votes without being reloaded; without, the count stays as served and the
    reload link is there to show the newest."""
    console = chair.page
    if javascript:
        expect(console.locator(VOTED)).to_have_text("၃", timeout=15_000)  # Burmese page
        assert console.evaluate("window.sameConsole === true"), "the console was reloaded"
        assert console.locator("a.reload").is_hidden()
    else:
        assert number(console.inner_text(VOTED)) == 0
        assert console.locator("a.reload").is_visible()
        chair.submit("a.reload", "chair-reloaded")
        assert number(console.inner_text(VOTED)) == 3


@pytest.mark.browser
@pytest.mark.parametrize("javascript", MODES)
def test_a_sitting_from_check_in_to_the_published_roll_call(
    chromium: Chromium, sample_server: SampleServer, page_weights: Weights, javascript: bool
) -> None:
    mode = "voting-js-on" if javascript else "voting-js-off"
    journey = Journey(chromium, sample_server, page_weights, mode, javascript)
    try:
        chair = journey.log_in("chair")
        sitting = plan_sitting(chair)
        members = {who: journey.log_in(who) for who in VOTERS}
        for who, rec in members.items():
            check_in(rec, sitting, who)
        check_in(chair, sitting, "chair")
        poll = open_poll(chair, sitting)
        console = chair.page
        watch_console(console, javascript)
        for who, choice in VOTERS.items():
            vote(members[who], poll, who, "abstain" if who == "mon" else choice)
        console_followed(chair, javascript)
        vote(members["mon"], poll, "mon-changed", "no")  # she changes her vote
        nandar = members["nandar"]
        nandar.goto(f"/polls/{poll}", "nandar-ballot-again")
        assert nandar.page.get_attribute("button.vote.chosen", "value") == "yes"
        chair.goto(f"/sittings/{sitting}/console", "chair-counting")
        assert number(console.inner_text(".open-poll [data-live-field=voted]")) == 3
        assert number(console.inner_text(".open-poll [data-live-field=entitled]")) == 4
        assert console.locator(".rollcall").count() == 0  # no choice before close
        if javascript:
            shoot(nandar, f"/sittings/{sitting}", "sitting")
            shoot(chair, f"/sittings/{sitting}/console", "console")
            shoot(members["hkawng"], f"/polls/{poll}", "ballot")
        chair.submit(f"form[action='/polls/{poll}/close'] button", "chair-closed")
        assert path_of(console) == f"/polls/{poll}"
        # Absolute majority of the four present: 2 yes of 4 is not more than half.
        assert console.get_attribute(".verdict", "class") == "verdict failed"
        mon = members["mon"]
        mon.goto(f"/polls/{poll}", "mon-result")
        roll = mon.page.inner_text("details.rollcall[open]")
        for name in ("နန္ဒာ", "ခေါင်လု", "မွန်မေ"):
            assert name in roll
        tally = mon.page.inner_text(".tally")
        assert "၂" in tally and "၁" in tally  # Myanmar digits on a Burmese page
        assert mon.page.locator(f"a[href='/api/v1/polls/{poll}/record']").count() == 1
        mon.goto("/account/votes", "mon-record")
        assert mon.page.locator("table.record tbody tr").count() == 1
        if javascript:
            shoot(mon, f"/polls/{poll}", "result")
    finally:
        violations = journey.close()
    assert violations == []
