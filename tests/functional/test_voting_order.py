"""The voting order of conflicting amendments on a sitting's agenda (issue 9, item 1): the
suggested order (amendments to an amendment first, then the one that departs furthest
from the text), the chair applying it or her own, which polls fall when one passes, and
that those are marked fallen and cannot be opened."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.audit.models import AuditEvent
from constitution.settings import Settings
from tests.factories import ART_1_EN, ART_1_MY
from tests.functional.test_api_votes import SLUG, Hall, error_of, make_hall


@pytest.fixture
def hall(client: TestClient, db: Session, settings: Settings) -> Hall:
    return make_hall(client, db, settings)


def propose(
    hall: Hall,
    en: str | None = None,
    my: str | None = None,
    *,
    key: str = "art-1",
    amends: int | None = None,
) -> int:
    """A submitted amendment replacing ``key``'s text in the languages given."""
    proposer, *sponsors = hall.members[:3]
    text = {lang: t for lang, t in (("en", en), ("my", my)) if t is not None}
    body: dict[str, Any] = {
        "title": "Change",
        "changes": [{"op": "replace", "key": key, "text": text}],
    }
    if amends is not None:
        body["amends"] = amends
    amendment = proposer.ok(f"/api/v1/documents/{SLUG}/amendments", body, 201)
    url = f"/api/v1/amendments/{amendment['id']}"
    for sponsor in sponsors:
        sponsor.ok(f"{url}/sponsor")
    proposer.ok(f"{url}/submit")
    return int(amendment["id"])


def polls_of(hall: Hall, sitting: int, *amendments: int) -> list[int]:
    return [int(hall.poll(sitting, amendment=a)["id"]) for a in amendments]


def detail(hall: Hall, sitting: int) -> dict[str, Any]:
    result: dict[str, Any] = hall.chair.read(f"/api/v1/sittings/{sitting}")
    return result


def pass_poll(hall: Hall, poll: int) -> dict[str, Any]:
    hall.chair.ok(f"/api/v1/polls/{poll}/open")
    for api in hall.members:
        hall.vote(api, poll, "yes")
    closed: dict[str, Any] = hall.chair.ok(f"/api/v1/polls/{poll}/close")
    assert closed["passed"] is True
    return closed


def art_1(hall: Hall) -> dict[str, str]:
    document = hall.chair.read(f"/api/v1/documents/{SLUG}")
    text: dict[str, str] = next(p for p in document["provisions"] if p["key"] == "art-1")["text"]
    return text


# The base text: "The Union is a federal democratic state." (8 tokens without spaces).
NEAR = "The Union is a federal democratic union."  # "state" -> "union": 2 of 9 tokens
MID = "The Union is a federal union."  # "democratic state" -> "union": 3 of 9
FAR = "Our Union is one union."  # most words changed


# ---- the suggested order ---------------------------------------------------------------


def test_the_furthest_departure_goes_first_and_other_polls_keep_their_places(
    hall: Hall,
) -> None:
    assert ART_1_EN == "The Union is a federal democratic state."
    near, mid, far = propose(hall, NEAR), propose(hall, MID), propose(hall, FAR)
    elsewhere = propose(hall, "Members are elected.", key="art-2")
    sitting = hall.sitting()
    p_near = polls_of(hall, sitting, near)[0]
    p_motion = hall.poll(sitting, motion={"en": "Adopt the agenda"})["id"]
    p_mid, p_elsewhere, p_far = polls_of(hall, sitting, mid, elsewhere, far)
    state = detail(hall, sitting)
    assert state["polls"] == [p_near, p_motion, p_mid, p_elsewhere, p_far]
    # The conflicting three swap within their places; the motion and art-2 stay.
    assert state["suggested_order"] == [p_far, p_motion, p_mid, p_elsewhere, p_near]
    # The rule is measured: the share of tokens changed, Burmese (authoritative) first.
    departures = state["departures"]
    assert departures[str(p_near)] == {"authoritative": 0.0, "largest": round(2 / 9, 4)}
    assert departures[str(p_mid)] == {"authoritative": 0.0, "largest": round(3 / 9, 4)}
    assert departures[str(p_far)]["largest"] > departures[str(p_mid)]["largest"]
    assert 0 < departures[str(p_elsewhere)]["largest"] < 1
    assert str(p_motion) not in departures
    # Each of the three falls if another passes; art-2's amendment and the motion do not.
    falls = state["falls"]
    assert falls == {
        str(p_near): [p_mid, p_far],
        str(p_mid): [p_near, p_far],
        str(p_far): [p_near, p_mid],
        str(p_elsewhere): [],
    }


