"""Purging what has run out: expired sessions and the form tokens they spent, expired
invitations never used, expired API and device tokens, and throttle rows with no lock and
no recent failure.

Nothing purged is needed any more (each row would be refused anyway) and none of it is in
the audit log; purging keeps the tables small and holds no more than the platform needs.
``constitution purge`` runs it once; the app runs it every ``PURGE_MINUTES`` (``app.py``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from constitution.accounts.models import (
    ApiToken,
    AuthSession,
    DeviceToken,
    Invitation,
    LoginThrottle,
    UsedFormToken,
)
from constitution.accounts.services import rowcount
from constitution.db import utcnow
from constitution.settings import Settings


def purge(db: Session, settings: Settings, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what has expired; the number of rows of each kind."""
    now = now or utcnow()
    idle = now - dt.timedelta(minutes=settings.session_idle_minutes)
    absolute = now - dt.timedelta(hours=settings.session_absolute_hours)
    expired_sessions = select(AuthSession.id).where(
        or_(AuthSession.last_seen_at <= idle, AuthSession.created_at <= absolute)
    )
    counts: dict[str, int] = {}
    # A form token older than the longest session is refused by its signature's age anyway.
    counts["form_tokens"] = rowcount(
        db.execute(
            delete(UsedFormToken).where(
                or_(
                    UsedFormToken.session_id.in_(expired_sessions),
                    UsedFormToken.used_at <= absolute,
                )
            )
        )
    )
    counts["sessions"] = rowcount(
        db.execute(delete(AuthSession).where(AuthSession.id.in_(expired_sessions)))
    )
    counts["api_tokens"] = rowcount(db.execute(delete(ApiToken).where(ApiToken.expires_at <= now)))
    counts["invitations"] = rowcount(
        db.execute(
            delete(Invitation).where(Invitation.used_at.is_(None), Invitation.expires_at <= now)
        )
    )
    device_cutoff = now - dt.timedelta(days=settings.device_token_days)
    counts["device_tokens"] = rowcount(
        db.execute(delete(DeviceToken).where(DeviceToken.created_at <= device_cutoff))
    )
    # A username's count of failures is forgotten once the lock time has passed since the
    # last one (a row that is locked stays until its lock runs out).
    quiet = now - dt.timedelta(minutes=settings.login_lock_minutes)
    counts["login_throttles"] = rowcount(
        db.execute(
            delete(LoginThrottle).where(
                or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
                or_(
                    LoginThrottle.last_failure_at.is_(None), LoginThrottle.last_failure_at <= quiet
                ),
            )
        )
    )
    return counts
