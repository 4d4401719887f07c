"""What the comment parts of pages show, loaded before the template runs (pure reading)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.accounts.services import display_names
from constitution.comments.models import Comment
from constitution.comments.services import Thread, resolve_anchors
from constitution.texts.models import Document

MAX_DEPTH = 4  # replies deeper than this are indented no further

UrlFor = Callable[..., str]


def comment_thread(db: Session, thread: Thread, comments: list[Comment]) -> list[dict[str, Any]]:
    """The comments in thread order (each reply right after what it answers), with depth,
    author, moderator and the anchored passage found again in the current text."""
    anchors = resolve_anchors(db, thread.document, comments, thread.proposed)
    people = display_names(db, [c.author_id for c in comments] + [c.hidden_by_id for c in comments])
    known = {c.id for c in comments}
    children: dict[int | None, list[Comment]] = {}
    for comment in comments:
        parent = comment.parent_id if comment.parent_id in known else None
        children.setdefault(parent, []).append(comment)
    shown: list[dict[str, Any]] = []
    stack = [(c, 0) for c in reversed(children.get(None, []))]
    while stack:
        comment, depth = stack.pop()
        shown.append(
            {
                "comment": comment,
                "depth": min(depth, MAX_DEPTH),
                "author": people.get(comment.author_id, "—"),
                "hidden_by": people.get(comment.hidden_by_id or 0, "—"),
                "anchor": anchors.get(comment.id),
            }
        )
        stack.extend((c, depth + 1) for c in reversed(children.get(comment.id, [])))
    return shown


def comment_targets(db: Session, url: UrlFor, comment_ids: Iterable[int]) -> dict[int, str]:
    """Where each comment is shown: its amendment's page or its provision's page."""
    ids = list(set(comment_ids))
    if not ids:
        return {}
    rows = db.execute(
        select(Comment.id, Comment.amendment_id, Comment.provision_key, Document.slug)
        .join(Document, Document.id == Comment.document_id)
        .where(Comment.id.in_(ids))
    ).all()
    targets = {}
    for comment_id, amendment_id, key, slug in rows:
        if amendment_id is not None:
            page = url("amendments.detail", amendment_id=amendment_id)
        elif key is None:
            targets[comment_id] = url("texts.contents", slug=slug)
            continue
        else:
            page = url("texts.provision", slug=slug, key=key)
        targets[comment_id] = f"{page}#c-{comment_id}"
    return targets
