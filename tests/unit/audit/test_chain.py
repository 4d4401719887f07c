"""The audit chain: record() links events, verify() names the first one that does not hold.

To tamper with a row a test first drops the append-only triggers, as an attacker with
access to the database would; the test's transaction rolls the triggers back afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pyotp
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.accounts import committees, services, sessions
from constitution.audit.models import AuditEvent, AuditHead
from constitution.audit.services import GENESIS, current_states, record, verify
from tests.factories import (
    PASSWORD,
    api_token,
    bearer,
    drop_append_only_triggers,
    login,
    make_member,
    post_form,
)


def expected_hash(prev: str, event: AuditEvent) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the event, as documented."""
    body = {
        "seq": event.seq,
        "at": event.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": event.actor_id,
        "action": event.action,
        "object": event.object,
        "payload": event.payload,
    }
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{canonical}".encode()).hexdigest()


def head(db: Session) -> AuditHead:
    row = db.get(AuditHead, 1)
    assert row is not None
    db.refresh(row)
    return row


def actions_since(db: Session, seq: int) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)
    return list(db.scalars(query))


@pytest.fixture
def chain(db: Session, settings) -> list[AuditEvent]:
    """Five events after whatever the chain already holds."""
    aye = make_member(db, settings, "aye")
    events = [
        record(db, "test.one", "thing:1", actor_id=aye.id, payload={"n": 1}),
        record(db, "test.two", "thing:2", actor_id=None, payload={"ဘာသာ": "မြန်မာ"}),
        record(db, "test.three", "thing:3", actor_id=aye.id),
        record(db, "test.four", "thing:4", actor_id=aye.id, payload={"list": [1, "a", None]}),
        record(db, "test.five", "thing:5", actor_id=None, payload={"b": 2, "a": {"z": 1, "y": 0}}),
    ]
    db.commit()
    return events


# ---- recording --------------------------------------------------------------------------


def test_record_links_each_event_to_the_one_before(db: Session, settings) -> None:
    before = head(db)
    start_seq, start_hash = before.seq, before.hash
    first = record(db, "test.first", "thing:1", actor_id=None, payload={"b": 1, "a": [2, 3]})
    second = record(db, "test.second", "thing:2", actor_id=None)
    assert first.seq == start_seq + 1
    assert second.seq == first.seq + 1
    assert first.prev_hash == start_hash
    assert second.prev_hash == first.hash
    assert first.hash == expected_hash(start_hash, first)
    assert second.hash == expected_hash(first.hash, second)
    assert second.payload == {}
    assert (head(db).seq, head(db).hash) == (second.seq, second.hash)
    if start_seq == 0:
        assert start_hash == GENESIS


def test_stored_events_hash_the_same_after_a_round_trip(db: Session, chain) -> None:
    db.expire_all()
    stored = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    for event in stored:
        assert event.hash == expected_hash(event.prev_hash, event)
        assert event.at.tzinfo is not None
    assert stored[-1].payload == {"a": {"y": 0, "z": 1}, "b": 2}


def test_payload_is_stored_as_canonical_json(db: Session) -> None:
    event = record(db, "test.payload", "thing:1", actor_id=None, payload={"t": (1, 2)})
    assert event.payload == {"t": [1, 2]}
    with pytest.raises(TypeError):
        record(db, "test.payload", "thing:1", actor_id=None, payload={"when": object()})


# ---- verifying --------------------------------------------------------------------------


def test_verify_passes_on_an_intact_chain(db: Session, chain) -> None:
    result = verify(db)
    assert result.ok, result
    assert result.checked == chain[-1].seq
    assert result.failed_seq is None