def test_the_authoritative_text_counts_first(hall: Hall) -> None:
    # A small change of the Burmese text (with the English) goes before a large change of
    # the English alone: the authoritative text is the one departed from.
    assert ART_1_MY.endswith("ဖြစ်သည်။")
    burmese = propose(hall, NEAR, ART_1_MY.replace("ဖြစ်သည်။", "ဖြစ်ရမည်။"))
    english = propose(hall, FAR)
    sitting = hall.sitting()
    p_english, p_burmese = polls_of(hall, sitting, english, burmese)
    state = detail(hall, sitting)
    assert state["suggested_order"] == [p_burmese, p_english]
    mine = state["departures"][str(p_burmese)]
    # Counted in syllables: သည် deleted, ရ မည် inserted, of 17 syllables and signs + 2.
    assert mine == {"authoritative": round(3 / 19, 4), "largest": round(2 / 9, 4)}
    assert mine["authoritative"] < state["departures"][str(p_english)]["largest"]


def test_amendments_to_an_amendment_come_right_before_it(hall: Hall) -> None:
    main = propose(hall, MID)  # "The Union is a federal union."
    rival = propose(hall, NEAR)  # departs less than main
    small = propose(hall, "The Union is a federal union of equals.", amends=main)
    large = propose(hall, "The Union is a federal union of equal nations.", amends=main)
    sitting = hall.sitting()
    p_rival, p_main, p_small, p_large = polls_of(hall, sitting, rival, main, small, large)
    state = detail(hall, sitting)
    # main departs furthest: its amendments (the larger first), then main, then the rival.
    assert state["suggested_order"] == [p_large, p_small, p_main, p_rival]
    # An amendment to an amendment departs from the text it amends (main's, not art-1's).
    # (" of equals" inserted: 2 of 9 tokens; against art-1 it would be 5 of 11.)
    assert state["departures"][str(p_small)]["largest"] == round(2 / 9, 4)
    falls = state["falls"]
    # Adopted, main makes the rival fall and the amendments to it (they can no longer go
    # into it); adopted into main, an amendment to it makes its conflicting sibling fall,
    # not the rival (main is still to be voted on).
    assert falls[str(p_main)] == [p_rival, p_small, p_large]
    assert falls[str(p_small)] == [p_large]
    assert falls[str(p_large)] == [p_small]
    assert falls[str(p_rival)] == [p_main, p_small, p_large]


def test_amendments_with_no_conflict_are_not_reordered(hall: Hall) -> None:
    one = propose(hall, NEAR)
    two = propose(hall, "Members are elected.", key="art-2")
    sitting = hall.sitting()
    polls = polls_of(hall, sitting, one, two)
    state = detail(hall, sitting)
    assert state["suggested_order"] == polls
    assert state["falls"] == {str(polls[0]): [], str(polls[1]): []}


# ---- the chair orders the agenda -------------------------------------------------------


def test_the_chair_applies_the_suggested_order_or_her_own(hall: Hall, db: Session) -> None:
    near, mid, far = propose(hall, NEAR), propose(hall, MID), propose(hall, FAR)
    sitting = hall.sitting()
    p_near, p_mid, p_far = polls_of(hall, sitting, near, mid, far)
    url = f"/api/v1/sittings/{sitting}/order"
    ordered = hall.chair.ok(url, {"suggested": True})
    assert ordered["polls"] == [p_far, p_mid, p_near] == ordered["suggested_order"]
    positions = [hall.chair.read(f"/api/v1/polls/{p}")["position"] for p in ordered["polls"]]
    assert positions == [1, 2, 3]
    mine = hall.chair.ok(url, {"order": [p_mid, p_near, p_far]})
    assert mine["polls"] == [p_mid, p_near, p_far]
    assert detail(hall, sitting)["polls"] == [p_mid, p_near, p_far]
    # The suggestion does not follow her order: it is computed from the amendments.
    assert mine["suggested_order"] == [p_far, p_mid, p_near]
    db.expire_all()
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "sitting.ordered")).all()
    assert [e.payload["order"] for e in events] == [[p_far, p_mid, p_near], [p_mid, p_near, p_far]]
    assert [e.payload["suggested"] for e in events] == [True, False]


