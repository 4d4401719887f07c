"""Casting a group of votes in one transaction (for the vote writer of
``constitution.api.vote_writer``, measured by bench/bench_votes.py).

The common vote, a member's first vote for herself in an open poll she is entitled to, is
done for the whole group at once: one look-up of the polls, of the electors and of the
existing ballots, one insert of the new ballots, one read of their states and one append
of their events to the audit chain. Every other vote of the group (by proxy, changed,
repeated, refused, or one a concurrent writer got in first) is then cast by ``cast_vote``
itself, one at a time in arrival order, each in a savepoint of its own, so that a refusal
undoes only its own vote. A vote that goes the common way is the first of the group for
its member and poll, so each member's votes keep their order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.audit.models import AuditEvent, AuditHead
from constitution.audit.services import (
    STATES_KEY,
    canonical_json,
    current_states,
    event_hash,
    format_time,
)
from constitution.db import clean_id, utcnow
from constitution.errors import N_, DomainError
from constitution.votes import live
from constitution.votes.models import Ballot, Elector, Poll, PollStatus
from constitution.votes.services.ballots import (
    VoteReceipt,
    cast_vote,
    clean_choice,
    make_receipt,
)
from constitution.votes.services.locks import hold_polls


@dataclass(frozen=True)
class VoteRequest:
    actor: Member
    poll_id: int
    choice: Any
    for_member: Any = None


Outcome = VoteReceipt | DomainError


def cast_votes(db: Session, requests: Sequence[VoteRequest]) -> list[Outcome]:
    """The outcome of each request, in order: its receipt, or the refusal ``cast_vote``
    would have raised. Call it inside one write transaction; nothing is committed here."""
    outcomes: list[Outcome | None] = [None] * len(requests)
    candidates: list[tuple[int, str]] = []  # (index, choice): maybe the common way
    seen: set[tuple[int, int]] = set()
    for index, request in enumerate(requests):
        try:
            picked = clean_choice(request.choice)
            whose = (
                request.actor.id
                if request.for_member is None
                else clean_id(
                    request.for_member, "for", N_("Name the member you vote for by her id.")
                )
            )
        except DomainError:
            continue  # cast_vote refuses it below, with the same error
        key = (request.poll_id, whose)
        if request.for_member is None and key not in seen:
            candidates.append((index, picked))
        seen.add(key)
    # Every poll of the group, before any vote: a vote cast one at a time below then waits
    # for no lock, and a close that asked meanwhile waits for the whole group.
    hold_polls(db, [r.poll_id for r in requests])
    done = _cast_first_votes(db, requests, candidates)
    for index, receipt in done.items():
        outcomes[index] = receipt
    for index, request in enumerate(requests):
        if outcomes[index] is not None:
            continue
        savepoint = db.begin_nested()
        try:
            outcomes[index] = cast_vote(
                db, request.actor, request.poll_id, request.choice, request.for_member
            )
        except DomainError as refusal:
            savepoint.rollback()
            outcomes[index] = refusal
        else:
            savepoint.commit()
    return [o for o in outcomes if o is not None]


def _cast_first_votes(
    db: Session, requests: Sequence[VoteRequest], candidates: list[tuple[int, str]]
) -> dict[int, VoteReceipt]:
    """Cast those of ``candidates`` that go the common way; their receipts by index."""
    if not candidates:
        return {}
    poll_ids = sorted({requests[i].poll_id for i, _ in candidates})
    polls = {
        p.id: p
        for p in db.scalars(select(Poll).where(Poll.id.in_(poll_ids)).with_for_update(read=True))
    }
    open_ids = [pid for pid, p in polls.items() if p.status == PollStatus.OPEN]
    members = sorted({requests[i].actor.id for i, _ in candidates})
    entitled = {
        (poll_id, member_id)
        for poll_id, member_id in db.execute(
            select(Elector.poll_id, Elector.member_id).where(
                Elector.poll_id.in_(open_ids), Elector.member_id.in_(members)
            )
        )
    }
    voted = {
        (poll_id, member_id)
        for poll_id, member_id in db.execute(
            select(Ballot.poll_id, Ballot.member_id).where(
                Ballot.poll_id.in_(open_ids), Ballot.member_id.in_(members)
            )
        )
    }
    now = utcnow()
    rows: list[dict[str, Any]] = []
    by_key: dict[tuple[int, int], int] = {}
    for index, picked in candidates:
        request = requests[index]
        key = (request.poll_id, request.actor.id)
        if key not in entitled or key in voted:
            continue  # not the common way: cast_vote decides
        by_key[key] = index
        rows.append(
            {
                "poll_id": request.poll_id,
                "member_id": request.actor.id,
                "cast_by_id": request.actor.id,
                "proxy_id": None,
                "choice": picked,
                "cast_at": now,
                "version": 1,
                "receipt": make_receipt(
                    request.poll_id, request.actor.id, request.actor.id, picked, 1
                ),
            }
        )
    if not rows:
        return {}
    dialect = db.get_bind().dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(Ballot)
    inserted = db.execute(
        statement.on_conflict_do_nothing(index_elements=["poll_id", "member_id"]).returning(
            Ballot.id, Ballot.poll_id, Ballot.member_id
        ),
        rows,
    ).all()
    # A row missing here was inserted meanwhile by another writer: cast_vote decides.
    ids = {(poll_id, member_id): ballot_id for ballot_id, poll_id, member_id in inserted}
    values = {(r["poll_id"], r["member_id"]): r for r in rows}
    _record_ballots(db, [(ids[k], values[k]) for k in ids])
    for sitting_id in sorted({polls[poll_id].sitting_id for poll_id, _ in ids}):
        live.changed(db, sitting_id)  # more have voted, as ``cast_vote`` signals
    return {
        by_key[key]: VoteReceipt(
            poll_id=key[0],
            member_id=key[1],
            proxy=None,
            choice=values[key]["choice"],
            cast_at=format_time(now),
            receipt=values[key]["receipt"],
        )
        for key in ids
    }


def _record_ballots(db: Session, ballots: list[tuple[int, dict[str, Any]]]) -> None:
    """Append one ``ballot.cast`` event per new ballot to the audit chain, as
    ``audit.services.record`` would one at a time (the same payload and row states)."""
    if not ballots:
        return
    states = current_states(db, [f"ballot:{ballot_id}" for ballot_id, _ in ballots])
    head = db.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    seq, prev = head.seq, head.hash
    events = []
    for ballot_id, row in ballots:
        obj = f"ballot:{ballot_id}"
        payload = {
            "poll": row["poll_id"],
            "member": row["member_id"],
            "by": row["cast_by_id"],
            "choice": row["choice"],
            "version": row["version"],
            "receipt": row["receipt"],
        }
        data = json.loads(canonical_json(payload))
        data[STATES_KEY] = {obj: states[obj]}
        seq += 1
        at = utcnow()
        digest = event_hash(prev, seq, at, row["member_id"], "ballot.cast", obj, data)
        events.append(
            {
                "seq": seq,
                "at": at,
                "actor_id": row["member_id"],
                "action": "ballot.cast",
                "object": obj,
                "payload": data,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    db.execute(insert(AuditEvent), events)
    head.seq, head.hash = seq, prev
    db.flush()
