"""Threaded comments on amendments, provisions and quoted passages; moderation.

A comment belongs to a ``Thread``: an amendment's (known here by its id, number and
proposer only) or a provision's.

A passage is anchored like a W3C text-quote selector (exact text plus some context before
and after) with the revision it was made on; on later revisions it is found again by
``constitution.diffing.anchor.find_anchor``, or shown as changed with the old quote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.accounts.permissions import require_participant
from constitution.audit.services import record
from constitution.comments.models import Comment
from constitution.comments.permissions import may_moderate
from constitution.db import clean_id, utcnow
from constitution.diffing.anchor import find_anchor, find_exact
from constitution.errors import N_, Forbidden, Invalid, NotFound, StateConflict
from constitution.inbox.services import notify
from constitution.texts import services as texts
from constitution.texts.models import Document
from constitution.texts.validation import Notices, clean_string

MAX_BODY = 10_000
MAX_QUOTE = 1_000
MAX_CONTEXT = 64
# Where a quoted passage is taken from.
SOURCE_CURRENT = "current"
SOURCE_PROPOSAL = "proposal"


@dataclass(frozen=True)
class Thread:
    """Where a comment is made: an amendment's thread (told to its proposer, ``owner_id``)
    or a provision's. The comments part knows an amendment only by its id and number."""

    document: Document
    amendment_id: int | None = None
    provision_key: str | None = None
    owner_id: int | None = None
    number: int | None = None
    # An amendment's proposed words by provision key and language: a passage may be quoted
    # from them (an anchor with ``"source": "proposal"``) as well as from the current text.
    proposed: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ResolvedAnchor:
    key: str
    language: str
    exact: str
    prefix: str
    suffix: str
    rev: int  # the revision it was resolved against (the current one)
    made_on: int  # the revision the comment was made on
    found: bool  # its exact words are still in the current text (at start:end)
    start: int | None
    end: int | None
    source: str = SOURCE_CURRENT  # or SOURCE_PROPOSAL: the amendment's proposed words
    # When not found: where it most likely went (a passage of the current text), if anywhere.
    near_start: int | None = None
    near_end: int | None = None
    near_text: str | None = None


def _clean_quoted(value: Any, name: str, notices: Notices, *, max_length: int) -> str:
    """Quoted text or its context: a passage of the stored text, so only normalised (never
    taken for Zawgyi and converted, which would rewrite the passage), its whitespace kept."""
    return clean_string(
        value, name, notices, max_length=max_length, required=False, strip=False, zawgyi=False
    )


def _quoted_text(db: Session, thread: Thread, value: Mapping[str, Any]) -> tuple[str, str, str]:
    """(source, key, text) of the passage an anchor quotes from: the current text of a
    provision, or the words the thread's amendment proposes for it."""
    document = thread.document
    source = value.get("source") or SOURCE_CURRENT  # a form without the choice sends ""
    if source not in (SOURCE_CURRENT, SOURCE_PROPOSAL):
        raise Invalid(
            N_("A passage is quoted from the current text or from the proposal."),
            field="anchor.source",
        )
    key = value.get("key")
    language = value.get("language")
    if language not in document.languages:
        raise Invalid(N_("Unknown language."), field="anchor.language")
    if source == SOURCE_PROPOSAL:
        if not isinstance(key, str) or not thread.proposed.get(key, {}).get(str(language)):
            raise Invalid(
                N_("The amendment proposes no words for this provision in this language."),
                field="anchor.key",
            )
        return source, key, thread.proposed[key][str(language)]
    rows = {r.key: r for r in texts.versions_at(db, document, document.current_rev)}
    if not isinstance(key, str) or key not in rows:
        raise Invalid(N_("This document has no such provision."), field="anchor.key")
    return source, key, rows[key].text.get(str(language), "")


def _clean_anchor(db: Session, thread: Thread, value: Any, notices: Notices) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid(N_("The anchor must be an object."), field="anchor")
    document = thread.document
    source, key, text = _quoted_text(db, thread, value)
    language = value.get("language")
    raw = _clean_quoted(value.get("exact"), "anchor.exact", notices, max_length=MAX_QUOTE)
    exact = raw.strip()
    if not exact:
        raise Invalid(N_("This field is required."), field="anchor.exact")
    # The context must join the quote exactly: whitespace at the quote's ends moves into it.
    lead = raw[: len(raw) - len(raw.lstrip())]
    trail = raw[len(raw.rstrip()) :]
    prefix = _clean_quoted(value.get("prefix"), "anchor.prefix", notices, max_length=MAX_CONTEXT)
    suffix = _clean_quoted(value.get("suffix"), "anchor.suffix", notices, max_length=MAX_CONTEXT)
    prefix = (prefix + lead)[-MAX_CONTEXT:]
    suffix = (trail + suffix)[:MAX_CONTEXT]
    # Its exact words must be there (found, perhaps widened to whole syllables).
    if exact not in text or find_anchor(text, exact, prefix, suffix) is None:
        raise Invalid(
            N_("The quoted passage is not in the current text.")
            if source == SOURCE_CURRENT
            else N_("The quoted passage is not in the amendment's proposed words."),
            field="anchor.exact",
            code="passage_not_found",
        )
    anchor = {
        "key": key,
        "language": language,
        "exact": exact,
        "prefix": prefix,
        "suffix": suffix,
        "rev": document.current_rev,
    }
    if source == SOURCE_PROPOSAL:
        anchor["source"] = source
    return anchor


