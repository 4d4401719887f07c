"""The audit covers every row that matters: after a broad scenario through the API the chain
and every covered row verify, and each edit made straight in the database afterwards
(an attacker's, with the append-only triggers dropped where needed) is caught, naming the
row and the event whose recorded state it no longer matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts.models import Committee, CommitteeMember, CommitteeProvision, Member
from constitution.amendments import services as amendment_services
from constitution.amendments.models import Amendment, AmendmentChange
from constitution.audit.models import AuditEvent, AuditHead
from constitution.audit.services import STATES_KEY, current_states, verify
from constitution.comments.models import Comment
from constitution.settings import Settings
from constitution.texts.models import Revision
from tests.factories import PASSWORD, cut_chain, rewrite_chain
from tests.functional.test_api_amendments import (
    ART_1_MY,
    Api,
    People,
    build_people,
    replace_en,
)


@dataclass
class Scenario:
    people: People
    admin: Api
    thida: int  # invited, made a chair, then disabled
    committee: int  # created through the API
    adopted: int  # recommended with a substitute, adopted into the text
    recommended: int  # recommended to reject, not voted on yet
    rewritten: int  # needed an update after an editorial revision, rewritten
    withdrawn: int
    comment: int  # on the rewritten amendment
    hidden: int  # hidden by the chair
    revision: int  # the adoption's revision


def last_state_event(db: Session, obj: str) -> int:
    """The newest event that records the state of ``obj``."""
    seqs = [
        e.seq
        for e in db.scalars(select(AuditEvent).order_by(AuditEvent.seq))
        if obj in e.payload.get(STATES_KEY, {})
    ]
    assert seqs, f"no event records {obj}"
    return seqs[-1]


def run_scenario(client: TestClient, db: Session, settings: Settings) -> Scenario:
    """Members, committees, amendments through their states, comments, revisions."""
    people = build_people(client, db, settings)
    admin = Api(client, people.admin)

    # An invited member, made a chair, then disabled.
    body = {"username": "thida", "display_name": "Thida", "roles": ["member"]}
    issued = admin.ok("/api/v1/invitations", body, 201)
    accepted = client.post(
        "/api/v1/invitations/accept", json={"token": issued["token"], "password": PASSWORD}
    )
    assert accepted.status_code == 201, accepted.text
    thida = accepted.json()["member"]["id"]
    url = f"/api/v1/members/{thida}"
    for patch in ({"roles": ["member", "chair"]}, {"active": False}):
        assert client.patch(url, json=patch, headers=admin.headers).status_code == 200
    committee = admin.ok(
        "/api/v1/committees",
        {"name": "Rights", "members": [people.su.id], "provisions": ["art-2"]},
        201,
    )["id"]

    # Proposed, co-sponsored, submitted, recommended with a substitute, adopted.
    adopted = people.sponsored(replace_en(), submit=True)["id"]
    substitute = {"my": ART_1_MY, "en": "The Union is a federal democratic state of equals."}
    people.reviewer.ok(
        f"/api/v1/amendments/{adopted}/recommendation",
        {"recommendation": "modify", "note": "Shorter.", "text": substitute},
    )
    revision = people.adopt(adopted)
    # Recommended, and left there.
    recommended = people.sponsored(replace_en("The Union is free."), submit=True)["id"]
    people.reviewer.ok(
        f"/api/v1/amendments/{recommended}/recommendation",
        {"recommendation": "reject", "note": "Not needed."},
    )

    # Overtaken by an editorial revision of the same words, then rewritten by its proposer.
    art_2 = {"op": "replace", "key": "art-2", "text": {"en": "Members are elected freely."}}
    rewritten = people.aye.propose(art_2, title="Free elections")["id"]
    people.edit({"op": "replace", "key": "art-2", "text": {"en": "Members are chosen."}})
    people.db.expire_all()
    assert people.aye.amendment(rewritten)["status"] == "needs_update"
    again = {"op": "replace", "key": "art-2", "text": {"en": "Members are chosen freely."}}
    people.aye.ok(f"/api/v1/amendments/{rewritten}/changes", {"changes": [again], "title": "Free"})

    withdrawn = people.sponsored(replace_en("The Union is one."))["id"]
    people.aye.ok(f"/api/v1/amendments/{withdrawn}/withdraw")

    comments = f"/api/v1/amendments/{rewritten}/comments"
    comment = people.su.ok(comments, {"body": "Agreed."}, 201)["id"]
    hidden = people.mya.ok(comments, {"body": "Something rude."}, 201)["id"]
    people.chair.ok(f"/api/v1/comments/{hidden}/hide", {"reason": "Rude."})
    db.expire_all()
    return Scenario(
        people,
        admin,
        thida,
        committee,
        adopted,
        recommended,
        rewritten,
        withdrawn,
        comment,
        hidden,
        revision.id,
    )


@pytest.fixture
def scenario(client: TestClient, db: Session, settings: Settings) -> Scenario:
    return run_scenario(client, db, settings)


def test_the_scenario_verifies_and_records_every_covered_row(
    scenario: Scenario, db: Session
) -> None:
    result = verify(db)
    assert result.ok, result
    # The scenario touched each covered kind, and each row's last event holds its state.
    for obj in (
        f"member:{scenario.thida}",
        f"committee:{scenario.committee}",
        f"amendment:{scenario.adopted}",
        f"amendment:{scenario.recommended}",
        f"amendment:{scenario.rewritten}",
        f"comment:{scenario.hidden}",
        f"revision:{scenario.revision}",
    ):
        event = db.get_one(AuditEvent, last_state_event(db, obj))
        assert event.payload[STATES_KEY][obj] == current_states(db, [obj])[obj]
    statuses = {
        a.id: str(a.status)
        for a in db.scalars(select(Amendment).where(Amendment.id.in_([scenario.adopted])))
    }
    assert statuses == {scenario.adopted: "adopted"}


Tamper = Callable[[Session, Scenario], str]


def grant_admin(db: Session, s: Scenario) -> str:
    roles = '["member", "admin"]'
    db.execute(
        text("UPDATE members SET roles = :r WHERE id = :i"), {"r": roles, "i": s.people.aye.id}
    )
    return f"member:{s.people.aye.id}"


def enable_member(db: Session, s: Scenario) -> str:
    db.execute(update(Member).where(Member.id == s.thida).values(active=True))
    return f"member:{s.thida}"


def rename_member(db: Session, s: Scenario) -> str:
    db.execute(text("UPDATE members SET display_name = 'Mallory' WHERE id = :i"), {"i": s.thida})
    return f"member:{s.thida}"


def drop_second_factor(db: Session, s: Scenario) -> str:
    db.execute(
        update(Member)
        .where(Member.id == s.people.chair.id)
        .values(totp_secret=None, totp_confirmed=False)
    )
    return f"member:{s.people.chair.id}"


def rewrite_comment(db: Session, s: Scenario) -> str:
    db.execute(text("UPDATE comments SET body = 'I disagree.' WHERE id = :i"), {"i": s.comment})
    return f"comment:{s.comment}"


def unhide_comment(db: Session, s: Scenario) -> str:
    db.execute(
        update(Comment)
        .where(Comment.id == s.hidden)
        .values(hidden_at=None, hidden_by_id=None, hidden_reason=None)
    )
    return f"comment:{s.hidden}"


def change_hide_reason(db: Session, s: Scenario) -> str:
    db.execute(update(Comment).where(Comment.id == s.hidden).values(hidden_reason="Off topic."))
    return f"comment:{s.hidden}"


def retitle_amendment(db: Session, s: Scenario) -> str:
    db.execute(text("UPDATE amendments SET title = 'Other' WHERE id = :i"), {"i": s.rewritten})
    return f"amendment:{s.rewritten}"


def adopt_amendment(db: Session, s: Scenario) -> str:
    db.execute(text("UPDATE amendments SET status = 'adopted' WHERE id = :i"), {"i": s.withdrawn})
    return f"amendment:{s.withdrawn}"


def change_changes(db: Session, s: Scenario) -> str:
    db.execute(
        update(AmendmentChange)
        .where(AmendmentChange.amendment_id == s.rewritten)
        .values(text={"en": "Members are appointed."})
    )
    return f"amendment:{s.rewritten}"


def change_recommendation(db: Session, s: Scenario) -> str:
    statement = "UPDATE amendments SET recommendation = 'adopt' WHERE id = :i"
    db.execute(text(statement), {"i": s.recommended})
    return f"amendment:{s.recommended}"


def add_sponsor(db: Session, s: Scenario) -> str:
    statement = (
        "INSERT INTO amendment_sponsors (amendment_id, member_id, created_at) "
        "VALUES (:a, :m, '2026-01-01 00:00:00')"
    )
    db.execute(text(statement), {"a": s.rewritten, "m": s.people.chair.id})
    return f"amendment:{s.rewritten}"


def change_reason(db: Session, s: Scenario) -> str:
    db.execute(text("UPDATE revisions SET reason = 'Typo' WHERE id = :i"), {"i": s.revision})
    return f"revision:{s.revision}"


def change_author(db: Session, s: Scenario) -> str:
    db.execute(update(Revision).where(Revision.id == s.revision).values(author_id=s.people.aye.id))
    return f"revision:{s.revision}"


def unlink_amendment(db: Session, s: Scenario) -> str:
    db.execute(update(Revision).where(Revision.id == s.revision).values(amendment_id=None))
    return f"revision:{s.revision}"


def backdate_revision(db: Session, s: Scenario) -> str:
    revision = db.get_one(Revision, s.revision)
    earlier = revision.created_at.replace(year=revision.created_at.year - 1)
    db.execute(update(Revision).where(Revision.id == s.revision).values(created_at=earlier))
    return f"revision:{s.revision}"


def rename_committee(db: Session, s: Scenario) -> str:
    db.execute(text("UPDATE committees SET name = 'Wrongs' WHERE id = :i"), {"i": s.committee})
    return f"committee:{s.committee}"


def add_committee_member(db: Session, s: Scenario) -> str:
    db.execute(insert(CommitteeMember).values(committee_id=s.committee, member_id=s.people.aye.id))
    return f"committee:{s.committee}"


def remove_committee_provision(db: Session, s: Scenario) -> str:
    db.execute(delete(CommitteeProvision).where(CommitteeProvision.committee_id == s.committee))
    return f"committee:{s.committee}"


def insert_committee(db: Session, s: Scenario) -> str:
    when = db.get_one(Committee, s.committee).created_at
    db.execute(insert(Committee).values(id=9999, name="Secret", created_at=when))
    return "committee:9999"


def delete_comment(db: Session, s: Scenario) -> str:
    db.execute(text("DELETE FROM notifications WHERE comment_id = :i"), {"i": s.comment})
    db.execute(delete(Comment).where(Comment.id == s.comment))
    return f"comment:{s.comment}"


TAMPERINGS: dict[str, Tamper] = {
    "grant admin": grant_admin,
    "enable a disabled member": enable_member,
    "rename a member": rename_member,
    "drop a second factor": drop_second_factor,
    "rewrite a comment": rewrite_comment,
    "unhide a comment": unhide_comment,
    "change a hide reason": change_hide_reason,
    "retitle an amendment": retitle_amendment,
    "mark an amendment adopted": adopt_amendment,
    "change an amendment's changes": change_changes,
    "change a recommendation": change_recommendation,
    "add a sponsor": add_sponsor,
    "change a revision's reason": change_reason,
    "change a revision's author": change_author,
    "unlink a revision's amendment": unlink_amendment,
    "backdate a revision": backdate_revision,
    "rename a committee": rename_committee,
    "add a committee member": add_committee_member,
    "remove a committee's provisions": remove_committee_provision,
    "insert a committee": insert_committee,
    "delete a comment": delete_comment,
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_an_edited_row_is_caught(scenario: Scenario, db: Session, name: str) -> None:
    obj = TAMPERINGS[name](db, scenario)
    db.expire_all()
    result = verify(db)
    assert not result.ok
    assert result.object == obj, result
    if obj.endswith(":9999"):
        assert (result.failed_seq, result.reason) == (
            None,
            "no event records the state of this row",
        )
    else:
        assert result.failed_seq == last_state_event(db, obj), result


def test_deleting_the_last_event_and_moving_the_head_back_is_caught(
    scenario: Scenario, db: Session
) -> None:
    """Admin granted through the API, then its event cut off the end: the member's row no
    longer matches the state her previous event recorded."""
    aye = scenario.people.aye.id
    patch = {"roles": ["member", "admin"]}
    client = scenario.admin.client
    assert (
        client.patch(f"/api/v1/members/{aye}", json=patch, headers=scenario.admin.headers)
    ).status_code == 200
    db.expire_all()
    assert verify(db).ok
    granted = last_state_event(db, f"member:{aye}")
    assert db.get_one(AuditHead, 1).seq == granted
    cut_chain(db)
    result = verify(db)
    assert not result.ok
    assert result.object == f"member:{aye}"
    assert result.failed_seq == last_state_event(db, f"member:{aye}") < granted


def test_a_row_edit_hidden_by_a_recomputed_chain_passes_plain_verify(
    scenario: Scenario, db: Session
) -> None:
    """The limit of a bare chain, which only a checkpoint overcomes (see test_checkpoints):
    the row edited, the state in its last event rewritten to match, every later hash
    recomputed."""
    obj = grant_admin(db, scenario)
    seq = last_state_event(db, obj)
    event = db.get_one(AuditEvent, seq)
    states = {**event.payload[STATES_KEY], **current_states(db, [obj])}
    payload = {**event.payload, STATES_KEY: states}
    rewrite_chain(db, seq, payload=payload)
    assert verify(db).ok


def test_a_write_path_that_forgets_to_record_is_caught(scenario: Scenario, db: Session) -> None:
    """A change made through the ORM without an event, as a service that forgot would."""
    amendment = db.get_one(Amendment, scenario.rewritten)
    amendment.title = "Changed without an event"
    db.flush()
    result = verify(db)
    assert (result.ok, result.object) == (False, f"amendment:{scenario.rewritten}")


def test_an_adoption_into_an_amendment_records_both(scenario: Scenario, db: Session) -> None:
    """The amended amendment's texts change with its own event (amendment.amended)."""
    people = scenario.people
    art_2 = {"op": "replace", "key": "art-2", "text": {"en": "Members are chosen fairly."}}
    body = {"title": "Fairly", "changes": [art_2], "amends": scenario.rewritten}
    sub = people.su.ok("/api/v1/documents/small-draft/amendments", body, 201)["id"]
    people.aye.ok(f"/api/v1/amendments/{sub}/sponsor")
    people.mya.ok(f"/api/v1/amendments/{sub}/sponsor")
    people.su.ok(f"/api/v1/amendments/{sub}/submit")
    db.expire_all()
    chair = db.get_one(Member, people.chair.id)
    amendment = db.get_one(Amendment, sub)
    amendment_services.transition(db, amendment, "schedule", chair)
    amendment_services.adopt_into_amendment(db, chair, amendment)
    db.flush()
    assert verify(db).ok
    db.execute(
        update(AmendmentChange)
        .where(AmendmentChange.amendment_id == scenario.rewritten)
        .values(text={"en": "Members are chosen freely."})
    )
    db.expire_all()
    result = verify(db)
    assert result.object == f"amendment:{scenario.rewritten}"
