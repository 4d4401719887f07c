"""Passwords after the invitation: a member changes hers (her current password, and her
second factor where she has one), and an admin issues a single-use, expiring reset link for
a member who lost hers. Either ends her other sessions. No e-mail or phone number is used.

A reset link is signed (its own salt) and names the member and a fingerprint of her
password hash as it was when the link was issued: once any new password is set, with this
link or otherwise, the link no longer works. Nothing about it is stored.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete
from sqlalchemy.orm import Session

from constitution.accounts import sessions
from constitution.accounts.models import ApiToken, AuthSession, LoginThrottle, Member
from constitution.accounts.passwords import check_password, hash_password
from constitution.accounts.services import (
    clean_password,
    end_member_sessions,
    require_admin,
    rowcount,
    sha256,
)
from constitution.audit.services import format_time, record
from constitution.db import utcnow
from constitution.errors import N_, Invalid, StateConflict, Throttled
from constitution.settings import Settings

RESET_SALT = "password-reset"
RESET_HOURS = 48


# ---- a member changes her password ------------------------------------------------------


def change_password(
    db: Session,
    settings: Settings,
    member: Member,
    *,
    current: Any,
    new: Any,
    otp: Any = None,
    keep_session: AuthSession | None = None,
    keep_token: ApiToken | None = None,
    begin_write: Callable[[], None] | None = None,
) -> int:
    """Set her new password; every other session and token of hers ends (the count).

    ``keep_session`` or ``keep_token`` is the credential the request came with, which goes
    on working. Wrong current passwords count towards a lock, as failed logins do. Like
    ``sessions.authenticate``, the argon2 work is done before ``begin_write`` (when given).
    """
    if not isinstance(current, str) or not current or len(current) > 1024:
        raise Invalid(N_("Give your current password."), field="current", code="wrong_password")
    secret = clean_password(new, member.username, field="new")
    if secret == current:
        raise Invalid(
            N_("The new password must differ from the current one."),
            field="new",
            code="password_unchanged",
        )
    _check_not_locked(db, member)
    ok = check_password(settings, member.password_hash, current)
    new_hash = hash_password(settings, secret) if ok else None
    if begin_write is not None:
        begin_write()
        db.expire_all()
        member = db.get_one(Member, member.id)
    throttle = _password_throttle(db, member)
    if new_hash is None:
        now = utcnow()
        throttle.failures += 1
        if throttle.failures >= settings.login_max_failures:
            throttle.locked_until = now + dt.timedelta(minutes=settings.login_lock_minutes)
            throttle.failures = 0
        raise Invalid(
            N_("Your current password is not right."),
            field="current",
            code="wrong_password",
            keep_changes=True,
        )
    if member.totp_confirmed:
        if otp is None or otp == "":
            raise Invalid(
                N_("This account needs a code from its authenticator app."),
                field="otp",
                code="otp_required",
            )
        sessions.check_totp(db, settings, member, otp)
    throttle.failures = 0
    throttle.locked_until = None
    member.password_hash = new_hash
    ended = _end_other_sessions(db, member, keep_session, keep_token)
    record(
        db,
        "member.password_changed",
        f"member:{member.id}",
        actor_id=member.id,
        payload={"sessions_ended": ended},
    )
    return ended


def _password_throttle(db: Session, member: Member) -> LoginThrottle:
    key = f"password#{member.id}"
    row = db.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(username=key, failures=0)
        db.add(row)
        db.flush()
    return row


def _check_not_locked(db: Session, member: Member) -> None:
    row = db.get(LoginThrottle, f"password#{member.id}")
    if row is not None and row.locked_until is not None and row.locked_until > utcnow():
        raise Throttled(
            N_("Too many wrong passwords. Wait a while and try again."),
            field="current",
            code="password_throttled",
        )


def _end_other_sessions(
    db: Session, member: Member, session: AuthSession | None, token: ApiToken | None
) -> int:
    other_sessions = delete(AuthSession).where(AuthSession.member_id == member.id)
    if session is not None:
        other_sessions = other_sessions.where(AuthSession.id != session.id)
    other_tokens = delete(ApiToken).where(ApiToken.member_id == member.id)
    if token is not None:
        other_tokens = other_tokens.where(ApiToken.id != token.id)
    return rowcount(db.execute(other_sessions)) + rowcount(db.execute(other_tokens))


# ---- an admin issues a reset link -------------------------------------------------------


@dataclass(frozen=True)
class IssuedReset:
    member: Member
    token: str
    expires_at: dt.datetime


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=RESET_SALT)


def _fingerprint(member: Member) -> str:
    """Her password as it is now and the number of links issued: a link stops working once
    it (or another) sets a password, and when a newer link is issued."""
    serial = member.reset_serial or 0
    # Links issued before they were numbered (serial 0) keep working until the next one.
    issued = f":{serial}" if serial else ""
    return sha256(f"{member.id}:{member.password_hash or ''}{issued}")[:24]


def reset_token(settings: Settings, member: Member, expires_at: dt.datetime) -> str:
    """The signed link's token for her password as it is now, working until ``expires_at``."""
    payload = {
        "m": member.id,
        "f": _fingerprint(member),
        "e": int(expires_at.timestamp()),
        "n": secrets.token_urlsafe(6),
    }
    return _serializer(settings).dumps(payload)


