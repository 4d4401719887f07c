"""Casting a vote: a short write. Check she is entitled (or holds the giver's proxy), put
the one ballot row under its unique constraint, append the audit event, commit, answer.
No tally, no notification, no page in it; live counts are signalled with the commit (a
first vote only: a changed one changes no count)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.audit.services import format_time, record
from constitution.db import clean_id, utcnow
from constitution.errors import N_, DomainError, Forbidden, Invalid, StateConflict
from constitution.votes import live
from constitution.votes import permissions as rules
from constitution.votes.models import Ballot, Elector, PollStatus, Proxy, ProxyStatus
from constitution.votes.services.queries import get_poll


@dataclass(frozen=True)
class VoteReceipt:
    poll_id: int
    member_id: int
    proxy: int | None
    choice: str
    cast_at: str
    receipt: str

    def as_json(self) -> dict[str, Any]:
        return {
            "poll": self.poll_id,
            "member": self.member_id,
            "proxy": self.proxy,
            "choice": self.choice,
            "cast_at": self.cast_at,
            "receipt": self.receipt,
        }


def _refuse(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def clean_choice(value: Any) -> str:
    if not isinstance(value, str) or value not in rules.CHOICES:
        raise Invalid(N_("Choose yes, no or abstain."), field="choice", code="unknown_choice")
    return value


def make_receipt(poll_id: int, member_id: int, cast_by: int, choice: str, version: int) -> str:
    """What she keeps to find her vote in the published record: a hash of the vote and a
    random salt (so it tells nothing by itself)."""
    salt = secrets.token_hex(16)
    digest = hashlib.sha256(f"{poll_id}|{member_id}|{cast_by}|{choice}|{version}|{salt}".encode())
    return digest.hexdigest()[:32]


def _receipt_of(ballot: Ballot) -> VoteReceipt:
    return VoteReceipt(
        poll_id=ballot.poll_id,
        member_id=ballot.member_id,
        proxy=ballot.cast_by_id if ballot.proxy_id is not None else None,
        choice=ballot.choice,
        cast_at=format_time(ballot.cast_at),
        receipt=ballot.receipt,
    )


def _entitlement(db: Session, actor: Member, poll_id: int, whose: int) -> Elector:
    elector = db.get(Elector, (poll_id, whose))
    if whose == actor.id:
        if elector is None:
            raise Forbidden(N_("You are not entitled to vote in this poll."), code="not_entitled")
        return elector
    if elector is None or elector.proxy_holder_id != actor.id:
        raise Forbidden(
            N_("You do not hold a proxy of this member for this poll."), code="not_proxy_holder"
        )
    proxy = db.get(Proxy, elector.proxy_id) if elector.proxy_id else None
    if proxy is None or proxy.status != ProxyStatus.APPROVED:
        raise Forbidden(N_("This proxy was revoked."), code="proxy_revoked")
    return elector


def _insert_ballot(db: Session, values: dict[str, Any]) -> int | None:
    """Insert the ballot unless one exists (then None): on PostgreSQL two workers racing
    on the same member's first vote meet at the unique constraint, and the second one
    goes on to update the row the first inserted."""
    dialect = db.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Ballot)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["poll_id", "member_id"])
        .returning(Ballot.id)
    )
    return db.scalar(statement)


def cast_vote(
    db: Session, actor: Member, poll_id: int, choice: Any, for_member: Any = None
) -> VoteReceipt:
    """Her vote (or, with ``for_member``, the vote of a member whose proxy she holds).
    A later vote replaces the earlier one while the poll is open; the same vote sent
    again (a retried request) changes nothing and answers the same receipt."""
    picked = clean_choice(choice)
    whose = (
        actor.id
        if for_member is None
        else clean_id(for_member, "for", N_("Name the member you vote for by her id."))
    )
    poll = get_poll(db, poll_id, share=True)
    _refuse(rules.poll_state_refusal(poll.status, PollStatus.OPEN))
    elector = _entitlement(db, actor, poll.id, whose)
    by_proxy = whose != actor.id
    existing = db.scalar(
        select(Ballot).where(Ballot.poll_id == poll.id, Ballot.member_id == whose).with_for_update()
    )
    now = utcnow()
    if existing is None:
        values = {
            "poll_id": poll.id,
            "member_id": whose,
            "cast_by_id": actor.id,
            "proxy_id": elector.proxy_id if by_proxy else None,
            "choice": picked,
            "cast_at": now,
            "version": 1,
            "receipt": make_receipt(poll.id, whose, actor.id, picked, 1),
        }
        ballot_id = _insert_ballot(db, values)
        if ballot_id is None:  # another request of hers got there first
            existing = db.scalar(
                select(Ballot)
                .where(Ballot.poll_id == poll.id, Ballot.member_id == whose)
                .with_for_update()
            )
        else:
            ballot = db.get_one(Ballot, ballot_id)
            _audit(db, actor, ballot)
            live.changed(db, poll.sitting_id)  # one more has voted (a changed vote: no)
            return _receipt_of(ballot)
    assert existing is not None
    if by_proxy and existing.cast_by_id == whose:
        raise StateConflict(
            N_("She has voted herself: her vote overrides the proxy."), code="voted_herself"
        )
    if existing.choice == picked and existing.cast_by_id == actor.id:
        return _receipt_of(existing)  # the same vote again: nothing changes
    existing.version += 1
    existing.choice = picked
    existing.cast_by_id = actor.id
    existing.proxy_id = elector.proxy_id if by_proxy else None
    existing.cast_at = now
    existing.receipt = make_receipt(poll.id, whose, actor.id, picked, existing.version)
    db.flush()
    _audit(db, actor, existing)
    return _receipt_of(existing)


def _audit(db: Session, actor: Member, ballot: Ballot) -> None:
    record(
        db,
        "ballot.cast",
        f"ballot:{ballot.id}",
        actor_id=actor.id,
        payload={
            "poll": ballot.poll_id,
            "member": ballot.member_id,
            "by": ballot.cast_by_id,
            "choice": ballot.choice,
            "version": ballot.version,
            "receipt": ballot.receipt,
        },
    )


def receipt_json(ballot: Ballot) -> dict[str, Any]:
    return _receipt_of(ballot).as_json()
