"""Amendments, their changes and sponsors, recommendations and conflicts."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from constitution.db import Base, StrEnumType, Timestamp, utcnow


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_COMMITTEE = "in_committee"
    RECOMMENDED = "recommended"
    SCHEDULED = "scheduled"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    OBSOLETE = "obsolete"
    NEEDS_UPDATE = "needs_update"


OPEN_STATUSES = frozenset(
    {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.IN_COMMITTEE,
        Status.RECOMMENDED,
        Status.SCHEDULED,
        Status.NEEDS_UPDATE,
    }
)


class Amendment(Base):
    __tablename__ = "amendments"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    number: Mapped[int] = mapped_column(Integer)
    # An amendment to an amendment names the amendment it amends.
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"))
    title: Mapped[str] = mapped_column(String(300))
    rationale: Mapped[dict[str, str]] = mapped_column(JSON)
    status: Mapped[Status] = mapped_column(StrEnumType(Status, 16), index=True)
    base_rev: Mapped[int] = mapped_column(Integer)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    updated_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    adopted_rev: Mapped[int | None] = mapped_column(Integer)
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"))
    recommendation: Mapped[str | None] = mapped_column(String(16))
    recommendation_note: Mapped[str | None] = mapped_column(Text)
    # A committee substitute: {key: {language: text}} for the replaced provisions.
    substitute: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Why it needs an update: [{"key", "language", "base", "ours", "theirs"}].
    problem: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    changes: Mapped[list[AmendmentChange]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AmendmentChange.seq"
    )
    sponsors: Mapped[list[Sponsor]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Sponsor.member_id"
    )


class AmendmentChange(Base):
    """One change: replace, insert, delete or move a provision.

    ``base_text`` is the provision's text at the amendment's base revision (for a replace),
    so that the change can be rebased by a three-way merge when the text moves on.
    """

    __tablename__ = "amendment_changes"
    __table_args__ = (UniqueConstraint("amendment_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(100), index=True)
    after: Mapped[str | None] = mapped_column(String(100))
    parent: Mapped[str | None] = mapped_column(String(100))
    label: Mapped[str | None] = mapped_column(String(100))
    # The labels it gives in each language ({language: label}), where it gives any: all of
    # a new provision's, or those a replace changes (None: no language's label changes).
    labels: Mapped[dict[str, str] | None] = mapped_column(JSON)
    kind: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[dict[str, str]] = mapped_column(JSON)
    base_text: Mapped[dict[str, str]] = mapped_column(JSON)

    def own_text(self) -> dict[str, str]:
        """The texts it gives: every language of an insert; of a replace, the languages it
        changes (its ``text`` keeps the others' text at its base, which must not be carried
        over another proposal's, as an amendment to an amendment's would be)."""
        if self.op != "replace":
            return dict(self.text)
        return {lang: t for lang, t in self.text.items() if t != self.base_text.get(lang)}

    def as_text_change(
        self,
        text: dict[str, str] | None = None,
        *,
        label: str | None = None,
        labels: dict[str, str] | None = None,
        kind: str | None = None,
    ) -> dict[str, Any]:
        """This change as a change of the text (API.md's shape), with ``text``, ``label``,
        ``labels`` and ``kind`` in place of its own where they are given."""
        text = self.text if text is None else text
        label = self.label if label is None else label
        labels = self.labels if labels is None else labels
        if self.op == "replace":
            change: dict[str, Any] = {"op": "replace", "key": self.key, "text": text}
            if label is not None:
                change["label"] = label
            if labels:
                change["labels"] = dict(labels)
            return change
        if self.op == "insert":
            change = {
                "op": "insert",
                "key": self.key,
                "after": self.after,
                "parent": self.parent,
                "label": label,
                "kind": self.kind if kind is None else kind,
                "text": text,
            }
            if labels:
                change["labels"] = dict(labels)
            return change
        if self.op == "delete":
            return {"op": "delete", "key": self.key}
        return {"op": "move", "key": self.key, "parent": self.parent, "after": self.after}


class Sponsor(Base):
    __tablename__ = "amendment_sponsors"

    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)


class AmendmentConflict(Base):
    """Two open amendments whose changes overlap; stored once with a < b (a stored
    conflict row; not the HTTP 409 ``StateConflict`` nor a merge's ``MergeConflict``)."""

    __tablename__ = "amendment_conflicts"

    a_id: Mapped[int] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE"), primary_key=True
    )
    b_id: Mapped[int] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100))


class Recommendation(Base):
    """Each recommendation a committee member recorded on an amendment, oldest first: the
    amendment's ``recommendation`` fields hold the latest; these rows are its history."""

    __tablename__ = "amendment_recommendations"
    __table_args__ = (Index("ix_amendment_recommendations_amendment", "amendment_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id", ondelete="CASCADE"))
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    recommendation: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    substitute: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
