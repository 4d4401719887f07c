"""The state of a comment that the audit chain records after each change: what it says,
where, by whom, and whether (by whom, why, when) it was hidden."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.audit.services import format_time
from constitution.comments.models import Comment


def comment_states(db: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, Any]]:
    query = select(
        Comment.id,
        Comment.document_id,
        Comment.amendment_id,
        Comment.provision_key,
        Comment.parent_id,
        Comment.author_id,
        Comment.body,
        Comment.anchor,
        Comment.hidden_at,
        Comment.hidden_by_id,
        Comment.hidden_reason,
    ).order_by(Comment.id)
    if ids is not None:
        query = query.where(Comment.id.in_(ids))
    for row in db.execute(query):
        yield (
            row.id,
            {
                "document": row.document_id,
                "amendment": row.amendment_id,
                "provision": row.provision_key,
                "parent": row.parent_id,
                "author": row.author_id,
                "body": row.body,
                "anchor": row.anchor,
                "hidden": {
                    "at": format_time(row.hidden_at) if row.hidden_at else None,
                    "by": row.hidden_by_id,
                    "reason": row.hidden_reason,
                },
            },
        )
