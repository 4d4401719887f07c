"""Committees decide as committees: the proposer and co-sponsors of an amendment cannot
record the committee's recommendation on it, even when they sit on the committee; a
recommendation may be revised while the amendment is in review, each one audited with the
old and the new value and listed on the amendment page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Committee, Member
from constitution.amendments import services
from constitution.amendments.models import Amendment, Recommendation
from constitution.audit.models import AuditEvent
from constitution.settings import Settings
from tests.factories import (
    Api,
    adopt_amendment,
    api_token,
    csrf_token,
    login,
    make_committee,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)

SLUG = "small-draft"
NEW_EN = "The Union is a federal democratic republic."


@dataclass
class World:
    db: Session
    amendment: Amendment
    committee: Committee
    proposer: Member  # sits on the committee
    sponsor: Member  # co-sponsors, sits on the committee
    reviewer: Member  # sits on the committee, no part in the amendment
    other: Member  # co-sponsors, not on the committee


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    document = make_document(db, small_body(SLUG))
    proposer, sponsor, reviewer, other = (
        make_member(db, settings, name) for name in ("aye", "su", "cora", "mya")
    )
    committee = make_committee(
        db, settings, "Principles", [proposer, sponsor, reviewer], ["part-1"], admin="root"
    )
    change = {"op": "replace", "key": "art-1", "text": {"en": NEW_EN}}
    amendment = propose_amendment(
        db, settings, proposer, document, change, sponsors=(sponsor, other), submit=True
    )
    db.commit()
    return World(db, amendment, committee, proposer, sponsor, reviewer, other)


def url(world: World) -> str:
    return f"/api/v1/amendments/{world.amendment.id}/recommendation"


def history(world: World) -> list[Recommendation]:
    world.db.expire_all()
    return services.recommendation_history(world.db, world.amendment)


def recorded(world: World) -> list[dict[str, Any]]:
    world.db.expire_all()
    rows = world.db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "amendment.recommendation_recorded")
        .order_by(AuditEvent.seq)
    )
    return [{"actor": e.actor_id, **e.payload} for e in rows]


# ---- the API ----------------------------------------------------------------------------


def test_the_proposer_and_cosponsors_on_the_committee_are_refused(
    client: TestClient, world: World
) -> None:
    for member, word in ((world.proposer, "proposed"), (world.sponsor, "co-sponsor")):
        api = Api(client, api_token(client, member))
        response = api.post(url(world), {"recommendation": "adopt", "note": "Mine."})
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert error["code"] == "conflict_of_interest"
        assert word in error["message"]
    assert history(world) == [] and recorded(world) == []
    assert world.db.get_one(Amendment, world.amendment.id).status == "submitted"
    # A co-sponsor off the committee is refused as any stranger is.
    stranger = Api(client, api_token(client, world.other))
    response = stranger.post(url(world), {"recommendation": "adopt"})
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")


def test_a_recommendation_is_revised_while_in_review_each_one_audited(
    client: TestClient, db: Session, world: World
) -> None:
    api = Api(client, api_token(client, world.reviewer))
    first = api.post(url(world), {"recommendation": "adopt", "note": "Good."})
    assert first.status_code == 200, first.text
    second = api.post(url(world), {"recommendation": "reject", "note": "On reflection, no."})
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["status"] == "recommended"
    assert body["recommendation"]["recommendation"] == "reject"
    assert body["recommendation"]["note"] == "On reflection, no."
    rows = history(world)
    assert [(r.recommendation, r.note, r.member_id) for r in rows] == [
        ("adopt", "Good.", world.reviewer.id),
        ("reject", "On reflection, no.", world.reviewer.id),
    ]
    events = recorded(world)
    assert [e["actor"] for e in events] == [world.reviewer.id] * 2
    assert events[0]["old"] is None
    assert events[0]["new"]["recommendation"] == "adopt"
    assert (events[1]["old"]["recommendation"], events[1]["old"]["note"]) == ("adopt", "Good.")
    assert events[1]["new"]["recommendation"] == "reject"
    assert [e["recommendation_id"] for e in events] == [r.id for r in rows]
    # On the agenda it is no longer in review: nothing more is recorded.
    db.expire_all()
    services.transition(db, db.get_one(Amendment, world.amendment.id), "schedule", None)
    db.commit()
    late = api.post(url(world), {"recommendation": "adopt"})
    assert (late.status_code, late.json()["error"]["code"]) == (409, "wrong_status")
    assert len(history(world)) == 2 and len(recorded(world)) == 2


# ---- the pages --------------------------------------------------------------------------


def test_the_committee_page_tells_the_proposer_why_and_the_post_is_403(
    client: TestClient, world: World
) -> None:
    login(client, world.proposer)
    queue = f"/committees/{world.committee.id}"
    soup = BeautifulSoup(client.get(queue).text, "html.parser")
    item = soup.select_one(f"#a-{world.amendment.id}")
    assert item is not None
    assert item.find("form") is None
    notice = item.select_one(".notice")
    assert notice is not None and "You proposed this amendment" in notice.get_text()
    action = f"/amendments/{world.amendment.id}/recommendation"
    data = {
        "csrf_token": csrf_token(client.get(queue).text),
        "recommendation": "adopt",
        "note": "",
        "committee": str(world.committee.id),
    }
    response = client.post(action, data=data)
    assert response.status_code == 403
    assert "You proposed this amendment" in response.text
    assert history(world) == []


def test_the_amendment_page_lists_the_recommendations_and_the_queue_revises(
    client: TestClient, world: World
) -> None:
    login(client, world.reviewer)
    queue = f"/committees/{world.committee.id}"
    action = f"/amendments/{world.amendment.id}/recommendation"
    base = {"committee": str(world.committee.id), "sub_0_my": "", "sub_0_en": ""}
    for choice, note in (("adopt", "Good."), ("reject", "On reflection, no.")):
        page = client.get(queue).text
        data = {**base, "csrf_token": csrf_token(page), "recommendation": choice, "note": note}
        assert client.post(action, data=data).status_code == 303
    soup = BeautifulSoup(client.get(queue).text, "html.parser")
    form = soup.find("form", attrs={"action": action})
    assert form is not None
    assert "Revise the recommendation" in form.get_text()
    assert form.select_one("input[value=reject]").has_attr("checked")
    assert form.select_one("textarea[name=note]").get_text() == "On reflection, no."
    shown = BeautifulSoup(client.get(f"/amendments/{world.amendment.id}").text, "html.parser")
    entries = [li.get_text(" ", strip=True) for li in shown.select("ol.recommendations > li")]
    assert len(entries) == 2
    assert "Cora" in entries[0] and "Reject" in entries[0] and "On reflection, no." in entries[0]
    assert "Cora" in entries[1] and "Adopt" in entries[1] and "Good." in entries[1]


def test_an_adopted_amendment_keeps_its_history(
    client: TestClient, db: Session, world: World
) -> None:
    api = Api(client, api_token(client, world.reviewer))
    assert api.post(url(world), {"recommendation": "adopt", "note": "Yes."}).status_code == 200
    db.expire_all()
    adopt_amendment(db, db.get_one(Amendment, world.amendment.id))
    db.commit()
    assert [r.recommendation for r in history(world)] == ["adopt"]
    login(client, world.other)
    shown = BeautifulSoup(client.get(f"/amendments/{world.amendment.id}").text, "html.parser")
    assert "Yes." in shown.select_one("ol.recommendations").get_text()