def issue_reset(db: Session, settings: Settings, actor: Member, member: Member) -> IssuedReset:
    require_admin(actor)
    # Her row read afresh and locked until the transaction ends (on SQLite the write
    # transaction already holds the one write lock): of two links issued at once, the
    # later counts on the earlier's number and voids it.
    db.refresh(member, with_for_update=True)
    if not member.active:
        raise StateConflict(
            N_("This account is disabled: enable it before issuing a reset link."),
            code="member_inactive",
        )
    expires_at = utcnow().replace(microsecond=0) + dt.timedelta(hours=RESET_HOURS)
    member.reset_serial = (member.reset_serial or 0) + 1
    token = reset_token(settings, member, expires_at)
    record(
        db,
        "member.password_reset_issued",
        f"member:{member.id}",
        actor_id=actor.id,
        payload={"expires_at": format_time(expires_at)},
    )
    return IssuedReset(member, token, expires_at)


INVALID_RESET = N_("This password reset link is not valid.")


def find_reset(db: Session, settings: Settings, token: Any) -> Member:
    """The member a reset link is for, or a clear refusal (forged, expired, used)."""
    if not isinstance(token, str) or not token or len(token) > 500:
        raise Invalid(INVALID_RESET, field="token", code="reset_invalid")
    try:
        payload = _serializer(settings).loads(token)
    except BadSignature:
        raise Invalid(INVALID_RESET, field="token", code="reset_invalid") from None
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("m"), int)
        and isinstance(payload.get("e"), int)
        and isinstance(payload.get("f"), str)
    ):
        raise Invalid(INVALID_RESET, field="token", code="reset_invalid")
    member = db.get(Member, payload["m"])
    if member is None:
        raise Invalid(INVALID_RESET, field="token", code="reset_invalid")
    if not secrets.compare_digest(payload["f"], _fingerprint(member)):
        raise StateConflict(
            N_(
                "This password reset link has already been used, her password was changed "
                "since, or a newer link was issued. Ask an admin for a new link."
            ),
            code="reset_used",
        )
    if payload["e"] <= int(utcnow().timestamp()):
        raise StateConflict(
            N_("This password reset link has expired. Ask an admin for a new one."),
            code="reset_expired",
        )
    if not member.active:
        raise StateConflict(N_("This account is disabled."), code="member_inactive")
    return member


def accept_reset(
    db: Session,
    settings: Settings,
    token: Any,
    password: Any,
    begin_write: Callable[[], None] | None = None,
) -> Member:
    """Set her new password with a reset link; all her sessions and tokens end."""
    member = find_reset(db, settings, token)
    secret = clean_password(password, member.username)
    new_hash = hash_password(settings, secret)
    if begin_write is not None:
        begin_write()
        db.expire_all()
    # Checked again under the write lock: of two uses of one link, only one wins.
    member = find_reset(db, settings, token)
    member.password_hash = new_hash
    ended = end_member_sessions(db, member)
    db.execute(delete(LoginThrottle).where(LoginThrottle.username == member.username))
    record(
        db,
        "member.password_reset",
        f"member:{member.id}",
        actor_id=member.id,
        payload={"sessions_ended": ended},
    )
    return member


# ---- from the command line -------------------------------------------------------------


def set_password(
    db: Session, settings: Settings, member: Member, password: Any, *, via: str
) -> int:
    """Set a member's password from the command line (the development sample's fresh
    passwords); her sessions and tokens end (the count). Recorded with no actor."""
    secret = clean_password(password, member.username)
    member.password_hash = hash_password(settings, secret)
    ended = end_member_sessions(db, member)
    db.execute(delete(LoginThrottle).where(LoginThrottle.username == member.username))
    record(
        db,
        "member.password_set",
        f"member:{member.id}",
        actor_id=None,
        payload={"via": via, "sessions_ended": ended},
    )
    return ended
