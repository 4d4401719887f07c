"""Sittings, their attendance and proxies, polls with their fixed electorate, and ballots."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from constitution.db import Base, OptTimestamp, StrEnumType, Timestamp, utcnow


class SittingStatus(enum.StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


class PollStatus(enum.StrEnum):
    CREATED = "created"
    OPEN = "open"
    CLOSED = "closed"
    # Taken off the agenda before it opened (kept, as the audit chain names it).
    REMOVED = "removed"


class ProxyStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    REVOKED = "revoked"


class Sitting(Base):
    __tablename__ = "sittings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[SittingStatus] = mapped_column(StrEnumType(SittingStatus, 16))
    # When it is planned for (shown to members), if given.
    starts_at: Mapped[OptTimestamp]
    # The quorum: at least this many thousandths of all active members checked in.
    quorum_permille: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    opened_at: Mapped[OptTimestamp]
    closed_at: Mapped[OptTimestamp]


class Attendance(Base):
    """A member's check-in to a sitting; ``left_at`` is set while she is checked out."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("sitting_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    arrived_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    left_at: Mapped[OptTimestamp]


class Proxy(Base):
    """A member (the giver) asks that another (the holder) vote for her in one sitting."""

    __tablename__ = "proxies"
    __table_args__ = (
        # One proxy in force (asked or approved) per giver and sitting.
        Index(
            "uq_proxies_active_giver",
            "sitting_id",
            "giver_id",
            unique=True,
            sqlite_where=text("status IN ('requested', 'approved')"),
            postgresql_where=text("status IN ('requested', 'approved')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    giver_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[ProxyStatus] = mapped_column(StrEnumType(ProxyStatus, 16))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    decided_at: Mapped[OptTimestamp]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class Poll(Base):
    """A poll on an amendment or on a motion (its own text), an item of a sitting's agenda."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    # Its place in the sitting's agenda (the voting order; the chair may reorder).
    position: Mapped[int] = mapped_column(Integer)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"), index=True)
    motion: Mapped[dict[str, str] | None] = mapped_column(JSON)
    majority: Mapped[str] = mapped_column(String(16))
    base: Mapped[str] = mapped_column(String(16))
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[PollStatus] = mapped_column(StrEnumType(PollStatus, 16))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    opened_at: Mapped[OptTimestamp]
    closed_at: Mapped[OptTimestamp]
    # All active members when the poll opened (the base "members").
    members_count: Mapped[int | None] = mapped_column(Integer)
    # Fixed in the transaction that closes the poll, never changed after.
    passed: Mapped[bool | None] = mapped_column(Boolean)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    record: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    record_hash: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(200))
    # When it passed but the amendment no longer applied to the text at close.
    adoption_problem: Mapped[str | None] = mapped_column(Text)
    # The amendment whose adoption made this one fall (it conflicted with it).
    fell_by_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"))


class Elector(Base):
    """A member entitled to vote in a poll, fixed when it opens, with her groups then
    (``proxy_holder_id``: she is there by proxy, held by that member)."""

    __tablename__ = "electors"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    groups: Mapped[dict[str, str]] = mapped_column(JSON)
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("proxies.id"))
    proxy_holder_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class Ballot(Base):
    """The one counted vote of a member in a poll (the unique constraint is the guard):
    a changed vote replaces it; every version is in the audit chain. ``cast_by_id`` is
    the proxy holder when she voted for the member."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("poll_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("proxies.id"))
    choice: Mapped[str] = mapped_column(String(8))
    cast_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    # How many times it was cast (1 for the first vote).
    version: Mapped[int] = mapped_column(Integer, default=1)
    receipt: Mapped[str] = mapped_column(String(64))
