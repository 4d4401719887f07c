"""Recording and verifying audit events.

Each event's hash is SHA-256 over the previous hash and the canonical JSON of the event
(sequence number, time, actor, action, object, payload). ``verify`` recomputes the chain from
the first event and names the first one that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.audit.models import AuditEvent, AuditHead
from constitution.db import utcnow

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    action: str,
    obj: str,
    payload: dict[str, Any],
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "at": format_time(at),
            "actor": actor_id,
            "action": action,
            "object": obj,
            "payload": payload,
        }
    )
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


def record(
    db: Session,
    action: str,
    obj: str,
    *,
    actor_id: int | None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction."""
    head = db.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    data = json.loads(canonical_json(payload or {}))
    at = utcnow()
    seq = head.seq + 1
    digest = event_hash(head.hash, seq, at, actor_id, action, obj, data)
    event = AuditEvent(
        seq=seq,
        at=at,
        actor_id=actor_id,
        action=action,
        object=obj,
        payload=data,
        prev_hash=head.hash,
        hash=digest,
    )
    db.add(event)
    head.seq = seq
    head.hash = digest
    db.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    failed_seq: int | None = None
    reason: str = ""


# Checks that compare a recorded hash with the rows it covers (a revision's content hash,
# a poll's result), by the action of the event that recorded it. Each returns a reason or
# None. ``constitution.wiring`` registers them; the audit part knows no other part.
RowCheck = Callable[[Session, AuditEvent], str | None]
ROW_CHECKS: dict[str, RowCheck] = {}


def register_row_check(action: str, check: RowCheck) -> None:
    """Register (or replace) the row check of events with this action."""
    ROW_CHECKS[action] = check


def _events(db: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = db.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def list_events(db: Session, *, after: int = 0, limit: int = 500) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(limit)
    return list(db.scalars(query))


def verify(db: Session) -> VerifyResult:
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in _events(db):
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, "event is missing")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.seq, "previous hash does not match")
        digest = event_hash(
            prev, event.seq, event.at, event.actor_id, event.action, event.object, event.payload
        )
        if digest != event.hash:
            return VerifyResult(False, checked, event.seq, "event content does not match its hash")
        check = ROW_CHECKS.get(event.action)
        if check is not None:
            problem = check(db, event)
            if problem:
                return VerifyResult(False, checked, event.seq, problem)
        prev = event.hash
        expected_seq += 1
        checked += 1
    head = db.get(AuditHead, 1)
    if head is None:
        return VerifyResult(False, checked, checked + 1, "chain head is missing")
    if head.seq != checked or head.hash != prev:
        failed = _past_head(head.seq, checked)
        return VerifyResult(False, checked, failed, "chain head does not match the last event")
    return VerifyResult(True, checked)


def _past_head(head_seq: int, last_seq: int) -> int:
    """The event a head that disagrees with the chain points at.

    Events missing at the end: the first missing one. Events past the head: the first of
    them. Same number, other hash: the last event was rewritten (its hash recomputed).
    """
    if head_seq > last_seq:
        return last_seq + 1
    if head_seq < last_seq:
        return head_seq + 1
    return max(last_seq, 1)