def _alter(db: Session, seq: int, **values: Any) -> None:
    drop_append_only_triggers(db)
    db.execute(
        update(AuditEvent)
        .where(AuditEvent.seq == seq)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.expire_all()


@pytest.mark.parametrize("what", ["payload", "actor", "action", "object", "time", "prev_hash"])
def test_verify_names_an_altered_event(db: Session, chain, what: str) -> None:
    target = chain[2]
    changes = {
        "payload": {"payload": {"n": 2}},
        "actor": {"actor_id": None},
        "action": {"action": "test.other"},
        "object": {"object": "thing:99"},
        "time": {"at": target.at + dt.timedelta(seconds=1)},
        "prev_hash": {"prev_hash": "f" * 64},
    }[what]
    _alter(db, target.seq, **changes)
    result = verify(db)
    assert not result.ok
    assert result.failed_seq == target.seq, result
    assert result.checked == target.seq - 1


def test_verify_names_the_event_after_one_rewritten_with_a_matching_hash(
    db: Session, chain
) -> None:
    target = chain[1]
    forged = AuditEvent(
        seq=target.seq,
        at=target.at,
        actor_id=target.actor_id,
        action=target.action,
        object=target.object,
        payload={"ဘာသာ": "forged"},
        prev_hash=target.prev_hash,
        hash="",
    )
    _alter(db, target.seq, payload=forged.payload, hash=expected_hash(target.prev_hash, forged))
    result = verify(db)
    assert not result.ok
    assert result.failed_seq == target.seq + 1, result


def test_verify_names_the_last_event_rewritten_with_a_matching_hash(db: Session, chain) -> None:
    last = chain[-1]
    forged = AuditEvent(
        seq=last.seq,
        at=last.at,
        actor_id=last.actor_id,
        action=last.action,
        object=last.object,
        payload={"forged": True},
        prev_hash=last.prev_hash,
        hash="",
    )
    _alter(db, last.seq, payload=forged.payload, hash=expected_hash(last.prev_hash, forged))
    result = verify(db)
    assert not result.ok
    assert result.failed_seq == last.seq, result


@pytest.mark.parametrize("which", [0, 2, -1])
def test_verify_names_a_deleted_event(db: Session, chain, which: int) -> None:
    target = chain[which]
    drop_append_only_triggers(db)
    db.execute(delete(AuditEvent).where(AuditEvent.seq == target.seq))
    db.expire_all()
    result = verify(db)
    assert not result.ok
    assert result.failed_seq == target.seq, result


@pytest.mark.parametrize("what", ["hash", "seq_behind", "seq_ahead"])
def test_verify_fails_when_the_head_row_is_altered(db: Session, chain, what: str) -> None:
    last = chain[-1]
    changes, named = {
        "hash": ({"hash": "e" * 64}, last.seq),
        "seq_behind": ({"seq": last.seq - 2}, last.seq - 1),
        "seq_ahead": ({"seq": last.seq + 1}, last.seq + 1),
    }[what]
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(**changes))
    db.expire_all()
    result = verify(db)
    assert not result.ok
    assert result.failed_seq == named, result
    assert "head" in result.reason


def test_verify_fails_when_the_head_row_is_deleted(db: Session, chain) -> None:
    db.execute(delete(AuditHead))
    db.expire_all()
    result = verify(db)
    assert not result.ok
    assert result.failed_seq == chain[-1].seq + 1
    assert "head" in result.reason


def test_verify_runs_the_row_checks_of_other_parts(db: Session, chain, monkeypatch) -> None:
    from constitution.audit import services as audit_services

    seen: list[int] = []

    def check(_db: Session, event: AuditEvent) -> str | None:
        seen.append(event.seq)
        return "the row does not match" if event.seq == chain[3].seq else None

    monkeypatch.setitem(audit_services.ROW_CHECKS, "test.four", check)
    monkeypatch.setitem(audit_services.ROW_CHECKS, "test.two", check)
    result = verify(db)
    assert seen == [chain[1].seq, chain[3].seq]
    assert (result.ok, result.failed_seq, result.reason) == (
        False,
        chain[3].seq,
        "the row does not match",
    )


def test_triggers_refuse_update_and_delete(db: Session, chain) -> None:
    statements = [
        update(AuditEvent).where(AuditEvent.seq == chain[0].seq).values(payload={"n": 9}),
        update(AuditEvent).values(action="test.everything"),
        delete(AuditEvent).where(AuditEvent.seq == chain[-1].seq),
        delete(AuditEvent),
    ]
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(statement.execution_options(synchronize_session=False))
    db.expire_all()
    assert verify(db).ok


# ---- every account event is recorded ----------------------------------------------------