def test_an_order_must_name_exactly_the_polls_not_yet_opened(hall: Hall) -> None:
    one, two = propose(hall, NEAR), propose(hall, MID)
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    motion = hall.poll(sitting, motion={"en": "Adopt"})["id"]
    p_one, p_two = polls_of(hall, sitting, one, two)
    hall.chair.ok(f"/api/v1/polls/{motion}/open")
    url = f"/api/v1/sittings/{sitting}/order"
    bad: list[tuple[Any, str]] = [
        ({}, "order"),
        ({"order": [p_one]}, "order"),  # one left out
        ({"order": [p_one, p_two, p_two]}, "order"),  # twice
        ({"order": [p_two, p_one, motion]}, "order"),  # the open poll
        ({"order": [p_two, p_one, 999999]}, "order"),
        ({"order": f"{p_two},{p_one}"}, "order"),
        ({"order": [str(p_two), p_one]}, "order"),
        ({"order": [p_two, True]}, "order"),
        ({"order": [p_two, p_one], "suggested": True}, "order"),
        ({"suggested": False}, "suggested"),
        ({"suggested": "yes"}, "suggested"),
    ]
    for body, field_name in bad:
        assert error_of(hall.chair.post(url, body), 422)["field"] == field_name, body
    assert detail(hall, sitting)["polls"] == [motion, p_one, p_two]
    error_of(hall.members[0].post(url, {"suggested": True}), 403, "not_chair")
    # The open poll keeps its place; the others are reordered around it.
    assert hall.chair.ok(url, {"order": [p_two, p_one]})["polls"] == [motion, p_two, p_one]
    hall.chair.ok(f"/api/v1/polls/{motion}/close")
    hall.chair.ok(f"/api/v1/sittings/{sitting}/close")
    error_of(hall.chair.post(url, {"order": []}), 409, "sitting_state")
    assert hall.chair.post("/api/v1/sittings/999999/order", {"order": []}).status_code == 404


# ---- what falls, and that it is marked ------------------------------------------------


def test_adopting_an_amendment_marks_the_conflicting_polls_fallen(hall: Hall, db: Session) -> None:
    near, mid, far = propose(hall, NEAR), propose(hall, MID), propose(hall, FAR)
    elsewhere = propose(hall, "Members are elected.", key="art-2")
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    p_far, p_mid, p_near, p_elsewhere = polls_of(hall, sitting, far, mid, near, elsewhere)
    assert detail(hall, sitting)["falls"][str(p_far)] == [p_mid, p_near]
    pass_poll(hall, p_far)
    for poll in (p_mid, p_near):
        fallen = hall.chair.read(f"/api/v1/polls/{poll}")
        assert (fallen["status"], fallen["fell_by"]) == ("created", far)
        error_of(hall.chair.post(f"/api/v1/polls/{poll}/open"), 409, "fallen")
    assert hall.chair.read(f"/api/v1/polls/{p_elsewhere}")["fell_by"] is None
    state = detail(hall, sitting)
    # Fallen polls are no longer counted as to be voted on.
    assert state["falls"] == {str(p_elsewhere): []}
    assert str(p_mid) not in state["departures"]
    db.expire_all()
    fell = db.scalars(select(AuditEvent).where(AuditEvent.action == "poll.fell")).all()
    assert sorted(e.object for e in fell) == sorted([f"poll:{p_mid}", f"poll:{p_near}"])
    assert all(e.payload["adopted"] == far for e in fell)
    # The art-2 amendment is still voted on.
    pass_poll(hall, p_elsewhere)


def test_a_rejected_amendment_makes_nothing_fall(hall: Hall) -> None:
    near, far = propose(hall, NEAR), propose(hall, FAR)
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    p_far, p_near = polls_of(hall, sitting, far, near)
    hall.chair.ok(f"/api/v1/polls/{p_far}/open")
    for api in hall.members:
        hall.vote(api, p_far, "no")
    assert hall.chair.ok(f"/api/v1/polls/{p_far}/close")["passed"] is False
    assert hall.chair.read(f"/api/v1/polls/{p_near}")["fell_by"] is None
    pass_poll(hall, p_near)
    assert art_1(hall)["en"] == NEAR


