"""Documents, their revisions, and provisions with versions valid over a range of revisions.

A provision version is valid from revision ``rev_from`` up to, not including, ``rev_to``
(``None`` while current). The document at revision N is every version with
``rev_from <= N < rev_to``, in ``position`` order: one indexed query for any revision.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from constitution.db import Base, Timestamp, utcnow

KINDS = ("part", "chapter", "article", "section", "clause", "subclause")


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    languages: Mapped[list[str]] = mapped_column(JSON)
    authoritative: Mapped[str] = mapped_column(String(16))
    current_rev: Mapped[int] = mapped_column(Integer, default=0)
    # The revision up to which the follow-up work of new revisions (re-checking open
    # amendments) has run; behind ``current_rev`` only while that work is pending.
    settled_rev: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("document_id", "rev"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    rev: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))  # import, editorial, amendment
    reason: Mapped[str] = mapped_column(Text)
    amendment_id: Mapped[int | None] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Provision(Base):
    """A provision's identity: its stable key within the document."""

    __tablename__ = "provisions"
    __table_args__ = (UniqueConstraint("document_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    key: Mapped[str] = mapped_column(String(100))
    created_rev: Mapped[int] = mapped_column(Integer)


class ProvisionVersion(Base):
    __tablename__ = "provision_versions"
    __table_args__ = (
        Index("ix_provision_versions_document_range", "document_id", "rev_from", "rev_to"),
        Index("ix_provision_versions_provision", "provision_id", "rev_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    provision_id: Mapped[int] = mapped_column(ForeignKey("provisions.id"))
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    rev_from: Mapped[int] = mapped_column(Integer)
    rev_to: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100))
    # The label in each language that has its own ("ပုဒ်မ ၉", "Article 9"); ``label`` is
    # shown in the others.
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    kind: Mapped[str] = mapped_column(String(16))
    parent_key: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(64))
    text: Mapped[dict[str, str]] = mapped_column(JSON)
    outdated: Mapped[list[str]] = mapped_column(JSON)
    hash: Mapped[str] = mapped_column(String(64))

    def content(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "parent": self.parent_key,
            "text": self.text,
            "outdated": sorted(self.outdated),
            # Only when it has some, so the hashes of texts without them stay as they were.
            **({"labels": dict(self.labels)} if self.labels else {}),
        }


class SearchEntry(Base):
    """The current text of each provision in each language, for substring search."""

    __tablename__ = "search_entries"
    __table_args__ = (Index("ix_search_entries_document", "document_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    key: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text)


class StoredDiff(Base):
    """A diff of two texts, computed once (see :mod:`constitution.texts.diffs`).

    Keyed by the SHA-256 of the old and of the new text: a diff is a function of the two
    texts alone, so provision versions (immutable) and amendment changes (rewritten by an
    update, which changes the hash) share one store that never needs invalidating.
    ``pairs`` holds each piece's op and length only (the pieces are slices of the texts).
    """

    __tablename__ = "diff_cache"

    old_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    new_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    pairs: Mapped[list[list[Any]]] = mapped_column(JSON)
    simplified: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
