"""Notifying members and reading their inbox.

Any part may notify a member; the inbox stores what it is told (a kind, the objects it is
about, a payload of plain values) and knows nothing of the parts that notify.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from constitution.db import utcnow
from constitution.inbox.models import Notification


def notify(
    db: Session,
    member_id: int,
    kind: str,
    *,
    actor_id: int | None = None,
    amendment_id: int | None = None,
    comment_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Tell a member; nobody is told of what she did herself."""
    if actor_id is not None and actor_id == member_id:
        return
    db.add(
        Notification(
            member_id=member_id,
            kind=kind,
            amendment_id=amendment_id,
            comment_id=comment_id,
            payload=dict(payload or {}),
        )
    )


def inbox(db: Session, member_id: int, *, limit: int = 200) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification)
            .where(Notification.member_id == member_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(db: Session, member_id: int, ids: Iterable[int] | None = None) -> int:
    query = select(Notification).where(
        Notification.member_id == member_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    rows = db.scalars(query).all()
    now = utcnow()
    for row in rows:
        row.read_at = now
    return len(rows)


def unread_query(member: Any) -> Select[Any]:
    """The query of :func:`unread_count` (the navigation asks it with the others at once)."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.member_id == member.id, Notification.read_at.is_(None))
    )


def unread_count(db: Session, member: Any) -> int:
    """The navigation's count of unread notifications."""
    return int(db.scalar(unread_query(member)) or 0)
