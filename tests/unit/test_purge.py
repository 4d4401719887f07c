"""Purging: expired sessions and their spent form tokens, expired invitations, expired API
and device tokens and old throttle rows go; everything still live stays. Once from the
command line (with counts), and on a schedule in the app."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constitution.accounts import services, sessions
from constitution.accounts.models import (
    ApiToken,
    AuthSession,
    DeviceToken,
    Invitation,
    LoginThrottle,
    Member,
    UsedFormToken,
)
from constitution.accounts.purge import purge
from constitution.app import purge_periodically
from constitution.db import Database, utcnow
from constitution.settings import Settings
from tests.factories import make_member

MODELS = (AuthSession, UsedFormToken, ApiToken, Invitation, DeviceToken, LoginThrottle)


def rows(db: Session) -> dict[str, int]:
    db.expire_all()
    return {
        model.__tablename__: int(db.scalar(select(func.count()).select_from(model)) or 0)
        for model in MODELS
    }


def session(db: Session, member: Member, **ages: dt.timedelta) -> AuthSession:
    row, _raw = sessions.start_session(db, member)
    now = utcnow()
    for column, age in ages.items():
        setattr(row, column, now - age)
    db.add(UsedFormToken(session_id=row.id, nonce=f"n{row.id}"))
    db.flush()
    return row


def world(db: Session, settings: Settings) -> dict[str, Any]:
    """Of each kind, one live row and one (or two) past their time."""
    admin = make_member(db, settings, "admin", ["member", "admin"])
    aye = make_member(db, settings, "aye")
    now = utcnow()
    hours, minutes = dt.timedelta(hours=1), dt.timedelta(minutes=1)
    live = session(db, aye)
    idle = session(db, aye, last_seen_at=(settings.session_idle_minutes + 1) * minutes)
    old = session(db, aye, created_at=(settings.session_absolute_hours + 1) * hours)
    # A spent form token of a live session, older than any form's signature may be.
    db.add(
        UsedFormToken(
            session_id=live.id,
            nonce="old",
            used_at=now - (settings.session_absolute_hours + 1) * hours,
        )
    )
    sessions.issue_token(db, settings, aye)
    expired_token = sessions.issue_token(db, settings, aye)
    token_row = db.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert token_row is not None and expired_token
    token_row.expires_at = now - minutes
    for name in ("open", "expired", "used"):
        services.invite(db, settings, admin, username=name, display_name=name, roles=[])
    invitations = {i.username: i for i in db.scalars(select(Invitation))}
    invitations["expired"].expires_at = now - minutes
    invitations["used"].expires_at = now - minutes
    invitations["used"].used_at = now - 2 * minutes
    sessions.issue_device(db, settings, aye)
    sessions.issue_device(db, settings, admin)
    device = db.scalars(select(DeviceToken).where(DeviceToken.member_id == admin.id)).one()
    device.created_at = now - dt.timedelta(days=settings.device_token_days + 1)
    lock = dt.timedelta(minutes=settings.login_lock_minutes)
    db.add_all(
        [
            LoginThrottle(username="locked", failures=0, locked_until=now + lock),
            LoginThrottle(username="recent", failures=2, last_failure_at=now - minutes),
            LoginThrottle(
                username="lock-over",
                failures=0,
                locked_until=now - minutes,
                last_failure_at=now - lock - minutes,
            ),
            LoginThrottle(username="reset", failures=0),
        ]
    )
    db.commit()
    return {"live": live.id, "idle": idle.id, "old": old.id}


EXPECTED = {
    "form_tokens": 3,
    "sessions": 2,
    "api_tokens": 1,
    "invitations": 1,
    "device_tokens": 1,
    "login_throttles": 2,
}


def survivors(db: Session) -> dict[str, Any]:
    db.expire_all()
    return {
        "sessions": set(db.scalars(select(AuthSession.id))),
        "form_tokens": set(db.scalars(select(UsedFormToken.nonce))),
        "invitations": set(db.scalars(select(Invitation.username))),
        "throttles": set(db.scalars(select(LoginThrottle.username))),
    }


def test_purge_deletes_what_has_expired_and_keeps_the_rest(db: Session, settings: Settings) -> None:
    ids = world(db, settings)
    before = rows(db)
    counts = purge(db, settings)
    db.commit()
    assert counts == EXPECTED
    after = rows(db)
    assert sum(before.values()) - sum(after.values()) == sum(EXPECTED.values())
    left = survivors(db)
    assert left["sessions"] == {ids["live"]}
    assert left["form_tokens"] == {f"n{ids['live']}"}
    assert left["invitations"] == {"open", "used"}
    assert left["throttles"] == {"locked", "recent"}
    # A second run finds nothing more.
    assert set(purge(db, settings).values()) == {0}


def test_the_app_purges_on_a_schedule(db: Session, database: Database, settings: Settings) -> None:
    world(db, settings)
    # In a thread of its own: another test of this worker (Playwright's sync API) may have
    # left an event loop on this one.
    worker = threading.Thread(target=anyio.run, args=(purge_periodically, database, settings, 0, 1))
    worker.start()
    worker.join()
    assert survivors(db)["throttles"] == {"locked", "recent"}
    assert rows(db)["auth_sessions"] == 1


def test_purge_command_prints_the_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from constitution.cli import main, migrate

    url = f"sqlite:///{tmp_path / 'purge.sqlite3'}"
    migrate(Settings(database_url=url, secret_key="x" * 40, var_dir=tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("purged: ")
    for kind in EXPECTED:
        assert f"0 {kind.replace('_', ' ')}" in out
