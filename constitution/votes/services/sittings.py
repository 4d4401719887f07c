"""Planning, opening and closing a sitting; members checking in and out."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.accounts.services import clean_text
from constitution.audit.services import record
from constitution.db import utcnow
from constitution.errors import N_, DomainError, Forbidden, Invalid, StateConflict
from constitution.votes import live
from constitution.votes import permissions as rules
from constitution.votes.models import Attendance, PollStatus, Sitting, SittingStatus
from constitution.votes.services.queries import agenda, is_voter


def _refuse(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def clean_quorum(value: Any) -> int:
    """The quorum rule of a request, ``{"base": "members", "fraction": 0.5}``, as
    thousandths of all members; 422 for anything else."""
    if value is None:
        return 500
    if not isinstance(value, dict) or set(value) - {"base", "fraction"}:
        raise Invalid(
            N_('The quorum is {"base": "members", "fraction": a share from 0 to 1}.'),
            field="quorum",
        )
    if value.get("base", "members") != "members":
        raise Invalid(N_("A quorum is counted over all members."), field="quorum")
    fraction = value.get("fraction", 0.5)
    if (
        isinstance(fraction, bool)
        or not isinstance(fraction, int | float)
        or not math.isfinite(fraction)
        or not 0 < fraction <= 1
    ):
        raise Invalid(N_("The quorum's fraction is a share above 0 and at most 1."), field="quorum")
    return max(1, round(fraction * 1000))


# The years a sitting may be planned in (a time near year 1 or 9999 may not convert to
# UTC, and years before 1000 are not written with four digits).
FIRST_YEAR, LAST_YEAR = 1900, 9998


def clean_starts_at(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    wrong = Invalid(N_("The time is an ISO 8601 date and time."), field="starts_at")
    if not isinstance(value, str) or len(value) > 40:
        raise wrong
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise wrong from None
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        raise wrong
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


def sitting_payload(sitting: Sitting) -> dict[str, Any]:
    return {"title": sitting.title, "quorum_permille": sitting.quorum_permille}


def create_sitting(
    db: Session, actor: Member, title: Any, quorum: Any = None, starts_at: Any = None
) -> Sitting:
    _refuse(rules.chair_refusal(actor))
    sitting = Sitting(
        title=clean_text(title, "title", max_length=300),
        status=SittingStatus.PLANNED,
        quorum_permille=clean_quorum(quorum),
        starts_at=clean_starts_at(starts_at),
        created_by_id=actor.id,
    )
    db.add(sitting)
    db.flush()
    record(
        db,
        "sitting.created",
        f"sitting:{sitting.id}",
        actor_id=actor.id,
        payload=sitting_payload(sitting),
    )
    return sitting


def open_sitting(db: Session, actor: Member, sitting: Sitting) -> Sitting:
    _refuse(rules.chair_refusal(actor))
    _refuse(rules.sitting_refusal(sitting, SittingStatus.PLANNED))
    sitting.status = SittingStatus.OPEN
    sitting.opened_at = utcnow()
    record(db, "sitting.opened", f"sitting:{sitting.id}", actor_id=actor.id)
    live.changed(db, sitting.id)
    return sitting


def close_sitting(db: Session, actor: Member, sitting: Sitting) -> Sitting:
    """Close the sitting; polls still on its agenda that never opened are taken off it
    (their amendments return to where they were). Refused while a poll is open."""
    from constitution.votes.services.polls import remove_poll

    _refuse(rules.chair_refusal(actor))
    _refuse(rules.sitting_refusal(sitting, SittingStatus.PLANNED, SittingStatus.OPEN))
    polls = agenda(db, sitting.id)
    if any(p.status == PollStatus.OPEN for p in polls):
        raise StateConflict(
            N_("A poll of this sitting is still open: close it first."), code="poll_open"
        )
    for poll in polls:
        if poll.status == PollStatus.CREATED:
            remove_poll(db, actor, poll)
    sitting.status = SittingStatus.CLOSED
    sitting.closed_at = utcnow()
    record(db, "sitting.closed", f"sitting:{sitting.id}", actor_id=actor.id)
    live.changed(db, sitting.id)
    return sitting


def _attendance(db: Session, sitting: Sitting, member: Member) -> Attendance | None:
    from sqlalchemy import select

    return db.scalar(
        select(Attendance).where(
            Attendance.sitting_id == sitting.id, Attendance.member_id == member.id
        )
    )


def check_in(db: Session, actor: Member, sitting: Sitting) -> bool:
    """She checks herself in to an open sitting; False when she already was."""
    if not is_voter(actor.roles):
        raise Forbidden(N_("Only members check in to a sitting."), code="not_a_voter")
    _refuse(rules.sitting_refusal(sitting, SittingStatus.OPEN))
    row = _attendance(db, sitting, actor)
    if row is not None and row.left_at is None:
        return False
    if row is None:
        db.add(Attendance(sitting_id=sitting.id, member_id=actor.id))
    else:
        row.arrived_at = utcnow()
        row.left_at = None
    db.flush()
    record(db, "sitting.checked_in", f"sitting:{sitting.id}", actor_id=actor.id)
    live.changed(db, sitting.id)
    return True


def check_out(db: Session, actor: Member, sitting: Sitting) -> bool:
    """She checks herself out; False when she was not checked in."""
    _refuse(rules.sitting_refusal(sitting, SittingStatus.OPEN))
    row = _attendance(db, sitting, actor)
    if row is None or row.left_at is not None:
        return False
    row.left_at = utcnow()
    record(db, "sitting.checked_out", f"sitting:{sitting.id}", actor_id=actor.id)
    live.changed(db, sitting.id)
    return True
