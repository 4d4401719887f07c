"""The sample loader and the service it creates its members with."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.accounts.models import Committee, Member
from constitution.accounts.passwords import check_password
from constitution.accounts.services import create_member
from constitution.audit.models import AuditEvent
from constitution.audit.services import verify
from constitution.errors import Forbidden, StateConflict
from constitution.sample import SAMPLE_MEMBERS, load_sample
from constitution.settings import Settings
from tests.factories import PASSWORD, make_member


def test_sample_members_roles_second_factors_and_audit(db: Session, settings: Settings) -> None:
    report = load_sample(db, settings)
    members = list(db.scalars(select(Member).order_by(Member.id)))
    assert [(m.username, m.display_name, m.roles, m.groups) for m in members] == [
        (username, display, roles, groups) for username, display, roles, groups in SAMPLE_MEMBERS
    ]
    for member in members:
        office_holder = len(member.roles) > 1
        assert bool(member.totp_secret) is office_holder
        assert member.totp_confirmed is office_holder
        assert member.active and member.language == "my"
        password = report.split(f"  {member.username:12} ")[1].split()[0]
        assert check_password(settings, member.password_hash, password)
    committees = {c.name: c for c in db.scalars(select(Committee))}
    ids = {m.username: m.id for m in members}
    rights = committees["Committee on Fundamental Rights"]
    assert sorted(m.member_id for m in rights.members) == [ids["nandar"], ids["mon"]]
    events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    created = [e for e in events if e.action == "member.created"]
    # Each also records the member's state ("states"), as every event on a member does.
    assert [(e.actor_id, e.object, e.payload.keys() - {"states"}) for e in created] == [
        (None, f"member:{ids[u]}", {"username", "roles", "via"})
        for u, _display, roles, _groups in SAMPLE_MEMBERS
    ]
    assert [(e.payload["username"], e.payload["roles"], e.payload["via"]) for e in created] == [
        (u, roles, "sample") for u, _display, roles, _groups in SAMPLE_MEMBERS
    ]
    assert [e.action for e in events[len(created) :]][:2] == ["committee.created"] * 2
    assert verify(db).ok
    assert "no sample loaded" in load_sample(db, settings)


def test_create_member_is_for_admins_and_refuses_a_taken_username(
    db: Session, settings: Settings
) -> None:
    admin = make_member(db, settings, "root", ["member", "admin"])
    plain = make_member(db, settings, "plain")
    fields = {"display_name": "Thida", "password": PASSWORD, "roles": ["chair"], "via": "test"}
    with pytest.raises(Forbidden):
        create_member(db, settings, username="thida", actor=plain, **fields)
    member = create_member(db, settings, username="Thida", actor=admin, **fields)
    assert (member.username, member.roles, member.totp_secret) == (
        "thida",
        ["member", "chair"],
        None,
    )
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None and event.actor_id == admin.id
    with pytest.raises(StateConflict):
        create_member(db, settings, username="thida", **fields)


def test_reset_passwords_gives_the_sample_members_fresh_ones(
    db: Session, settings: Settings
) -> None:
    from constitution.accounts.models import AuthSession
    from constitution.accounts.sessions import start_session

    first = load_sample(db, settings)
    nandar = db.scalar(select(Member).where(Member.username == "nandar"))
    assert nandar is not None
    start_session(db, nandar)
    old = first.split("  nandar       ")[1].split()[0]
    report = load_sample(db, settings, reset_passwords=True)
    assert "fresh passwords" in report
    fresh = report.split("  nandar       ")[1].split()[0]
    assert fresh != old
    db.expire_all()
    assert check_password(settings, nandar.password_hash, fresh)
    assert not check_password(settings, nandar.password_hash, old)
    assert db.scalar(select(AuthSession).where(AuthSession.member_id == nandar.id)) is None
    assert "otp admin" in report
    events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "member.password_set")))
    assert len(events) == len(SAMPLE_MEMBERS)
    assert all(e.actor_id is None and e.payload["via"] == "sample" for e in events)
    assert verify(db).ok
    # Without the flag, a second run changes nothing and says how to get fresh ones.
    assert "--reset-passwords" in load_sample(db, settings)
