"""The Voting part of the JSON API (API.md, "Voting"): sittings, attendance and quorum, the
agenda, polls with their rules, votes (changed, retried, by proxy), closing with adoption,
the signed record, and every refusal a member can meet."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.audit.models import AuditEvent
from constitution.settings import Settings
from constitution.votes.models import Ballot
from constitution.votes.records import verify_envelope
from tests import factories
from tests.factories import make_member, small_body

SLUG = "small-draft"


class Api(factories.Api):
    def __init__(self, client: TestClient, member: Member) -> None:
        super().__init__(client, factories.api_token(client, member))
        self.member = member
        self.id = member.id

    def ok(self, path: str, body: Any = None, status: int = 200) -> Any:
        response = self.post(path, body)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def read(self, path: str) -> Any:
        response = self.get(path)
        assert response.status_code == 200, response.text
        return response.json()


@dataclass
class Hall:
    db: Session
    chair: Api
    editor: Api
    members: list[Api] = field(default_factory=list)

    def sitting(self, title: str = "First sitting", fraction: float = 0.5) -> int:
        body = {"title": title, "quorum": {"base": "members", "fraction": fraction}}
        sitting = self.chair.ok("/api/v1/sittings", body, 201)
        assert sitting["status"] == "planned"
        self.chair.ok(f"/api/v1/sittings/{sitting['id']}/open")
        return int(sitting["id"])

    def check_in(self, sitting: int, *apis: Api) -> None:
        for api in apis:
            api.ok(f"/api/v1/sittings/{sitting}/attendance")

    def amendment(self, text: str = "The Union is a federal democratic union of equals.") -> int:
        proposer, *sponsors = self.members[:3]
        body = {
            "title": "Equal nations",
            "rationale": {"en": "Because."},
            "changes": [{"op": "replace", "key": "art-1", "text": {"en": text}}],
        }
        amendment = proposer.ok(f"/api/v1/documents/{SLUG}/amendments", body, 201)
        url = f"/api/v1/amendments/{amendment['id']}"
        for sponsor in sponsors:
            sponsor.ok(f"{url}/sponsor")
        proposer.ok(f"{url}/submit")
        return int(amendment["id"])

    def poll(self, sitting: int, **body: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.chair.ok(f"/api/v1/sittings/{sitting}/polls", body, 201)
        return result

    def vote(self, api: Api, poll: int, choice: str, **extra: Any) -> Any:
        return api.ok(f"/api/v1/polls/{poll}/votes", {"choice": choice, **extra})


@pytest.fixture
def hall(client: TestClient, db: Session, settings: Settings) -> Hall:
    return make_hall(client, db, settings)


def make_hall(client: TestClient, db: Session, settings: Settings) -> Hall:
    """A chair, the secretariat, five members and the small draft."""
    chair = make_member(db, settings, "chair", ["member", "chair"])
    editor = make_member(db, settings, "secretariat", ["member", "secretariat"])
    members = [make_member(db, settings, f"m{i}") for i in range(5)]
    editor_api = Api(client, editor)
    response = editor_api.post("/api/v1/documents", small_body(SLUG))
    assert response.status_code == 201, response.text
    return Hall(
        db=db,
        chair=Api(client, chair),
        editor=editor_api,
        members=[Api(client, m) for m in members],
    )


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


# ---- sittings, attendance, quorum ------------------------------------------------------


def test_a_sitting_counts_who_is_present_and_whether_the_quorum_is_met(hall: Hall) -> None:
    sitting = hall.sitting(fraction=0.5)  # 7 voting members: 4 make the quorum
    url = f"/api/v1/sittings/{sitting}"
    state = hall.chair.read(url)
    assert (state["present"], state["members"], state["quorum_met"]) == (0, 7, False)
    hall.check_in(sitting, hall.chair, *hall.members[:2])
    assert hall.chair.read(url)["present"] == 3
    assert hall.chair.read(url)["quorum_met"] is False
    hall.check_in(sitting, hall.members[2])
    hall.check_in(sitting, hall.members[2])  # twice changes nothing
    state = hall.chair.read(url)
    assert (state["present"], state["quorum_met"]) == (4, True)
    response = hall.members[2].delete(f"{url}/attendance")
    assert response.status_code == 200
    assert response.json()["present"] == 3


def test_only_a_chair_plans_opens_and_closes_sittings(hall: Hall) -> None:
    response = hall.members[0].post("/api/v1/sittings", {"title": "Mine"})
    error_of(response, 403, "not_chair")
    sitting = hall.sitting()
    error_of(hall.members[0].post(f"/api/v1/sittings/{sitting}/close"), 403, "not_chair")


@pytest.mark.parametrize(
    "quorum",
    [{"fraction": 0}, {"fraction": 1.5}, {"fraction": "half"}, {"base": "present"}, [], {"x": 1}],
)
def test_a_bad_quorum_is_refused(hall: Hall, quorum: Any) -> None:
    response = hall.chair.post("/api/v1/sittings", {"title": "S", "quorum": quorum})
    assert error_of(response, 422)["field"] == "quorum"


@pytest.mark.parametrize(
    "starts_at",
    [
        # Regression: these two were a 500 (OverflowError converting them to UTC).
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+05:00",
        # Stored, this one was answered as "1-01-01T00:00:00.000000Z" (not ISO 8601).
        "0001-01-01T00:00:00Z",
        "2026-13-01T08:00:00Z",
        "tomorrow",
        20261201,
    ],
)
def test_a_bad_starting_time_is_refused(hall: Hall, starts_at: Any) -> None:
    response = hall.chair.post("/api/v1/sittings", {"title": "S", "starts_at": starts_at})
    assert error_of(response, 422)["field"] == "starts_at"
    assert hall.chair.read("/api/v1/sittings") == []


def test_a_starting_time_is_kept_in_utc(hall: Hall) -> None:
    body = {"title": "S", "starts_at": "2026-12-01T14:30:00+06:30"}
    sitting = hall.chair.ok("/api/v1/sittings", body, 201)
    assert sitting["starts_at"] == "2026-12-01T08:00:00.000000Z"


# ---- polls: creating, the agenda --------------------------------------------------------


def test_a_poll_schedules_its_amendment_and_removing_it_returns_the_amendment(hall: Hall) -> None:
    amendment = hall.amendment()
    sitting = hall.sitting()
    poll = hall.poll(sitting, amendment=amendment, majority="simple", base="cast")
    assert poll["status"] == "created"
    assert hall.chair.read(f"/api/v1/amendments/{amendment}")["status"] == "scheduled"
    assert hall.chair.read(f"/api/v1/sittings/{sitting}")["polls"] == [poll["id"]]
    response = hall.chair.delete(f"/api/v1/polls/{poll['id']}")
    assert response.status_code == 204
    assert hall.chair.read(f"/api/v1/amendments/{amendment}")["status"] == "submitted"
    assert hall.chair.get(f"/api/v1/polls/{poll['id']}").status_code == 404
    assert hall.chair.read(f"/api/v1/sittings/{sitting}")["polls"] == []


def test_the_proposer_may_withdraw_a_scheduled_amendment_until_its_poll_opens(hall: Hall) -> None:
    first, second = hall.amendment(), hall.amendment("The Union is one.")
    sitting = hall.sitting()
    hall.poll(sitting, amendment=first)
    poll = hall.poll(sitting, amendment=second)
    proposer = hall.members[0]
    proposer.ok(f"/api/v1/amendments/{first}/withdraw")
    assert hall.chair.read(f"/api/v1/amendments/{first}")["status"] == "withdrawn"
    assert hall.chair.read(f"/api/v1/sittings/{sitting}")["polls"] == [poll["id"]]
    hall.check_in(sitting, hall.chair, *hall.members)
    hall.chair.ok(f"/api/v1/polls/{poll['id']}/open")
    error_of(proposer.post(f"/api/v1/amendments/{second}/withdraw"), 409, "poll_open")
    assert hall.chair.read(f"/api/v1/amendments/{second}")["status"] == "scheduled"


@pytest.mark.parametrize(
    ("body", "field_name"),
    [
        ({}, "amendment"),
        ({"amendment": 1, "motion": {"en": "x"}}, "amendment"),
        ({"amendment": "1"}, "amendment"),
        ({"amendment": True}, "amendment"),
        ({"motion": {"en": ""}}, "motion"),
        ({"motion": {"fr": "Oui"}}, "motion.fr"),
        ({"motion": {"en": "Adopt"}, "majority": "most"}, "majority"),
        ({"motion": {"en": "Adopt"}, "base": "everyone"}, "base"),
        ({"motion": {"en": "Adopt"}, "conditions": {"group": "party"}}, "conditions"),
        ({"motion": {"en": "Adopt"}, "conditions": [{"group": "colour"}]}, "conditions"),
    ],
)
def test_a_bad_poll_is_refused_and_nothing_is_created(
    hall: Hall, body: dict[str, Any], field_name: str
) -> None:
    sitting = hall.sitting()
    response = hall.chair.post(f"/api/v1/sittings/{sitting}/polls", body)
    assert error_of(response, 422)["field"] == field_name
    assert hall.chair.read(f"/api/v1/sittings/{sitting}")["polls"] == []


def test_a_poll_on_an_amendment_not_ready_for_a_vote_is_refused(hall: Hall) -> None:
    body = {"title": "Draft", "changes": [{"op": "replace", "key": "art-1", "text": {"en": "x"}}]}
    draft = hall.members[0].ok(f"/api/v1/documents/{SLUG}/amendments", body, 201)
    sitting = hall.sitting()
    error_of(
        hall.chair.post(f"/api/v1/sittings/{sitting}/polls", {"amendment": draft["id"]}),
        409,
        "wrong_status",
    )
    response = hall.chair.post(f"/api/v1/sittings/{sitting}/polls", {"amendment": 99999})
    error_of(response, 404)


# ---- opening, voting, closing ----------------------------------------------------------


def test_opening_without_quorum_is_refused(hall: Hall) -> None:
    sitting = hall.sitting(fraction=0.5)
    poll = hall.poll(sitting, motion={"en": "Adopt revision 1 as the draft", "my": "အတည်ပြု"})
    hall.check_in(sitting, hall.members[0])
    error_of(hall.chair.post(f"/api/v1/polls/{poll['id']}/open"), 409, "no_quorum")
    assert hall.chair.read(f"/api/v1/polls/{poll['id']}")["status"] == "created"


def test_a_motion_is_voted_the_last_vote_counts_and_the_result_is_published(hall: Hall) -> None:
    sitting = hall.sitting()
    present = [hall.chair, *hall.members[:4]]
    hall.check_in(sitting, *present)
    poll = hall.poll(
        sitting, motion={"en": "Adopt revision 1"}, majority="absolute", base="present"
    )
    url = f"/api/v1/polls/{poll['id']}"
    error_of(hall.members[0].post(f"{url}/votes", {"choice": "yes"}), 409, "poll_not_open")
    opened = hall.chair.ok(f"{url}/open")
    assert (opened["status"], opened["entitled"], opened["voted"]) == ("open", 5, 0)
    first = hall.vote(hall.members[0], poll["id"], "no")
    changed = hall.vote(hall.members[0], poll["id"], "yes")
    assert changed["choice"] == "yes" and changed["receipt"] != first["receipt"]
    again = hall.vote(hall.members[0], poll["id"], "yes")  # a retried request
    assert again["receipt"] == changed["receipt"]
    hall.vote(hall.members[1], poll["id"], "yes")
    hall.vote(hall.members[2], poll["id"], "abstain")
    hall.vote(hall.chair, poll["id"], "yes")
    during = hall.members[3].read(url)
    assert during["voted"] == 4 and during["tally"] is None and during["roll_call"] is None
    # Not entitled: she was not checked in when the poll opened.
    error_of(hall.members[4].post(f"{url}/votes", {"choice": "yes"}), 403, "not_entitled")
    error_of(hall.members[0].post(f"{url}/votes", {"choice": "maybe"}), 422, "unknown_choice")
    closed = hall.chair.ok(f"{url}/close")
    assert closed["status"] == "closed"
    assert closed["tally"] == {"yes": 3, "no": 0, "abstain": 1}
    assert closed["passed"] is True  # 3 > 5 / 2
    choices = {row["member"]: row["choice"] for row in closed["roll_call"]}
    assert choices[hall.members[0].id] == "yes"
    assert choices[hall.members[3].id] is None
    error_of(hall.members[3].post(f"{url}/votes", {"choice": "no"}), 409, "poll_closed")
    error_of(hall.chair.post(f"{url}/close"), 409, "poll_closed")
    # Every version of her vote is in the chain; one ballot counts.
    hall.db.expire_all()
    cast = hall.db.scalars(select(AuditEvent).where(AuditEvent.action == "ballot.cast")).all()
    assert [e.payload["choice"] for e in cast if e.payload["member"] == hall.members[0].id] == [
        "no",
        "yes",
    ]
    ballots = hall.db.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll["id"])
    )
    assert ballots == 4


def test_a_passed_poll_adopts_and_merges_its_amendment(hall: Hall) -> None:
    new_text = "The Union is a federal democratic union of equals."
    amendment = hall.amendment(new_text)
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    poll = hall.poll(sitting, amendment=amendment)
    hall.chair.ok(f"/api/v1/polls/{poll['id']}/open")
    for api in hall.members[:3]:
        hall.vote(api, poll["id"], "yes")
    hall.vote(hall.members[3], poll["id"], "no")
    closed = hall.chair.ok(f"/api/v1/polls/{poll['id']}/close")
    assert closed["passed"] is True and closed["adopted_rev"] == 2
    adopted = hall.chair.read(f"/api/v1/amendments/{amendment}")
    assert (adopted["status"], adopted["adopted_rev"]) == ("adopted", 2)
    document = hall.chair.read(f"/api/v1/documents/{SLUG}")
    art_1 = next(p for p in document["provisions"] if p["key"] == "art-1")
    assert art_1["text"]["en"] == new_text


def test_a_rejected_amendment_is_marked_rejected(hall: Hall) -> None:
    amendment = hall.amendment()
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    poll = hall.poll(sitting, amendment=amendment, majority="two_thirds", base="cast")
    hall.chair.ok(f"/api/v1/polls/{poll['id']}/open")
    hall.vote(hall.members[0], poll["id"], "yes")
    hall.vote(hall.members[1], poll["id"], "no")
    closed = hall.chair.ok(f"/api/v1/polls/{poll['id']}/close")
    assert closed["passed"] is False and closed["adopted_rev"] is None
    assert hall.chair.read(f"/api/v1/amendments/{amendment}")["status"] == "rejected"


def test_opening_refuses_an_amendment_that_no_longer_applies(hall: Hall) -> None:
    amendment = hall.amendment("The Union is a federal democratic union of equals.")
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    poll = hall.poll(sitting, amendment=amendment)
    body = {
        "reason": "Editorial",
        "changes": [{"op": "replace", "key": "art-1", "text": {"en": "The Union is a state."}}],
    }
    hall.editor.ok(f"/api/v1/documents/{SLUG}/revisions", body, 201)
    error = error_of(hall.chair.post(f"/api/v1/polls/{poll['id']}/open"), 409)
    assert error["code"] in ("rebase_conflict", "wrong_status")
    assert hall.chair.read(f"/api/v1/polls/{poll['id']}")["status"] == "created"


def test_a_merge_failing_at_close_keeps_the_result_and_marks_the_amendment(
    hall: Hall, db: Session
) -> None:
    amendment = hall.amendment("The Union is a federal democratic union of equals.")
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    poll = hall.poll(sitting, amendment=amendment)
    hall.chair.ok(f"/api/v1/polls/{poll['id']}/open")
    for api in hall.members:
        hall.vote(api, poll["id"], "yes")
    # Another revision lands on the same words while the poll is open.
    body = {
        "reason": "Editorial",
        "changes": [{"op": "replace", "key": "art-1", "text": {"en": "The Union is a state."}}],
    }
    hall.editor.ok(f"/api/v1/documents/{SLUG}/revisions", body, 201)
    revisions_before = len(hall.chair.read(f"/api/v1/documents/{SLUG}/revisions"))
    closed = hall.chair.ok(f"/api/v1/polls/{poll['id']}/close")
    assert closed["passed"] is True and closed["adopted_rev"] is None
    assert closed["adoption_problem"]
    state = hall.chair.read(f"/api/v1/amendments/{amendment}")
    assert state["status"] == "needs_update"
    assert len(hall.chair.read(f"/api/v1/documents/{SLUG}/revisions")) == revisions_before
    art_1 = next(
        p for p in hall.chair.read(f"/api/v1/documents/{SLUG}")["provisions"] if p["key"] == "art-1"
    )
    assert art_1["text"]["en"] == "The Union is a state."


def test_a_poll_voted_down_after_a_revision_changed_its_text_closes(hall: Hall) -> None:
    # Regression: a revision landing on the amendment's words while its poll was open left
    # it needs_update, and closing the poll voted down was refused (409 wrong_status) for
    # good: the amendment could only be rejected from scheduled.
    amendment = hall.amendment("The Union is a federal democratic union of equals.")
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    poll = hall.poll(sitting, amendment=amendment)
    hall.chair.ok(f"/api/v1/polls/{poll['id']}/open")
    for api in hall.members:
        hall.vote(api, poll["id"], "no")
    body = {
        "reason": "Editorial",
        "changes": [{"op": "replace", "key": "art-1", "text": {"en": "The Union is a state."}}],
    }
    hall.editor.ok(f"/api/v1/documents/{SLUG}/revisions", body, 201)
    assert hall.chair.read(f"/api/v1/amendments/{amendment}")["status"] == "needs_update"
    closed = hall.chair.ok(f"/api/v1/polls/{poll['id']}/close")
    assert (closed["status"], closed["passed"]) == ("closed", False)
    # Voted down, it is rejected: an update cannot bring it back.
    assert hall.chair.read(f"/api/v1/amendments/{amendment}")["status"] == "rejected"


# ---- proxies ---------------------------------------------------------------------------


def test_a_proxy_is_voted_separately_shown_in_the_roll_call_and_overridden(
    hall: Hall, settings: Settings
) -> None:
    giver, holder, other = hall.members[4], hall.members[0], hall.members[1]
    sitting = hall.sitting()
    proxy = giver.ok(f"/api/v1/sittings/{sitting}/proxies", {"holder": holder.id}, 201)
    assert proxy["status"] == "requested"
    error_of(holder.post(f"/api/v1/proxies/{proxy['id']}/approve"), 403, "not_chair")
    assert hall.chair.ok(f"/api/v1/proxies/{proxy['id']}/approve")["status"] == "approved"
    hall.check_in(sitting, hall.chair, holder, other, hall.members[2])
    poll = hall.poll(sitting, motion={"en": "Adopt"})
    url = f"/api/v1/polls/{poll['id']}"
    assert hall.chair.ok(f"{url}/open")["entitled"] == 5  # four present, one by proxy
    hall.vote(holder, poll["id"], "yes")
    by_proxy = hall.vote(holder, poll["id"], "no", **{"for": giver.id})
    assert by_proxy["proxy"] == holder.id and by_proxy["member"] == giver.id
    # A forged proxy vote: she holds no proxy of the giver.
    error_of(
        other.post(f"{url}/votes", {"choice": "yes", "for": giver.id}), 403, "not_proxy_holder"
    )
    # The giver may no longer revoke: the holder has voted with it.
    error_of(giver.delete(f"/api/v1/proxies/{proxy['id']}"), 409, "proxy_used")
    # She votes herself: that overrides the proxy, and the holder cannot vote for her again.
    hall.vote(giver, poll["id"], "yes")
    response = holder.post(f"{url}/votes", {"choice": "no", "for": giver.id})
    error_of(response, 409, "voted_herself")
    closed = hall.chair.ok(f"{url}/close")
    rows = {row["member"]: row for row in closed["roll_call"]}
    assert rows[giver.id]["choice"] == "yes" and rows[giver.id]["proxy"] is None
    assert closed["tally"]["yes"] == 2


def test_proxy_refusals(hall: Hall, settings: Settings) -> None:
    a, b, c = hall.members[:3]
    sitting = hall.sitting()
    url = f"/api/v1/sittings/{sitting}/proxies"
    error_of(a.post(url, {"holder": a.id}), 422, "proxy_to_self")
    error_of(a.post(url, {"holder": 999999}), 422, "unknown_member")
    error_of(a.post(url, {"holder": "b"}), 422)
    first = a.ok(url, {"holder": c.id}, 201)
    error_of(a.post(url, {"holder": b.id}), 409, "proxy_exists")
    second = b.ok(url, {"holder": c.id}, 201)
    hall.chair.ok(f"/api/v1/proxies/{first['id']}/approve")
    # PROXY_LIMIT is 1: she holds one already.
    error_of(hall.chair.post(f"/api/v1/proxies/{second['id']}/approve"), 409, "proxy_limit")
    error_of(hall.chair.post(f"/api/v1/proxies/{first['id']}/refuse"), 409, "proxy_decided")
    # Only the giver revokes (to anyone else, her proxy does not exist).
    assert c.delete(f"/api/v1/proxies/{first['id']}").status_code == 404
    assert a.delete(f"/api/v1/proxies/{first['id']}").status_code == 204
    assert hall.chair.ok(f"/api/v1/proxies/{second['id']}/approve")["status"] == "approved"


# ---- the signed record -----------------------------------------------------------------


def test_the_record_is_signed_and_verifies_offline(hall: Hall) -> None:
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members)
    poll = hall.poll(sitting, motion={"en": "Adopt", "my": "အတည်ပြု"})
    url = f"/api/v1/polls/{poll['id']}"
    error_of(hall.chair.get(f"{url}/record"), 409, "poll_not_closed")
    hall.chair.ok(f"{url}/open")
    receipt = hall.vote(hall.members[0], poll["id"], "yes")["receipt"]
    hall.vote(hall.members[1], poll["id"], "no")
    closed = hall.chair.ok(f"{url}/close")
    envelope = hall.members[2].read(f"{url}/record")
    key = hall.members[2].read("/api/v1/public-key")
    assert envelope["public_key"] == key["public_key"]
    verify_envelope(envelope, key["public_key"])
    record = envelope["record"]
    assert receipt in record["receipts"]
    assert record["tally"] == closed["tally"] and record["passed"] is False
    assert sorted(record["entitled"]) == sorted([hall.chair.id, *(m.id for m in hall.members)])
    assert record["chain_head"]
    assert closed["record_hash"]
    base64.b64decode(envelope["signature"])
    json.dumps(record)