def test_account_services_record_each_event(db: Session, settings) -> None:
    start = head(db).seq
    admin = services.create_admin(db, settings, "admin", PASSWORD)
    issued = services.invite(
        db, settings, admin, username="thida", display_name="Thida", roles=["member"]
    )
    thida = services.accept_invitation(db, settings, issued.token, PASSWORD)
    other = services.invite(db, settings, admin, username="hla", display_name="Hla", roles=None)
    services.revoke_invitation(db, admin, other.invitation.id)
    session, _raw = sessions.start_session(db, thida)
    sessions.end_session(db, session)
    sessions.start_session(db, thida)
    sessions.end_all_sessions(db, thida)
    raw = sessions.issue_token(db, settings, thida)
    token = sessions.load_token(db, raw)
    assert token is not None
    sessions.revoke_token(db, token)
    secret, _uri = sessions.totp_begin(db, thida)
    sessions.totp_confirm(db, settings, thida, pyotp.TOTP(secret).now())
    services.update_member(db, admin, thida, roles=["member", "chair"])
    services.update_member(db, admin, thida, roles=["member", "chair"])  # no change: no event
    committee = committees.save_committee(
        db, admin, name="Federalism", members=[thida.id], provisions=["art-1"]
    )
    committees.save_committee(
        db, admin, name="Federalism", members=[], provisions=["art-1"], committee=committee
    )
    services.set_language(db, thida, "en")

    events = db.scalars(
        select(AuditEvent).where(AuditEvent.seq > start).order_by(AuditEvent.seq)
    ).all()
    assert [(e.action, e.object, e.actor_id) for e in events] == [
        ("member.created", f"member:{admin.id}", None),
        ("invitation.created", f"invitation:{issued.invitation.id}", admin.id),
        ("invitation.accepted", f"invitation:{issued.invitation.id}", thida.id),
        ("member.created", f"member:{thida.id}", thida.id),
        ("invitation.created", f"invitation:{other.invitation.id}", admin.id),
        ("invitation.revoked", f"invitation:{other.invitation.id}", admin.id),
        ("session.started", f"member:{thida.id}", thida.id),
        ("session.ended", f"member:{thida.id}", thida.id),
        ("session.started", f"member:{thida.id}", thida.id),
        ("session.ended_everywhere", f"member:{thida.id}", thida.id),
        ("token.issued", f"member:{thida.id}", thida.id),
        ("token.revoked", f"member:{thida.id}", thida.id),
        ("member.totp_started", f"member:{thida.id}", thida.id),
        ("member.totp_confirmed", f"member:{thida.id}", thida.id),
        ("member.updated", f"member:{thida.id}", admin.id),
        ("committee.created", f"committee:{committee.id}", admin.id),
        ("committee.updated", f"committee:{committee.id}", admin.id),
        ("member.language_set", f"member:{thida.id}", thida.id),
    ]
    assert events[14].payload == {
        "roles": {"from": ["member"], "to": ["member", "chair"]},
        "states": {
            f"member:{thida.id}": current_states(db, [f"member:{thida.id}"])[f"member:{thida.id}"]
        },
    }
    assert events[9].payload["count"] == 1
    # Nothing secret is written into the chain.
    written = json.dumps([e.payload for e in events])
    assert PASSWORD not in written and secret not in written and raw not in written
    assert verify(db).ok


def test_a_journey_over_http_records_each_event_and_refusals_record_none(
    client: TestClient, db: Session, settings
) -> None:
    admin = make_member(db, settings, "admin", ["member", "admin"])
    aye = make_member(db, settings, "aye")
    start = head(db).seq

    login(client, aye)  # session.started
    post_form(client, "/account", "/logout", {})  # session.ended
    login(client, aye)  # session.started
    post_form(client, "/account", "/logout/everywhere", {})  # session.ended_everywhere
    token = api_token(client, aye)  # token.issued
    assert client.delete("/api/v1/tokens/current", headers=bearer(token)).status_code == 204
    admin_headers = bearer(api_token(client, admin))  # token.issued
    body = {"username": "thida", "display_name": "Thida", "roles": ["member"]}
    invitation = client.post("/api/v1/invitations", json=body, headers=admin_headers).json()
    accept = {"token": invitation["token"], "password": PASSWORD}
    assert client.post("/api/v1/invitations/accept", json=accept).status_code == 201
    checkpoint = head(db).seq
    # Refused requests change nothing, in the chain as elsewhere.
    assert client.post("/api/v1/invitations/accept", json=accept).status_code == 409
    assert client.post("/api/v1/invitations", json=body, headers=admin_headers).status_code == 409
    patch = {"roles": ["queen"]}
    url = f"/api/v1/members/{aye.id}"
    assert client.patch(url, json=patch, headers=admin_headers).status_code == 422
    assert head(db).seq == checkpoint
    assert client.patch(url, json={"active": False}, headers=admin_headers).status_code == 200

    assert actions_since(db, start) == [
        "session.started",
        "session.ended",
        "session.started",
        "session.ended_everywhere",
        "token.issued",
        "token.revoked",
        "token.issued",
        "invitation.created",
        "invitation.accepted",
        "member.created",
        "member.updated",
    ]
    assert verify(db).ok
