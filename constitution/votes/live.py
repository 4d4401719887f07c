"""The live counts of a sitting, for its event stream (``GET /api/v1/sittings/{id}/events``).

Each service that changes what they show (checking in or out, opening or closing the
sitting, a poll added, taken off the agenda, opened or closed, a first vote in a poll)
calls ``changed(db, sitting_id)``; once it commits, every worker's streams of the sitting
look again at ``sitting_events`` (registered by the wiring), at most every
``LIVE_COALESCE_MS``. A changed vote changes no count and signals nothing. A member made
inactive changes ``members`` without a signal: the streams see it at the next resync.

The events never carry a choice: while a poll is open only how many have voted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constitution import live
from constitution.votes.models import Ballot, Elector, Poll, PollStatus, Sitting
from constitution.votes.services.queries import agenda, presence

PREFIX = "sitting"


def channel(sitting_id: int) -> str:
    return f"{PREFIX}:{sitting_id}"


def changed(db: Session, sitting_id: int) -> None:
    """The sitting's live counts changed: its streams look again once ``db`` commits."""
    live.signal(db, channel(sitting_id))


def sitting_events(db: Session, name: str) -> list[live.Event]:
    """``sitting`` ``{"id", "status"}``, ``attendance`` ``{"present", "members",
    "quorum_needed", "quorum_met"}``, and a ``poll`` ``{"id", "status", "voted",
    "entitled", "passed"}`` for each poll on the agenda, in voting order."""
    number = name.partition(":")[2]
    sitting = db.get(Sitting, int(number)) if number.isdigit() else None
    if sitting is None:
        return []
    polls = agenda(db, sitting.id)
    voted = _counts(db, Ballot.poll_id, [p.id for p in polls])
    entitled = _counts(db, Elector.poll_id, [p.id for p in polls])
    events: list[live.Event] = [
        ("sitting", {"id": sitting.id, "status": sitting.status.value}),
        ("attendance", presence(db, sitting).as_json()),
    ]
    events.extend(("poll", _poll(poll, voted, entitled)) for poll in polls)
    return events


def _counts(db: Session, column: Any, poll_ids: list[int]) -> dict[int, int]:
    if not poll_ids:
        return {}
    rows = db.execute(
        select(column, func.count()).where(column.in_(poll_ids)).group_by(column)
    ).all()
    return {poll_id: count for poll_id, count in rows}


def _poll(poll: Poll, voted: dict[int, int], entitled: dict[int, int]) -> dict[str, Any]:
    closed = poll.status == PollStatus.CLOSED
    if closed and poll.record is not None:
        electorate = len(poll.record.get("entitled", []))  # as GET /api/v1/polls/{id}
    else:
        electorate = entitled.get(poll.id, 0)
    return {
        "id": poll.id,
        "status": poll.status.value,
        "voted": voted.get(poll.id, 0),
        "entitled": electorate,
        "passed": poll.passed if closed else None,
    }
