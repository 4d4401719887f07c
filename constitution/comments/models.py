"""Threaded comments on amendments, provisions and quoted passages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from constitution.db import Base, OptTimestamp, Timestamp, utcnow


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_amendment", "amendment_id", "id"),
        Index("ix_comments_provision", "document_id", "provision_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"))
    provision_key: Mapped[str | None] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    body: Mapped[str] = mapped_column(Text)
    # A quoted passage: {"key", "language", "exact", "prefix", "suffix", "rev"}.
    anchor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    hidden_at: Mapped[OptTimestamp]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
