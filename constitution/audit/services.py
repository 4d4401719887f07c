"""Recording and verifying audit events.

Each event's hash is SHA-256 over the previous hash and the canonical JSON of the event
(sequence number, time, actor, action, object, payload). ``verify`` recomputes the chain from
the first event and names the first one that does not match.

Rows of the covered kinds (members, committees, amendments, comments, revisions: each part
registers its kind's state function through ``constitution.wiring``) are tied to the chain
too: an event on ``kind:id`` (or naming it in ``covers``) records, in its payload's
``"states"``, the SHA-256 of the canonical JSON of that row's state after the change.
``verify`` then checks that every such row's current state is the one its last event
recorded, and that every row of a covered kind has such an event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarSelect, select
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


# The state of the rows of one kind: (id, state) for the rows with those ids, or for every
# row when ids is None. A state is the JSON of the fields that matter (no secrets); a row
# that does not exist has no state. Registered by ``constitution.wiring``.
StateSource = Callable[[Session, Sequence[int] | None], Iterable[tuple[int, Any]]]
STATE_KINDS: dict[str, StateSource] = {}
STATES_KEY = "states"


def register_state_kind(kind: str, source: StateSource) -> None:
    """Register (or replace) the state function of the rows named ``kind:id``."""
    STATE_KINDS[kind] = source


def state_hash(state: Any) -> str:
    return hashlib.sha256(canonical_json(state).encode("utf-8")).hexdigest()


def _covered(obj: str) -> tuple[str, int] | None:
    kind, _, ident = obj.partition(":")
    if kind not in STATE_KINDS or not ident.isdigit():
        return None
    return kind, int(ident)


def current_states(db: Session, objects: Iterable[str]) -> dict[str, str | None]:
    """The state hash of each covered object (``None`` for a row that does not exist)."""
    wanted: dict[str, list[int]] = {}
    for obj in objects:
        covered = _covered(obj)
        if covered is not None:
            wanted.setdefault(covered[0], []).append(covered[1])
    result: dict[str, str | None] = {}
    for kind, ids in wanted.items():
        found = {i: state_hash(s) for i, s in STATE_KINDS[kind](db, ids)}
        for i in ids:
            result[f"{kind}:{i}"] = found.get(i)
    return result


def head_number() -> ScalarSelect[int]:
    """The number of the chain's newest event, as a scalar subquery: it moves with every
    committed change that is audited, in commit order (pages kept in memory use it)."""
    return select(AuditHead.seq).where(AuditHead.id == 1).scalar_subquery()


def locked_head(db: Session) -> AuditHead:
    """The chain's head, locked until the transaction ends and read afresh: a head the
    session loaded earlier without the lock may be stale (another transaction appended
    since), and the ORM would hand back that copy."""
    query = select(AuditHead).where(AuditHead.id == 1).with_for_update()
    return db.execute(query.execution_options(populate_existing=True)).scalar_one()


def record(
    db: Session,
    action: str,
    obj: str,
    *,
    actor_id: int | None,
    payload: dict[str, Any] | None = None,
    covers: Sequence[str] = (),
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction.

    Call it after the change is made: the state of ``obj`` and of the ``covers`` objects,
    when they are of a covered kind, is read (flushed) and recorded with the event.
    """
    if payload and STATES_KEY in payload:
        raise ValueError(f"{STATES_KEY!r} is the audit's own payload key")
    covered = [o for o in dict.fromkeys([obj, *covers]) if _covered(o) is not None]
    data = json.loads(canonical_json(payload or {}))
    if covered:
        db.flush()
        data[STATES_KEY] = current_states(db, covered)
    head = locked_head(db)
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
    # The row (``kind:id``) whose state does not match, when that is what failed.
    object: str | None = None


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
    """Recompute the chain, run the row checks, then compare each covered row with the
    state its last event recorded: one pass over the events, one over the rows."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    last_state: dict[str, tuple[int, str | None]] = {}
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
                return VerifyResult(False, checked, event.seq, problem, event.object)
        states = event.payload.get(STATES_KEY)
        if isinstance(states, dict):
            for obj, digest in states.items():
                last_state[obj] = (event.seq, digest)
        prev = event.hash
        expected_seq += 1
        checked += 1
    head = db.get(AuditHead, 1)
    if head is None:
        return VerifyResult(False, checked, checked + 1, "chain head is missing")
    if head.seq != checked or head.hash != prev:
        failed = _past_head(head.seq, checked)
        return VerifyResult(False, checked, failed, "chain head does not match the last event")
    return _verify_rows(db, checked, last_state)


def _verify_rows(
    db: Session, checked: int, last_state: dict[str, tuple[int, str | None]]
) -> VerifyResult:
    """Each covered row against its last recorded state; the earliest such event is named
    (a row that no event records comes after every event)."""
    failures: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for kind, source in STATE_KINDS.items():
        for ident, state in source(db, None):
            obj = f"{kind}:{ident}"
            seen.add(obj)
            recorded = last_state.get(obj)
            if recorded is None:
                failures.append((checked + 1, obj, "no event records the state of this row"))
            elif recorded[1] != state_hash(state):
                failures.append(
                    (recorded[0], obj, "the row does not match the state its last event recorded")
                )
    for obj, (seq, digest) in last_state.items():
        covered = _covered(obj)
        if covered is not None and digest is not None and obj not in seen:
            failures.append((seq, obj, "the row its last event recorded is missing"))
    if not failures:
        return VerifyResult(True, checked)
    seq, obj, reason = min(failures)
    return VerifyResult(False, checked, seq if seq <= checked else None, reason, obj)


def record_baseline(db: Session) -> int:
    """Record, in one ``audit.baseline`` event, the state of every covered row that no
    event records yet (rows written before the audit covered their kind); the number of
    rows recorded. Rows whose state differs from their last event are left as they are:
    ``verify`` goes on naming them."""
    recorded: set[str] = set()
    for event in _events(db):
        states = event.payload.get(STATES_KEY)
        if isinstance(states, dict):
            recorded.update(states)
    missing = [
        f"{kind}:{ident}"
        for kind, source in STATE_KINDS.items()
        for ident, _state in source(db, None)
        if f"{kind}:{ident}" not in recorded
    ]
    if missing:
        record(db, "audit.baseline", "instance", actor_id=None, covers=missing)
    return len(missing)


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