def add_comment(
    db: Session,
    actor: Member,
    thread: Thread,
    *,
    body: Any,
    parent: Any = None,
    anchor: Any = None,
    notices: Notices,
) -> Comment:
    require_participant(actor)
    document, amendment_id, provision_key = (
        thread.document,
        thread.amendment_id,
        thread.provision_key,
    )
    text = clean_string(body, "body", notices, max_length=MAX_BODY)
    parent_comment: Comment | None = None
    if parent is not None:
        parent_id = clean_id(parent, "parent", N_("This must be the id of a comment."))
        parent_comment = db.get(Comment, parent_id)
        if (
            parent_comment is None
            or parent_comment.amendment_id != amendment_id
            or parent_comment.provision_key != provision_key
        ):
            raise Invalid(N_("There is no such comment here."), field="parent")
        if parent_comment.hidden_at is not None:
            raise StateConflict(
                N_("A hidden comment cannot be answered."), field="parent", code="comment_hidden"
            )
    anchor_data = _clean_anchor(db, thread, anchor, notices) if anchor is not None else None
    comment = Comment(
        document_id=document.id,
        amendment_id=amendment_id,
        provision_key=provision_key,
        parent_id=parent_comment.id if parent_comment else None,
        author_id=actor.id,
        body=text,
        anchor=anchor_data,
    )
    db.add(comment)
    db.flush()
    record(
        db,
        "comment.created",
        f"comment:{comment.id}",
        actor_id=actor.id,
        payload={
            "amendment": comment.amendment_id,
            "provision": provision_key,
            "parent": comment.parent_id,
        },
    )
    told = {"actor": actor.display_name, "number": thread.number}
    if thread.owner_id is not None:
        notify(
            db,
            thread.owner_id,
            "comment",
            actor_id=actor.id,
            amendment_id=amendment_id,
            comment_id=comment.id,
            payload=told,
        )
    if parent_comment is not None and parent_comment.author_id != thread.owner_id:
        notify(
            db,
            parent_comment.author_id,
            "reply",
            actor_id=actor.id,
            amendment_id=amendment_id,
            comment_id=comment.id,
            payload=told,
        )
    return comment


def comments_on(db: Session, thread: Thread) -> list[Comment]:
    query = select(Comment)
    if thread.amendment_id is not None:
        query = query.where(Comment.amendment_id == thread.amendment_id)
    else:
        query = query.where(
            Comment.document_id == thread.document.id,
            Comment.provision_key == thread.provision_key,
            Comment.amendment_id.is_(None),
        )
    return list(db.scalars(query.order_by(Comment.id)))


def resolve_anchors(
    db: Session,
    document: Document,
    comments: list[Comment],
    proposed: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[int, ResolvedAnchor]:
    """Find every anchored passage again in the current text (or, for a passage quoted from
    an amendment's proposal, in the words it proposes now: ``proposed``)."""
    if not any(c.anchor for c in comments):
        return {}
    rows = {r.key: r for r in texts.versions_at(db, document, document.current_rev)}
    result = {}
    for comment in comments:
        anchor = comment.anchor
        if not anchor:
            continue
        source = anchor.get("source", SOURCE_CURRENT)
        if source == SOURCE_PROPOSAL:
            words = (proposed or {}).get(anchor["key"], {})
            text: str | None = words.get(anchor["language"]) if words else None
        else:
            row = rows.get(anchor["key"])
            text = row.text.get(anchor["language"], "") if row is not None else None
        quote = (text or "", anchor["exact"], anchor.get("prefix", ""), anchor.get("suffix", ""))
        span = find_exact(*quote) if text is not None else None
        # Not all its words are there: where it most likely went, to show beside the quote.
        near = find_anchor(*quote) if text is not None and span is None else None
        result[comment.id] = ResolvedAnchor(
            anchor["key"],
            anchor["language"],
            anchor["exact"],
            anchor.get("prefix", ""),
            anchor.get("suffix", ""),
            document.current_rev,
            anchor["rev"],
            span is not None,
            span[0] if span else None,
            span[1] if span else None,
            source,
            near[0] if near else None,
            near[1] if near else None,
            quote[0][near[0] : near[1]] if near else None,
        )
    return result


def hide_comment(
    db: Session, actor: Member, comment_id: int, reason: Any, notices: Notices
) -> Comment:
    if not may_moderate(actor):
        raise Forbidden(N_("Only a chair, the secretariat or an admin may hide comments."))
    comment = db.get(Comment, comment_id)
    if comment is None:
        raise NotFound(N_("There is no such comment."))
    if comment.hidden_at is not None:
        raise StateConflict(N_("This comment is already hidden."), code="comment_hidden")
    why = clean_string(reason, "reason", notices, max_length=2_000, multiline=False)
    comment.hidden_at = utcnow()
    comment.hidden_by_id = actor.id
    comment.hidden_reason = why
    record(
        db, "comment.hidden", f"comment:{comment.id}", actor_id=actor.id, payload={"reason": why}
    )
    notify(
        db,
        comment.author_id,
        "comment_hidden",
        actor_id=actor.id,
        comment_id=comment.id,
        payload={"actor": actor.display_name, "number": None, "reason": why},
    )
    return comment
