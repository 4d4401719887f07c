"""The state of sittings, proxies, polls and ballots that the audit chain records after
each change; ``constitution verify`` compares it with the rows, so a ballot, a result or
a record edited in the database is named (even with every trigger dropped).

A closed poll's signed record is too large for its state: the ``poll.closed`` event records
its hash, and ``check_poll_record`` recomputes it from the stored record.

Left out: a poll's place in the agenda (reordering moves others without an event of
their own) and the times of a sitting's check-ins (attendance has its own events).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.audit.models import AuditEvent
from constitution.votes.models import Ballot, Elector, Poll, Proxy, Sitting
from constitution.votes.records import canonical_json


def sitting_states(db: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, Any]]:
    query = select(Sitting).order_by(Sitting.id)
    if ids is not None:
        query = query.where(Sitting.id.in_(ids))
    for s in db.scalars(query):
        yield s.id, {"title": s.title, "status": s.status.value, "quorum": s.quorum_permille}


def proxy_states(db: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, Any]]:
    query = select(Proxy).order_by(Proxy.id)
    if ids is not None:
        query = query.where(Proxy.id.in_(ids))
    for p in db.scalars(query):
        yield (
            p.id,
            {
                "sitting": p.sitting_id,
                "giver": p.giver_id,
                "holder": p.holder_id,
                "status": p.status.value,
            },
        )


def poll_states(db: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, Any]]:
    query = select(Poll).order_by(Poll.id)
    if ids is not None:
        query = query.where(Poll.id.in_(ids))
    for p in db.scalars(query):
        yield (
            p.id,
            {
                "sitting": p.sitting_id,
                "amendment": p.amendment_id,
                "motion": p.motion,
                "majority": p.majority,
                "base": p.base,
                "conditions": p.conditions,
                "status": p.status.value,
                "members": p.members_count,
                "passed": p.passed,
                "result": p.result,
                "record_hash": p.record_hash,
                "signature": p.signature,
                "fell_by": p.fell_by_id,
            },
        )


def ballot_states(db: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, Any]]:
    query = select(Ballot).order_by(Ballot.id)
    if ids is not None:
        query = query.where(Ballot.id.in_(ids))
    for b in db.scalars(query):
        yield (
            b.id,
            {
                "poll": b.poll_id,
                "member": b.member_id,
                "by": b.cast_by_id,
                "proxy": b.proxy_id,
                "choice": b.choice,
                "version": b.version,
                "receipt": b.receipt,
            },
        )


def check_poll_record(db: Session, event: AuditEvent) -> str | None:
    """``constitution verify``'s check of a ``poll.closed`` event: the record stored on the
    poll still hashes to what the event recorded (the row state covers the hash and the
    signature, not the record itself)."""
    poll = db.get(Poll, int(event.object.partition(":")[2] or 0))
    if poll is None or poll.record is None:
        return "the closed poll or its record is missing"
    try:
        digest = hashlib.sha256(canonical_json(poll.record)).hexdigest()
    except ValueError:
        return "the poll's stored record is not a record"
    if digest != event.payload.get("record_hash"):
        return "the poll's stored record does not match the hash its close recorded"
    return None


def check_poll_electorate(db: Session, event: AuditEvent) -> str | None:
    """``constitution verify``'s check of a ``poll.opened`` event: the poll's electorate is
    still the members the event fixed (an elector slipped in or taken out is named)."""
    poll_id = int(event.object.partition(":")[2] or 0)
    stored = sorted(db.scalars(select(Elector.member_id).where(Elector.poll_id == poll_id)))
    if stored != sorted(event.payload.get("entitled", [])):
        return "the poll's electorate differs from the one fixed when it opened"
    return None
