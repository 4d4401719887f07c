"""The comment part of a page: its thread and forms, and posting from any page's form.

Pages that carry comments (an amendment's, a provision's) call ``comments_context`` for
what to show and ``post_comment`` for a posted form; they render themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constitution.accounts.web import current_member, switch_language
from constitution.comments import services
from constitution.comments.display import comment_thread
from constitution.comments.models import Comment
from constitution.comments.permissions import may_moderate
from constitution.comments.services import Thread
from constitution.errors import DomainError
from constitution.texts.validation import Notices
from constitution.web.framework import Ctx
from constitution.web.params import parse_id

COMMENT_FIELDS = ("body", "parent", "source", "key", "language", "exact", "prefix", "suffix")
ANCHOR_FIELDS = ("source", "key", "language", "exact", "prefix", "suffix")


def comments_context(
    ctx: Ctx,
    thread: Thread,
    *,
    keys: list[tuple[str, str]],
    action: str,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the comments part of a page shows: the thread and its forms. ``keys`` are the
    provisions (key, label) a passage may be quoted from."""
    comments = services.comments_on(ctx.db, thread)
    target = (state or {}).get("target", "")
    # Shown again (a refusal, a language switch): the switch sends the comment form back
    # here to be shown again, unsent, with what she typed.
    keep = target == "new" or target.startswith("reply-")
    return {
        "thread": comment_thread(ctx.db, thread, comments),
        "comment_keys": keys,
        "comment_labels": dict(keys),
        "comment_action": action,
        "comment_proposed": bool(thread.proposed),
        "can_moderate": may_moderate(current_member(ctx)),
        "comment_state": state or {"target": "", "error": None, "values": {}},
        "keep_form": {"id": f"form-{target}", "action": action} if keep else None,
    }


@dataclass
class Posted:
    """A posted comment form: the comment made, or the form's state and status to show it
    again with the error."""

    comment: Comment | None
    state: dict[str, Any] | None
    status: int
    notices: Notices


def _posted_comment(ctx: Ctx) -> tuple[dict[str, str], Any, Any]:
    values = {name: ctx.form.get(name, "") for name in COMMENT_FIELDS}
    raw_parent = values["parent"].strip()
    parent: Any = parse_id(raw_parent, strip=True)
    if parent is None and raw_parent:
        parent = raw_parent  # refused by the service as not a comment's id
    anchor = None
    if values["exact"].strip():
        anchor = {name: values[name] for name in ANCHOR_FIELDS}
    return values, parent, anchor


def form_state(target: str, error: str | None, values: dict[str, str]) -> dict[str, Any]:
    """The state of a refused comment form (``target``: which form), shown again."""
    return {"target": target, "error": error, "values": values}


def post_comment(ctx: Ctx, thread: Thread) -> Posted:
    """Post a comment, a reply or a comment on a passage; on refusal, undo and return the
    form's state and status to show it again."""
    values, parent, anchor = _posted_comment(ctx)
    notices = Notices()
    raw_parent = values["parent"].strip()
    target = f"reply-{raw_parent}" if raw_parent else "new"
    if switch_language(ctx, ctx.form.get("switch_language")):
        return Posted(None, form_state(target, None, values), 200, notices)
    try:
        made = services.add_comment(
            ctx.db,
            current_member(ctx),
            thread,
            body=values["body"],
            parent=parent,
            anchor=anchor,
            notices=notices,
        )
    except DomainError as error:
        ctx.start_over()
        return Posted(None, form_state(target, ctx._(error.message), values), error.status, notices)
    return Posted(made, None, 200, notices)