def test_an_amendment_to_an_amendment_passed_first_goes_into_it_on_the_same_agenda(
    hall: Hall,
) -> None:
    # Regression: closing the passed poll of an amendment to an amendment whose amended
    # amendment was on the same agenda (scheduled) was refused with 409 not_amendable,
    # and the poll could never be closed.
    main = propose(hall, MID)
    better = "The Union is a federal union of equal nations."
    large = propose(hall, better, amends=main)
    small = propose(hall, "The Union is a federal union of equals.", amends=main)
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    p_main, p_small, p_large = polls_of(hall, sitting, main, small, large)
    hall.chair.ok(f"/api/v1/sittings/{sitting}/order", {"suggested": True})
    assert detail(hall, sitting)["polls"] == [p_large, p_small, p_main]
    closed = pass_poll(hall, p_large)
    assert closed["adoption_problem"] is None
    assert hall.chair.read(f"/api/v1/amendments/{large}")["status"] == "adopted"
    # Its conflicting sibling fell; the amended amendment carries its text now.
    assert hall.chair.read(f"/api/v1/polls/{p_small}")["fell_by"] == large
    error_of(hall.chair.post(f"/api/v1/polls/{p_small}/open"), 409, "fallen")
    assert hall.chair.read(f"/api/v1/polls/{p_main}")["fell_by"] is None
    assert pass_poll(hall, p_main)["adopted_rev"] == 2
    assert art_1(hall)["en"] == better


def test_adopting_an_amendment_makes_the_amendments_to_it_fall(hall: Hall) -> None:
    main = propose(hall, MID)
    sub = propose(hall, "The Union is a federal union of equals.", amends=main)
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    p_main, p_sub = polls_of(hall, sitting, main, sub)
    # The chair puts the amended amendment first, against the suggestion.
    assert detail(hall, sitting)["suggested_order"] == [p_sub, p_main]
    hall.chair.ok(f"/api/v1/sittings/{sitting}/order", {"order": [p_main, p_sub]})
    pass_poll(hall, p_main)
    assert hall.chair.read(f"/api/v1/polls/{p_sub}")["fell_by"] == main
    error_of(hall.chair.post(f"/api/v1/polls/{p_sub}/open"), 409, "fallen")
    assert art_1(hall)["en"] == MID


def test_an_amendment_to_an_amendment_is_not_voted_on_once_that_one_is_gone(
    hall: Hall,
) -> None:
    # Regression: an amendment to an amendment whose amended amendment was withdrawn (or
    # was being voted on elsewhere) could be opened, and closing it passed was refused
    # with 409: the poll stayed open for good.
    main = propose(hall, MID)
    sub = propose(hall, "The Union is a federal union of equals.", amends=main)
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    p_sub = polls_of(hall, sitting, sub)[0]
    # The amended amendment's poll is open in another sitting: not now.
    other = hall.sitting("Second sitting")
    hall.check_in(other, hall.chair, *hall.members)
    p_main = polls_of(hall, other, main)[0]
    hall.chair.ok(f"/api/v1/polls/{p_main}/open")
    error_of(hall.chair.post(f"/api/v1/polls/{p_sub}/open"), 409, "not_amendable")
    hall.chair.ok(f"/api/v1/polls/{p_main}/close")  # nobody voted: rejected
    error_of(hall.chair.post(f"/api/v1/polls/{p_sub}/open"), 409, "not_amendable")


def test_an_amendment_to_an_amendment_withdrawn_while_it_is_voted_on_closes(
    hall: Hall,
) -> None:
    main = propose(hall, MID)
    sub = propose(hall, "The Union is a federal union of equals.", amends=main)
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    p_sub = polls_of(hall, sitting, sub)[0]
    hall.chair.ok(f"/api/v1/polls/{p_sub}/open")
    for api in hall.members:
        hall.vote(api, p_sub, "yes")
    hall.members[0].ok(f"/api/v1/amendments/{main}/withdraw")
    closed = hall.chair.ok(f"/api/v1/polls/{p_sub}/close")
    # The result stands; the amendment to a withdrawn amendment can no longer apply.
    assert closed["passed"] is True and closed["adoption_problem"]
    assert hall.chair.read(f"/api/v1/amendments/{sub}")["status"] == "obsolete"
