"""Reading sittings, attendance, proxies, polls and ballots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from constitution.accounts.models import Member, Role
from constitution.amendments.models import Amendment
from constitution.amendments.permissions import SCHEDULABLE
from constitution.amendments.services import conflict_map
from constitution.errors import N_, NotFound
from constitution.votes.models import (
    Attendance,
    Ballot,
    Elector,
    Poll,
    PollStatus,
    Proxy,
    ProxyStatus,
    Sitting,
    SittingStatus,
)
from constitution.votes.services.locks import hold_polls


def get_sitting(db: Session, sitting_id: int, *, lock: bool = False) -> Sitting:
    query = select(Sitting).where(Sitting.id == sitting_id)
    if lock:
        query = query.with_for_update()
    sitting = db.scalar(query)
    if sitting is None:
        raise NotFound(N_("There is no such sitting."))
    return sitting


def get_poll(db: Session, poll_id: int, *, lock: bool = False, share: bool = False) -> Poll:
    """The poll (not one taken off the agenda); ``lock`` takes its row for update (closing,
    opening), ``share`` for share (a vote: many at once, none while it closes); each
    after the poll's advisory lock (``locks``), which queues fairly."""
    query = select(Poll).where(Poll.id == poll_id)
    if lock or share:
        hold_polls(db, [poll_id], exclusive=lock)
        # Read afresh once the row is held: a copy the session read before would be stale.
        query = query.with_for_update(read=share and not lock).execution_options(
            populate_existing=True
        )
    poll = db.scalar(query)
    if poll is None or poll.status == PollStatus.REMOVED:
        raise NotFound(N_("There is no such poll."))
    return poll


def get_proxy(db: Session, proxy_id: int) -> Proxy:
    proxy = db.get(Proxy, proxy_id)
    if proxy is None:
        raise NotFound(N_("There is no such proxy."))
    return proxy


def list_sittings(db: Session, *, limit: int = 500) -> list[Sitting]:
    return list(db.scalars(select(Sitting).order_by(Sitting.id.desc()).limit(limit)))


def is_voter(roles: list[str]) -> bool:
    """Accounts with the member role vote; an admin or observer account alone does not."""
    return Role.MEMBER.value in roles


def voting_members(db: Session) -> int:
    """How many active members vote (the base "members" and the quorum's)."""
    roles = db.scalars(select(Member.roles).where(Member.active.is_(True)))
    return sum(1 for r in roles if is_voter(r))


@dataclass(frozen=True)
class Presence:
    present: int
    members: int
    quorum_needed: int

    @property
    def quorum_met(self) -> bool:
        return self.present >= self.quorum_needed

    def as_json(self) -> dict[str, int | bool]:
        return {
            "present": self.present,
            "members": self.members,
            "quorum_needed": self.quorum_needed,
            "quorum_met": self.quorum_met,
        }


