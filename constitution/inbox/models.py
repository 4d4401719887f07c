"""Notifications: what concerns a member, shown in the platform only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from constitution.db import Base, OptTimestamp, Timestamp, utcnow


class Notification(Base):
    """An inbox entry: something that concerns a member, shown in the platform only."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_member", "member_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    read_at: Mapped[OptTimestamp]
