"""The voting pages over HTTP, in both languages: the sittings and their planning, a
sitting's page (check-in, quorum, proxies, the agenda), the chair's console, the ballot (under
10 KB, a vote sent twice counted once and shown), the result with its roll-call, her voting
record and the inbox's proxy notices.

Every form works without JavaScript (a POST with its one-time token, answered by a
redirect), and every refusal is a page that says why, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.amendments.models import Amendment
from constitution.audit.models import AuditEvent
from constitution.settings import Settings
from constitution.texts.models import Document
from constitution.votes import services
from constitution.votes.models import Ballot, Poll, Proxy, Sitting
from tests.factories import login, make_document, make_member, propose_amendment, small_body
from tests.functional.test_amendment_pages import checked, fields, flash, form_for

SLUG = "small-draft"
MAX_BALLOT = 10 * 1024
MYANMAR_DIGITS = set("၀၁၂၃၄၅၆၇၈၉")
# Five members: party, state or region, ethnicity (the last has none recorded).
GROUPS = [
    ("NLD", "Kachin", "Kachin"),
    ("NLD", "Shan", "Shan"),
    ("SNLD", "Shan", "Shan"),
    ("KSDP", "Kachin", None),
    (None, "Yangon", None),
]


class Browser:
    """One member's browser: her own cookies, logged in once (a second-factor code works
    once, so a chair never logs in twice in a test)."""

    def __init__(self, client: TestClient, member: Member) -> None:
        self.client = client
        self.member = member
        login(client, member)

    def language(self, lang: str) -> None:
        soup = self.page("/")
        response = self.client.post(
            "/language", data={**fields(form_for(soup, "/language")), "language": lang}
        )
        assert response.status_code == 303

    def get(self, url: str, status: int = 200) -> tuple[BeautifulSoup, str]:
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code, response.text[:800])
        return checked(response.text), response.text

    def page(self, url: str, status: int = 200) -> BeautifulSoup:
        return self.get(url, status)[0]

    def send(
        self, url: str, action: str, changes: dict[str, str] | None = None, *, index: int = -1
    ) -> tuple[int, str, str]:
        """Send a form of the page at ``url`` posting to ``action`` as shown, with changes:
        (status, location, html)."""
        soup = self.page(url)
        forms = soup.find_all("form", attrs={"action": action})
        assert forms, f"no form posting to {action} on {url}"
        data = {**fields(forms[index]), **(changes or {})}
        response = self.client.post(action, data=data)
        return response.status_code, response.headers.get("location", ""), response.text

    def done(
        self, url: str, action: str, changes: dict[str, str] | None = None, *, index: int = -1
    ) -> BeautifulSoup:
        """Send the form; it must be answered by a redirect, whose page is returned."""
        status, location, html = self.send(url, action, changes, index=index)
        assert status == 303, (status, html[:800])
        return self.page(location)


@dataclass
class Hall:
    db: Session
    settings: Settings
    document: Document
    chair: Browser
    members: list[Browser]
    open: Callable[[Member], Browser]
    amendments: list[Amendment] = field(default_factory=list)

    def sitting(self, title: str = "First sitting", *, open_it: bool = True) -> Sitting:
        sitting = services.create_sitting(self.db, self.chair.member, title, {"fraction": 0.5})
        if open_it:
            services.open_sitting(self.db, self.chair.member, sitting)
        self.db.commit()
        return sitting

    def amendment(self, text: str = "The Union is a federal democratic union.") -> Amendment:
        proposer, *sponsors = [b.member for b in self.members[:3]]
        change = {"op": "replace", "key": "art-1", "text": {"en": text}}
        amendment = propose_amendment(
            self.db,
            self.settings,
            proposer,
            self.document,
            change,
            title="Equal nations",
            sponsors=sponsors,
            submit=True,
        )
        self.db.commit()
        return amendment

    def check_in(self, sitting: Sitting, *browsers: Browser) -> None:
        for browser in browsers:
            services.check_in(self.db, browser.member, sitting)
        self.db.commit()

    def poll(self, sitting: Sitting, **kwargs: object) -> Poll:
        poll = services.create_poll(self.db, self.chair.member, sitting, **kwargs)
        self.db.commit()
        return poll


@pytest.fixture
def hall(app: Starlette, db: Session, settings: Settings) -> Iterator[Hall]:
    document = make_document(db, small_body(SLUG))
    chair = make_member(db, settings, "chair", ["member", "chair"])
    members = []
    for index, (party, state, ethnicity) in enumerate(GROUPS):
        member = make_member(db, settings, f"m{index}")
        member.party, member.state_region, member.ethnicity = party, state, ethnicity
        members.append(member)
    db.commit()
    with ExitStack() as stack:

        def browser(member: Member) -> Browser:
            client = stack.enter_context(
                TestClient(app, base_url="http://testserver", follow_redirects=False)
            )
            return Browser(client, member)

        yield Hall(
            db=db,
            settings=settings,
            document=document,
            chair=browser(chair),
            members=[browser(m) for m in members],
            open=browser,
        )


def text_of(soup: BeautifulSoup, selector: str = "main") -> str:
    node = soup.select_one(selector)
    assert node is not None, f"nothing matches {selector}"
    return node.get_text(" ", strip=True)


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def ballot_events(db: Session) -> int:
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ballot.cast")
    return int(db.scalar(query) or 0)


# ---- sittings and planning --------------------------------------------------------------


def test_a_chair_plans_a_sitting_with_a_quorum_in_percent(hall: Hall) -> None:
    soup = hall.chair.page("/sittings")
    assert "No sitting" in text_of(soup)
    page = hall.chair.done(
        "/sittings",
        "/sittings",
        {"title": "Budget sitting", "starts_at": "2031-05-01T09:30", "quorum": "60"},
    )
    sitting = hall.db.scalars(select(Sitting)).one()
    assert (sitting.title, sitting.quorum_permille) == ("Budget sitting", 600)
    assert sitting.starts_at is not None and sitting.starts_at.hour == 9
    assert "The sitting was planned." in flash(page)
    assert "May 1, 2031, 09:30 UTC" in text_of(page)
    listing = hall.members[0].page("/sittings")
    assert listing.find("a", href=f"/sittings/{sitting.id}") is not None
    assert listing.find("form", attrs={"action": "/sittings"}) is None  # not a chair


def test_the_quorum_may_be_typed_in_myanmar_digits(hall: Hall) -> None:
    hall.chair.done("/sittings", "/sittings", {"title": "S", "quorum": "၇၅"})
    assert hall.db.scalars(select(Sitting)).one().quorum_permille == 750


@pytest.mark.parametrize("quorum", ["", "half", "0", "150", "-5", "1e3"])
def test_a_bad_quorum_is_shown_on_the_form_with_what_she_typed(hall: Hall, quorum: str) -> None:
    status, _location, html = hall.chair.send(
        "/sittings", "/sittings", {"title": "Kept title", "quorum": quorum}
    )
    assert status == 422, html[:500]
    soup = checked(html)
    assert "percentage" in text_of(soup, ".error")
    assert soup.select_one("#title")["value"] == "Kept title"
    assert count(hall.db, Sitting) == 0


def test_a_member_who_is_not_a_chair_is_refused_with_a_page(hall: Hall) -> None:
    member = hall.members[0]
    soup = member.page("/sittings")
    token = soup.select_one("input[name=csrf_token]")["value"]
    response = member.client.post(
        "/sittings", data={"csrf_token": token, "title": "Mine", "quorum": "50"}
    )
    assert response.status_code == 403
    assert "Only a chair may do this." in text_of(checked(response.text), ".error")
    assert count(hall.db, Sitting) == 0
    sitting = hall.sitting()
    member.page(f"/sittings/{sitting.id}/console", 403)


# ---- a sitting: attendance and quorum ---------------------------------------------------


def test_a_member_checks_in_and_out_and_the_quorum_shows(hall: Hall) -> None:
    sitting = hall.sitting()  # 6 voting members, half: 3 make the quorum
    url = f"/sittings/{sitting.id}"
    member = hall.members[0]
    soup = member.page(url)
    assert soup.select_one("[data-live-key=attendance][data-live-field=present]").get_text() == "0"
    assert soup.select_one("[data-live-key=attendance][data-live-field=members]").get_text() == "6"
    assert "not met" in text_of(soup, ".quorum:not([hidden])")
    soup = member.done(url, f"{url}/check-in")
    assert "You are checked in." in flash(soup)
    assert soup.select_one("[data-live-key=attendance][data-live-field=present]").get_text() == "1"
    assert soup.find("form", attrs={"action": f"{url}/check-out"}) is not None
    hall.check_in(sitting, *hall.members[1:3])
    soup = member.page(url)
    assert "is met" in text_of(soup, ".quorum:not([hidden])")
    soup = member.done(url, f"{url}/check-out")
    assert soup.select_one("[data-live-key=attendance][data-live-field=present]").get_text() == "2"
    assert not services.is_present(hall.db, sitting.id, member.member.id)


def test_the_sitting_page_in_burmese_has_myanmar_digits(hall: Hall) -> None:
    sitting = hall.sitting()
    hall.check_in(sitting, *hall.members[:2])
    member = hall.members[3]
    member.language("my")
    soup, html = member.get(f"/sittings/{sitting.id}")
    assert soup.html["lang"] == "my"
    assert soup.select_one("[data-live-key=attendance][data-live-field=present]").get_text() == "၂"
    assert soup.select_one("[data-live-key=attendance][data-live-field=members]").get_text() == "၆"
    assert "Check in" not in html and "Present" not in html  # translated
    assert MYANMAR_DIGITS & set(text_of(soup, ".presence"))


def test_check_in_before_the_sitting_opens_is_refused_on_its_page(hall: Hall) -> None:
    sitting = hall.sitting(open_it=False)
    member = hall.members[0]
    soup = member.page(f"/sittings/{sitting.id}")
    token = soup.select_one("input[name=csrf_token]")["value"]
    response = member.client.post(f"/sittings/{sitting.id}/check-in", data={"csrf_token": token})
    assert response.status_code == 409
    page = checked(response.text)
    assert "not in a state" in text_of(page, ".error")
    assert page.select_one("h1").get_text() == sitting.title  # still on the sitting's page


# ---- proxies and the inbox --------------------------------------------------------------


def test_a_proxy_is_asked_approved_by_the_chair_and_both_are_told(hall: Hall) -> None:
    sitting = hall.sitting()
    url = f"/sittings/{sitting.id}"
    giver, holder = hall.members[3], hall.members[4]
    soup = giver.page(url)
    options = {o["value"] for o in soup.select("select[name=holder] option") if o["value"]}
    assert str(holder.member.id) in options and str(giver.member.id) not in options
    soup = giver.done(url, f"{url}/proxy", {"holder": str(holder.member.id)})
    assert "sent to the chair" in flash(soup)
    assert "waiting for the chair" in text_of(soup, ".proxy")
    proxy = hall.db.scalars(select(Proxy)).one()
    console = f"{url}/console"
    soup = hall.chair.page(console)
    assert "M3 asks that M4 vote for her." in text_of(soup, ".proxies")
    soup = hall.chair.done(console, f"/proxies/{proxy.id}/approve")
    assert "approved" in flash(soup)
    hall.db.refresh(proxy)
    assert proxy.status == "approved"
    inbox = giver.page("/inbox")
    assert "approved your proxy" in text_of(inbox, ".inbox")
    assert inbox.select_one(f".inbox a[href='{url}']") is not None
    inbox = holder.page("/inbox")
    assert "you may vote for her" in text_of(inbox, ".inbox")
    assert inbox.select_one(f".inbox a[href='{url}']") is not None
    assert "M3 asked you to vote for her" in text_of(holder.page(url), ".proxy")


def test_a_refused_proxy_is_told_and_a_giver_may_revoke_hers(hall: Hall) -> None:
    sitting = hall.sitting()
    url = f"/sittings/{sitting.id}"
    giver, holder = hall.members[3], hall.members[4]
    giver.done(url, f"{url}/proxy", {"holder": str(holder.member.id)})
    proxy = hall.db.scalars(select(Proxy)).one()
    hall.chair.done(f"{url}/console", f"/proxies/{proxy.id}/refuse")
    assert "refused your proxy" in text_of(giver.page("/inbox"), ".inbox")
    giver.done(url, f"{url}/proxy", {"holder": str(holder.member.id)})
    second = hall.db.scalars(select(Proxy).where(Proxy.status == "requested")).one()
    soup = giver.done(url, f"/proxies/{second.id}/revoke")
    assert "revoked" in flash(soup)
    hall.db.refresh(second)
    assert second.status == "revoked"
    # Another member's proxy is not hers to revoke: refused on the sitting's page.
    giver.done(url, f"{url}/proxy", {"holder": str(holder.member.id)})
    third = hall.db.scalars(select(Proxy).where(Proxy.status == "requested")).one()
    soup = holder.page(url)
    token = soup.select_one("input[name=csrf_token]")["value"]
    response = holder.client.post(f"/proxies/{third.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
    assert "no such proxy" in text_of(checked(response.text), ".error")


@pytest.mark.parametrize("holder", ["", "abc", "999999", "self"])
def test_a_bad_proxy_request_is_refused_on_the_sitting_page(hall: Hall, holder: str) -> None:
    sitting = hall.sitting()
    url = f"/sittings/{sitting.id}"
    giver = hall.members[3]
    value = str(giver.member.id) if holder == "self" else holder
    status, _location, html = giver.send(url, f"{url}/proxy", {"holder": value})
    assert status == 422, html[:500]
    assert text_of(checked(html), ".error")
    assert count(hall.db, Proxy) == 0


# ---- the console: the agenda -----------------------------------------------------------


def test_the_chair_builds_and_orders_the_agenda(hall: Hall) -> None:
    amendment = hall.amendment()
    sitting = hall.sitting()
    console = f"/sittings/{sitting.id}/console"
    soup = hall.chair.page(console)
    options = [o["value"] for o in soup.select("select[name=amendment] option") if o["value"]]
    assert options == [str(amendment.id)]
    add = f"/sittings/{sitting.id}/polls"
    hall.chair.done(
        console,
        add,
        {"kind": "amendment", "amendment": str(amendment.id), "majority": "two_thirds"},
    )
    soup = hall.chair.done(
        console,
        add,
        {
            "kind": "motion",
            "motion_my": "မူကြမ်းကို အတည်ပြုသည်။",
            "motion_en": "Adopt the draft.",
            "majority": "absolute",
            "base": "members",
            "cond_0_group": "state_region",
            "cond_0_majority": "simple",
            "cond_0_base": "cast",
            "cond_0_min": "2",
            "cond_0_needed": "all",
        },
    )
    first, second = services.agenda(hall.db, sitting.id)
    assert (first.amendment_id, first.majority) == (amendment.id, "two_thirds")
    assert second.motion == {"my": "မူကြမ်းကို အတည်ပြုသည်။", "en": "Adopt the draft."}
    assert second.conditions == [
        {
            "group": "state_region",
            "majority": "simple",
            "base": "cast",
            "min_entitled": 2,
            "groups_needed": "all",
        }
    ]
    hall.db.refresh(amendment)
    assert amendment.status == "scheduled"
    agenda = text_of(soup, ".agenda")
    assert "Two-thirds majority" in agenda and "Adopt the draft." in agenda
    assert "within every State or region group with at least 2 entitled members" in agenda
    # Move the motion up, then take the amendment off the agenda.
    soup = hall.chair.done(console, f"/polls/{second.id}/move", {"direction": "up"})
    assert [p.id for p in services.agenda(hall.db, sitting.id)] == [second.id, first.id]
    soup = hall.chair.done(console, f"/polls/{first.id}/remove")
    assert "taken off the agenda" in flash(soup)
    assert [p.id for p in services.agenda(hall.db, sitting.id)] == [second.id]
    hall.db.refresh(amendment)
    assert amendment.status == "submitted"
    # The sitting's page shows the agenda to every member, with the rule in words.
    page = hall.members[0].page(f"/sittings/{sitting.id}")
    assert "Absolute majority: yes from more than half of all members." in text_of(page, ".agenda")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "amendment", "amendment": ""}, "Choose an amendment"),
        ({"kind": "amendment", "amendment": "999999"}, ""),
        ({"kind": "motion", "motion_my": "", "motion_en": ""}, "needs its text"),
        ({"kind": "motion", "motion_en": "Adopt", "majority": "most"}, "allowed values"),
        (
            {"kind": "motion", "motion_en": "Adopt", "cond_0_group": "party", "cond_0_min": "x"},
            "min_entitled",
        ),
        (
            {"kind": "motion", "motion_en": "Adopt", "cond_0_group": "colour"},
            "group must be",
        ),
    ],
)
def test_a_bad_poll_is_shown_on_the_console_and_nothing_is_created(
    hall: Hall, changes: dict[str, str], message: str
) -> None:
    sitting = hall.sitting()
    console = f"/sittings/{sitting.id}/console"
    status, _location, html = hall.chair.send(console, f"/sittings/{sitting.id}/polls", changes)
    assert status in (404, 409, 422), (status, html[:500])
    soup = checked(html)
    assert message in text_of(soup, ".error")
    assert soup.select_one("h1") is not None
    assert services.agenda(hall.db, sitting.id) == []
    if changes.get("motion_en"):
        assert soup.select_one("#motion_en").get_text() == changes["motion_en"]


def test_opening_a_poll_without_quorum_is_refused_on_the_console(hall: Hall) -> None:
    sitting = hall.sitting()
    poll = hall.poll(sitting, motion={"en": "Adopt the draft."})
    console = f"/sittings/{sitting.id}/console"
    status, _location, html = hall.chair.send(console, f"/polls/{poll.id}/open")
    assert status == 409
    assert "The quorum is not met." in text_of(checked(html), ".error")
    hall.db.refresh(poll)
    assert poll.status == "created"


# ---- the ballot -------------------------------------------------------------------------


def voting(hall: Hall, **kwargs: object) -> tuple[Sitting, Poll]:
    """An open sitting with four members checked in and an open poll."""
    sitting = hall.sitting()
    hall.check_in(sitting, *hall.members[:4])
    poll = hall.poll(
        sitting, **(kwargs or {"motion": {"en": "Adopt the draft.", "my": "မူကြမ်းကို အတည်ပြုသည်။"}})
    )
    services.open_poll(hall.db, hall.settings, hall.chair.member, poll)
    hall.db.commit()
    return sitting, poll


@pytest.mark.parametrize("lang", ["en", "my"])
def test_the_ballot_is_small_clear_and_shows_her_vote(hall: Hall, lang: str) -> None:
    _sitting, poll = voting(hall)
    member = hall.members[0]
    member.language(lang)
    url = f"/polls/{poll.id}"
    soup, html = member.get(url)
    assert len(html.encode()) < MAX_BALLOT, len(html.encode())
    buttons = soup.select(f"form[action='{url}/vote'] button[name=choice]")
    assert [b["value"] for b in buttons] == ["yes", "no", "abstain"]
    assert soup.select_one(
        f"[data-live-key='poll:{poll.id}'][data-live-field=entitled]"
    ).get_text() == ("၄" if lang == "my" else "4")
    page = member.done(url, f"{url}/vote", {"choice": "no"})
    assert (
        page.select_one(".receipt").get_text()
        == services.ballot_of(hall.db, poll.id, member.member.id).receipt
    )
    soup, html = member.get(url)
    assert len(html.encode()) < MAX_BALLOT
    assert soup.select_one("button.vote.chosen")["value"] == "no"
    if lang == "en":
        assert "Your vote now: No" in text_of(soup, ".current")
        assert "Your vote: No" in text_of(page, ".confirmation")
    else:
        assert "No" not in text_of(soup, ".current")


def test_a_retried_vote_is_counted_once_and_answered_with_her_vote(hall: Hall) -> None:
    _sitting, poll = voting(hall)
    member = hall.members[1]
    url = f"/polls/{poll.id}"
    soup = member.page(url)
    data = {**fields(form_for(soup, f"{url}/vote")), "choice": "yes"}
    first = member.client.post(f"{url}/vote", data=data)
    assert first.status_code == 303
    events = ballot_events(hall.db)
    # The connection dropped before the answer came; the browser sends the same form again.
    again = member.client.post(f"{url}/vote", data=data)
    assert again.status_code == 303, again.text[:500]
    assert again.headers["location"] == first.headers["location"] == f"{url}/voted"
    page = member.page(again.headers["location"])
    assert "already arrived; it was counted once" in flash(page)
    assert "Your vote: Yes" in text_of(page, ".confirmation")
    assert len(page.select(".confirmation")) == 1
    assert count(hall.db, Ballot) == 1
    assert ballot_events(hall.db) == events
    # A fresh page lets her change it; the change is one more event, still one ballot.
    member.done(url, f"{url}/vote", {"choice": "abstain"})
    assert services.ballot_of(hall.db, poll.id, member.member.id).choice == "abstain"
    assert count(hall.db, Ballot) == 1
    assert ballot_events(hall.db) == events + 1


def test_a_member_not_entitled_and_a_poll_not_open_say_so(hall: Hall) -> None:
    sitting, poll = voting(hall)
    late = hall.members[4]
    soup, _html = late.get(f"/polls/{poll.id}")
    assert "not entitled to vote in this poll" in text_of(soup, ".notice")
    assert soup.select("button[name=choice]") == []
    token = soup.select_one("input[name=csrf_token]")["value"]
    response = late.client.post(
        f"/polls/{poll.id}/vote", data={"csrf_token": token, "choice": "yes"}
    )
    assert response.status_code == 403
    assert "not entitled" in text_of(checked(response.text), ".error")
    waiting = hall.poll(sitting, motion={"en": "Another motion."})
    soup = hall.members[0].page(f"/polls/{waiting.id}")
    assert "not open yet" in text_of(soup, ".notice")
    assert count(hall.db, Ballot) == 0


@pytest.mark.parametrize("choice", ["", "maybe", "YES"])
def test_an_unknown_choice_is_refused_on_the_ballot(hall: Hall, choice: str) -> None:
    _sitting, poll = voting(hall)
    url = f"/polls/{poll.id}"
    status, _location, html = hall.members[0].send(url, f"{url}/vote", {"choice": choice})
    assert status == 422
    soup = checked(html)
    assert "Choose yes, no or abstain." in text_of(soup, ".error")
    assert soup.select("button[name=choice]")  # the ballot again
    assert count(hall.db, Ballot) == 0


def test_a_vote_after_close_is_refused_with_the_result(hall: Hall) -> None:
    _sitting, poll = voting(hall)
    member = hall.members[0]
    url = f"/polls/{poll.id}"
    soup = member.page(url)
    data = {**fields(form_for(soup, f"{url}/vote")), "choice": "yes"}
    services.close_poll(hall.db, hall.settings, hall.chair.member, poll.id)
    hall.db.commit()
    response = member.client.post(f"{url}/vote", data=data)
    assert response.status_code == 409
    page = checked(response.text)
    assert "The poll is closed." in text_of(page, ".error")
    assert page.select_one(".verdict") is not None
    assert count(hall.db, Ballot) == 0


# ---- the console's count, closing, the result --------------------------------------------


def test_the_console_counts_votes_but_never_shows_choices_before_close(hall: Hall) -> None:
    sitting, poll = voting(hall)
    console = f"/sittings/{sitting.id}/console"
    for browser, choice in zip(hall.members[:3], ["yes", "yes", "no"], strict=True):
        browser.done(f"/polls/{poll.id}", f"/polls/{poll.id}/vote", {"choice": choice})
    soup, html = hall.chair.get(console)
    section = soup.select_one(".open-poll")
    assert section.select_one("[data-live-field=voted]").get_text() == "3"
    assert section.select_one("[data-live-field=entitled]").get_text() == "4"
    for name in ("M0", "M1", "M2"):
        assert name not in text_of(soup)  # no name, hence no choice beside it
    assert soup.select(".rollcall") == [] and "c-yes" not in html
    page = hall.chair.done(console, f"/polls/{poll.id}/close")
    assert "here is its result" in flash(page)
    assert text_of(page, ".verdict") == "Passed"


def test_the_result_shows_the_rule_tally_conditions_and_roll_call_three_ways(hall: Hall) -> None:
    conditions = [{"group": "party", "majority": "simple", "base": "cast", "groups_needed": 1}]
    sitting = hall.sitting()
    hall.check_in(sitting, *hall.members[:4])
    url0 = f"/sittings/{sitting.id}"
    hall.members[4].done(url0, f"{url0}/proxy", {"holder": str(hall.members[3].member.id)})
    proxy = hall.db.scalars(select(Proxy)).one()
    services.decide_proxy(hall.db, hall.settings, hall.chair.member, proxy, approve=True)
    poll = hall.poll(sitting, motion={"en": "Adopt the draft."}, conditions=conditions)
    services.open_poll(hall.db, hall.settings, hall.chair.member, poll)
    hall.db.commit()
    url = f"/polls/{poll.id}"
    holder = hall.members[3]
    soup = holder.page(url)
    assert "For M4 (by proxy)" in text_of(soup)
    forms = soup.select(f"form[action='{url}/vote']")
    assert len(forms) == 2 and forms[1].select_one("input[name=for]")["value"] == str(
        hall.members[4].member.id
    )
    for browser, choice in zip(hall.members[:3], ["yes", "no", "yes"], strict=True):
        browser.done(url, f"{url}/vote", {"choice": choice})
    holder.done(url, f"{url}/vote", {"choice": "abstain"}, index=0)  # her own ballot
    status, location, _html = holder.send(url, f"{url}/vote", {"choice": "yes"}, index=1)
    assert (status, location) == (303, f"{url}/voted")
    voted = holder.page(location)
    assert "For M4 (by proxy): Yes" in text_of(voted)
    services.close_poll(hall.db, hall.settings, hall.chair.member, poll.id)
    hall.db.commit()
    soup, _html = hall.members[4].get(url)
    assert text_of(soup, ".verdict") == "Passed"
    tally = {row.th.get_text(): row.td.get_text() for row in soup.select(".tally tr")}
    assert (tally["Yes"], tally["No"], tally["Abstain"], tally["Entitled to vote"]) == (
        "3",
        "1",
        "1",
        "5",
    )
    condition = text_of(soup, ".condition")
    assert "Party" in condition and "NLD" in condition and "It held." in condition
    groupings = soup.select("details.rollcall")
    assert [g.summary.get_text() for g in groupings] == [
        "By Party",
        "By State or region",
        "By Ethnicity",
    ]
    by_party = groupings[0]
    assert [h.get_text(" ", strip=True) for h in by_party.select("h3")] == [
        "KSDP (1)",
        "NLD (2)",
        "SNLD (1)",
        "Not recorded (1)",
    ]
    assert "M4 Yes (voted by M3)" in by_party.get_text(" ", strip=True)
    ethnicity = [h.get_text(" ", strip=True) for h in groupings[2].select("h3")]
    assert ethnicity == ["Kachin (1)", "Shan (2)", "Not recorded (2)"]
    hall.db.refresh(poll)
    assert poll.record_hash in text_of(soup)
    assert soup.select_one(f"a[href='/api/v1/polls/{poll.id}/record']") is not None
    record = hall.members[4].client.get(f"/api/v1/polls/{poll.id}/record")
    assert record.status_code == 200
    assert "It is in the signed record." in text_of(soup)  # her receipt, cast by her proxy


def test_a_passed_amendment_links_to_its_revision(hall: Hall) -> None:
    amendment = hall.amendment()
    sitting, poll = voting(hall, amendment=amendment.id)
    url = f"/polls/{poll.id}"
    for browser in hall.members[:3]:
        browser.done(url, f"{url}/vote", {"choice": "yes"})
    services.close_poll(hall.db, hall.settings, hall.chair.member, poll.id)
    hall.db.commit()
    hall.db.refresh(amendment)
    assert amendment.adopted_rev is not None
    soup = hall.members[0].page(url)
    rev = amendment.adopted_rev
    assert soup.find("a", href=f"/documents/{SLUG}/compare?from={rev - 1}&to={rev}") is not None
    assert f"/amendments/{amendment.id}" in {a.get("href") for a in soup.select(".subject a")}
    assert "Result and roll-call" in text_of(hall.members[0].page(f"/sittings/{sitting.id}"))


@pytest.mark.parametrize("lang", ["en", "my"])
def test_her_voting_record(hall: Hall, lang: str) -> None:
    _sitting, poll = voting(hall)
    member = hall.members[0]
    member.language(lang)
    url = f"/polls/{poll.id}"
    member.done(url, f"{url}/vote", {"choice": "yes"})
    assert member.page("/account/votes").select("table.record tbody tr") == []  # still open
    services.close_poll(hall.db, hall.settings, hall.chair.member, poll.id)
    hall.db.commit()
    soup = member.page("/account/votes")
    rows = soup.select("table.record tbody tr")
    assert len(rows) == 1
    ballot = services.ballot_of(hall.db, poll.id, member.member.id)
    assert ballot.receipt in rows[0].get_text()
    assert rows[0].select_one(f"a[href='{url}']") is not None
    if lang == "my":
        assert MYANMAR_DIGITS & set(rows[0].get_text())


def test_the_navigation_names_sittings_and_counts_those_in_session(hall: Hall) -> None:
    soup = hall.members[0].page("/")
    link = soup.select_one("header nav a[href='/sittings']")
    assert link is not None and "in session" not in link.get_text()
    hall.sitting()
    link = hall.members[0].page("/").select_one("header nav a[href='/sittings']")
    assert "(1 in session)" in link.get_text()


@pytest.mark.parametrize("lang", ["en", "my"])
def test_every_voting_page_in_both_languages(hall: Hall, lang: str) -> None:
    sitting, poll = voting(hall)
    for browser in [hall.chair, *hall.members]:
        browser.language(lang)
    hall.members[0].done(f"/polls/{poll.id}", f"/polls/{poll.id}/vote", {"choice": "yes"})
    pages = [
        (hall.members[0], "/sittings"),
        (hall.members[0], f"/sittings/{sitting.id}"),
        (hall.chair, f"/sittings/{sitting.id}/console"),
        (hall.members[0], f"/polls/{poll.id}"),
        (hall.members[0], f"/polls/{poll.id}/voted"),
        (hall.members[0], "/account/votes"),
    ]
    services.close_poll(hall.db, hall.settings, hall.chair.member, poll.id)
    hall.db.commit()
    pages.append((hall.members[0], f"/polls/{poll.id}"))
    for browser, url in pages:
        soup, _html = browser.get(url)
        assert soup.html["lang"] == lang, url
        if lang == "my":
            main = text_of(soup)
            for english in ("Sitting", "Status", "Yes", "Vote", "Agenda", "Result", "Receipt"):
                assert english not in main.replace("UTC", ""), (url, english)


def test_the_pages_with_live_counts_load_live_js_and_offer_a_reload_link(hall: Hall) -> None:
    """The sitting's page, the console and an open ballot follow their sitting's stream
    with static/live.js (once, deferred); the reload link is there for a browser without
    it. A page with no live count loads no script."""
    sitting, poll = voting(hall)
    member = hall.members[0]
    stream = f"/api/v1/sittings/{sitting.id}/events"
    live = [
        (member, f"/sittings/{sitting.id}"),
        (hall.chair, f"/sittings/{sitting.id}/console"),
        (member, f"/polls/{poll.id}"),
    ]
    for browser, url in live:
        soup, _html = browser.get(url)
        scripts = soup.find_all("script")
        assert len(scripts) == 1, url
        assert re.fullmatch(r"/static/live\.[0-9a-f]+\.js", scripts[0]["src"]), url
        assert scripts[0].has_attr("defer"), url
        assert [node["data-live-stream"] for node in soup.select("[data-live-stream]")] == [
            stream
        ], url
        reload = soup.select_one("a.reload[data-live-offline]")
        assert reload is not None and not reload.has_attr("hidden"), url
        assert reload["href"] == url
    for browser, url in [(member, "/sittings"), (member, "/account/votes")]:
        soup, _html = browser.get(url)
        assert soup.find("script") is None, url


def test_unknown_sittings_polls_and_proxies_are_404_pages(hall: Hall) -> None:
    member = hall.members[0]
    for url in ("/sittings/999999", "/polls/999999", "/polls/999999/voted"):
        soup = member.page(url, 404)
        assert text_of(soup, ".error")


def test_the_agenda_shows_what_falls_and_marks_it_when_a_conflicting_amendment_passes(
    hall: Hall,
) -> None:
    first = hall.amendment("The Union is a federal democratic union.")
    second = hall.amendment("The Union is a democratic federation.")
    sitting = hall.sitting()
    hall.check_in(sitting, *hall.members[:4])
    one = hall.poll(sitting, amendment=first.id)
    other = hall.poll(sitting, amendment=second.id)
    url = f"/sittings/{sitting.id}"
    soup = hall.members[0].page(url)
    item = soup.select_one(f"#poll-{one.id} .falls")
    assert item is not None and f"Amendment {second.number}" in item.get_text()
    services.open_poll(hall.db, hall.settings, hall.chair.member, one)
    hall.db.commit()
    for browser in hall.members[:3]:
        browser.done(f"/polls/{one.id}", f"/polls/{one.id}/vote", {"choice": "yes"})
    services.close_poll(hall.db, hall.settings, hall.chair.member, one.id)
    hall.db.commit()
    hall.db.refresh(other)
    assert other.fell_by_id == first.id
    soup = hall.members[0].page(url)
    fallen = soup.select_one(f"#poll-{other.id}")
    assert "Fell" in text_of(fallen, ".fell")
    assert f"Amendment {first.number}" in text_of(fallen, ".fell-note")
    console = hall.chair.page(f"{url}/console")
    assert console.find("form", attrs={"action": f"/polls/{other.id}/open"}) is None