def quorum_needed(permille: int, members: int) -> int:
    """At least this share of all members (rounded up), and never fewer than one."""
    return max(1, -(-permille * members // 1000))


def present_ids(db: Session, sitting_id: int) -> list[int]:
    """The active voting members checked in to the sitting now."""
    rows = db.execute(
        select(Member.id, Member.roles)
        .join(Attendance, Attendance.member_id == Member.id)
        .where(
            Attendance.sitting_id == sitting_id,
            Attendance.left_at.is_(None),
            Member.active.is_(True),
        )
        .order_by(Member.id)
    ).all()
    return [member_id for member_id, roles in rows if is_voter(roles)]


def presence(db: Session, sitting: Sitting) -> Presence:
    members = voting_members(db)
    return Presence(
        present=len(present_ids(db, sitting.id)),
        members=members,
        quorum_needed=quorum_needed(sitting.quorum_permille, members),
    )


def is_present(db: Session, sitting_id: int, member_id: int) -> bool:
    return (
        db.scalar(
            select(Attendance.id).where(
                Attendance.sitting_id == sitting_id,
                Attendance.member_id == member_id,
                Attendance.left_at.is_(None),
            )
        )
        is not None
    )


def agenda(db: Session, sitting_id: int) -> list[Poll]:
    """The sitting's polls in voting order (those taken off the agenda left out)."""
    return list(
        db.scalars(
            select(Poll)
            .where(Poll.sitting_id == sitting_id, Poll.status != PollStatus.REMOVED)
            .order_by(Poll.position, Poll.id)
        )
    )


def proxies_of(db: Session, sitting_id: int) -> list[Proxy]:
    return list(db.scalars(select(Proxy).where(Proxy.sitting_id == sitting_id).order_by(Proxy.id)))


def active_proxy(db: Session, sitting_id: int, giver_id: int) -> Proxy | None:
    return db.scalar(
        select(Proxy).where(
            Proxy.sitting_id == sitting_id,
            Proxy.giver_id == giver_id,
            Proxy.status.in_([ProxyStatus.REQUESTED, ProxyStatus.APPROVED]),
        )
    )


def ballot_of(db: Session, poll_id: int, member_id: int) -> Ballot | None:
    return db.scalar(select(Ballot).where(Ballot.poll_id == poll_id, Ballot.member_id == member_id))


def voted_count(db: Session, poll_id: int) -> int:
    return db.scalar(select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll_id)) or 0


def voting_record(
    db: Session, member_id: int, *, limit: int = 500
) -> list[tuple[Poll, Ballot | None]]:
    """A member's votes in closed polls she was entitled to, newest first (a poll she
    could vote in but did not has no ballot)."""
    rows = db.execute(
        select(Poll, Ballot)
        .join(Elector, (Elector.poll_id == Poll.id) & (Elector.member_id == member_id))
        .outerjoin(Ballot, (Ballot.poll_id == Poll.id) & (Ballot.member_id == member_id))
        .where(Poll.status == PollStatus.CLOSED)
        .order_by(Poll.closed_at.desc(), Poll.id.desc())
        .limit(limit)
    ).all()
    return [(poll, ballot) for poll, ballot in rows]


def entitled_count(db: Session, poll: Poll) -> int:
    """How many members may vote in the poll (0 until it opens)."""
    query = select(func.count()).select_from(Elector).where(Elector.poll_id == poll.id)
    return db.scalar(query) or 0


# ---- what the pages read ----------------------------------------------------------------


def open_sitting_query(member: object = None) -> Select[Any]:
    """The query of :func:`open_sitting_count`."""
    return select(func.count()).select_from(Sitting).where(Sitting.status == SittingStatus.OPEN)


def open_sitting_count(db: Session, member: object = None) -> int:
    """How many sittings are open now (the navigation's count)."""
    return int(db.scalar(open_sitting_query(member)) or 0)


def voters(db: Session) -> list[Member]:
    """The active members who vote, by display name (whom a proxy may be given to)."""
    rows = db.scalars(
        select(Member).where(Member.active.is_(True)).order_by(Member.display_name, Member.id)
    )
    return [m for m in rows if is_voter(m.roles)]


def elector_of(db: Session, poll_id: int, member_id: int) -> Elector | None:
    """Her place in the poll's electorate (None: she is not entitled)."""
    return db.get(Elector, (poll_id, member_id))


def held_proxies(db: Session, poll_id: int, holder_id: int) -> list[Elector]:
    """The electors of the poll whose vote she casts by a proxy still in force."""
    return list(
        db.scalars(
            select(Elector)
            .join(Proxy, Proxy.id == Elector.proxy_id)
            .where(
                Elector.poll_id == poll_id,
                Elector.proxy_holder_id == holder_id,
                Proxy.status == ProxyStatus.APPROVED,
            )
            .order_by(Elector.member_id)
        )
    )


def schedulable_amendments(db: Session, *, limit: int = 500) -> list[Amendment]:
    """The amendments a chair may put on an agenda (``SCHEDULABLE``), by document and number."""
    return list(
        db.scalars(
            select(Amendment)
            .where(Amendment.status.in_(sorted(SCHEDULABLE)))
            .order_by(Amendment.document_id, Amendment.number)
            .limit(limit)
        )
    )


def falls_if_adopted(db: Session, polls: list[Poll]) -> dict[int, list[int]]:
    """For each amendment's poll still to be decided, the other polls of the list whose
    amendments conflict with it (they fall if it is adopted)."""
    pending = [
        p
        for p in polls
        if p.amendment_id is not None and p.status in (PollStatus.CREATED, PollStatus.OPEN)
    ]
    by_amendment = {p.amendment_id: p.id for p in pending if p.status == PollStatus.CREATED}
    conflicts = conflict_map(db, [p.amendment_id for p in pending if p.amendment_id])
    found: dict[int, list[int]] = {}
    for poll in pending:
        others = [
            by_amendment[other]
            for other in conflicts.get(poll.amendment_id or 0, [])
            if by_amendment.get(other, poll.id) != poll.id
        ]
        if others:
            found[poll.id] = others
    return found
