"""What the amendment and comment pages show, loaded and rendered before the template runs.

Pure reading: these helpers query and build plain values (diffs rendered as escaped
``Markup``) for the views of ``amendments`` and ``texts``; they never write.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from constitution.accounts.models import CommitteeMember, Member
from constitution.accounts.services import members_by_ids
from constitution.amendments import comments as comment_service
from constitution.amendments import services
from constitution.amendments.models import (
    OPEN_STATUSES,
    Amendment,
    AmendmentChange,
    Comment,
    Notification,
)
from constitution.amendments.models import Conflict as ConflictRow
from constitution.diffing.diff import diff_tokens
from constitution.diffing.render import inline_html, side_by_side, synopsis
from constitution.texts import services as texts
from constitution.texts.models import Document, ProvisionVersion

MAX_DEPTH = 4  # replies deeper than this are indented no further


def names(db: Session, ids: Iterable[int | None]) -> dict[int, str]:
    return {m.id: m.display_name for m in members_by_ids(db, {i for i in ids if i})}


def form_text(value: str) -> str:
    """A textarea's value as the services store it: LF line ends, NFC, no outer space."""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def changed_languages(values: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """Only the languages whose text differs from the current one (a replace that names a
    language also confirms its translation)."""
    return {lang: text for lang, text in values.items() if form_text(text) != current.get(lang, "")}


def unread_count(db: Session, member: Member) -> int:
    """How many of the member's notifications are unread (shown in the navigation)."""
    unread = db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.member_id == member.id, Notification.read_at.is_(None))
    )
    return int(unread or 0)


def committee_count(db: Session, member: Member) -> int:
    """How many committees the member sits on (shown in the navigation)."""
    committees = db.scalar(
        select(func.count())
        .select_from(CommitteeMember)
        .where(CommitteeMember.member_id == member.id)
    )
    return int(committees or 0)


def conflict_counts(db: Session, ids: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    rows = db.execute(
        select(ConflictRow.a_id, ConflictRow.b_id).where(
            or_(ConflictRow.a_id.in_(ids), ConflictRow.b_id.in_(ids))
        )
    ).all()
    for a, b in rows:
        for side in (a, b):
            if side in counts:
                counts[side] += 1
    return counts


def amendments_by_ids(db: Session, ids: Iterable[int]) -> list[Amendment]:
    wanted = list(set(ids))
    if not wanted:
        return []
    return list(
        db.scalars(select(Amendment).where(Amendment.id.in_(wanted)).order_by(Amendment.number))
    )


def current_rows(db: Session, document: Document) -> dict[str, ProvisionVersion]:
    return {r.key: r for r in texts.versions_at(db, document, document.current_rev)}


# ---- changes ----------------------------------------------------------------------------


def change_views(
    db: Session,
    document: Document,
    amendment: Amendment,
    *,
    side: bool = False,
    current: Mapping[str, ProvisionVersion] | None = None,
) -> list[dict[str, Any]]:
    """Each change: its diff per language (inline, or old and new side by side) against the
    text it was made on, and a synopsis of the current text beside the amended one."""
    current = current_rows(db, document) if current is None else current
    result = []
    for change in amendment.changes:
        pairs = services.change_diff(document, change)
        cells: dict[str, Any] = {
            lang: side_by_side(p) if side else inline_html(p) for lang, p in pairs.items()
        }
        row = current.get(change.key)
        old = row.text if row is not None and change.op != "insert" else None
        if change.op in ("replace", "insert"):
            new: Mapping[str, str] | None = change.text
        elif change.op == "move":
            new = old
        else:
            new = None
        rows = {
            lang: (old.get(lang) if old else None, new.get(lang) if new else None)
            for lang in document.languages
        }
        result.append(
            {
                "change": change,
                "label": change.label or (row.label if row is not None else change.key),
                "exists": row is not None,
                "cells": cells,
                "synopsis": synopsis(rows),
            }
        )
    return result


def substitute_views(document: Document, amendment: Amendment) -> list[dict[str, Any]]:
    """A committee substitute, per provision and language, as a diff against the amendment."""
    substitute = amendment.substitute or {}
    result = []
    for change in amendment.changes:
        text = substitute.get(change.key)
        if not isinstance(text, dict):
            continue
        cells = {
            lang: inline_html(diff_tokens(change.text.get(lang, ""), text[lang]))
            for lang in document.languages
            if lang in text
        }
        result.append({"key": change.key, "label": change.label or change.key, "cells": cells})
    return result


def problem_views(amendment: Amendment) -> list[dict[str, Any]]:
    """Why the amendment needs an update: per provision and language, what it changes and
    what the text changed meanwhile, both from the same base."""
    result = []
    for problem in amendment.problem or []:
        if "language" not in problem:
            continue
        base = str(problem.get("base", ""))
        result.append(
            {
                "key": problem.get("key"),
                "language": problem["language"],
                "base": base,
                "ours": inline_html(diff_tokens(base, str(problem.get("ours", "")))),
                "theirs": inline_html(diff_tokens(base, str(problem.get("theirs", "")))),
            }
        )
    return result


def preview(
    db: Session, document: Document, changes: list[dict[str, Any]], notices: Any
) -> list[dict[str, Any]]:
    """Apply the changes to the current text in memory (every check of a real change runs,
    nothing is written) and render each one as a synopsis."""
    tree = texts.load_tree(db, document)
    before = {k: (d.label, dict(d.text)) for k, d in tree.items.items() if not d.deleted}
    texts.apply_changes(tree, changes, notices)
    result = []
    for change in changes:
        key = str(change.get("key"))
        draft = tree.items.get(key)
        old = before.get(key)
        new = None if draft is None or draft.deleted else draft.text
        rows = {
            lang: (old[1].get(lang) if old else None, new.get(lang) if new else None)
            for lang in document.languages
        }
        label = draft.label if draft is not None else (old[0] if old else key)
        result.append({"key": key, "label": label, "op": change.get("op"), "cells": synopsis(rows)})
    return result


def proposals_by_key(
    db: Session, document: Document, rows: list[ProvisionVersion], languages: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Every open amendment's change, placed under the provision it changes (an inserted
    provision under the one it follows), as an inline diff against the current text."""
    current = {r.key: r for r in rows}
    found: dict[str, list[dict[str, Any]]] = {}
    amendments = db.scalars(
        select(Amendment)
        .where(
            Amendment.document_id == document.id,
            Amendment.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .order_by(Amendment.number)
    )
    for amendment in amendments:
        for change in amendment.changes:
            place = (change.after or change.parent) if change.op == "insert" else change.key
            row = current.get(place or "")
            if row is None:
                continue
            cells = {lang: _proposed(change, row, lang) for lang in languages}
            found.setdefault(row.key, []).append(
                {"amendment": amendment, "change": change, "cells": cells}
            )
    return found


def _proposed(change: AmendmentChange, row: ProvisionVersion, lang: str) -> Markup:
    old = row.text.get(lang, "")
    if change.op == "insert":
        return inline_html([(1, change.text.get(lang, ""))])
    if change.op == "delete":
        return inline_html([(-1, old)])
    if change.op == "replace":
        return inline_html(diff_tokens(old, change.text.get(lang, old)))
    return inline_html([(0, old)])


# ---- comments ---------------------------------------------------------------------------


def comment_thread(
    db: Session, document: Document, comments: list[Comment]
) -> list[dict[str, Any]]:
    """The comments in thread order (each reply right after what it answers), with depth,
    author, moderator and the anchored passage found again in the current text."""
    anchors = comment_service.resolve_anchors(db, document, comments)
    people = names(db, [c.author_id for c in comments] + [c.hidden_by_id for c in comments])
    known = {c.id for c in comments}
    children: dict[int | None, list[Comment]] = {}
    for comment in comments:
        parent = comment.parent_id if comment.parent_id in known else None
        children.setdefault(parent, []).append(comment)
    thread: list[dict[str, Any]] = []
    stack = [(c, 0) for c in reversed(children.get(None, []))]
    while stack:
        comment, depth = stack.pop()
        thread.append(
            {
                "comment": comment,
                "depth": min(depth, MAX_DEPTH),
                "author": people.get(comment.author_id, "—"),
                "hidden_by": people.get(comment.hidden_by_id or 0, "—"),
                "anchor": anchors.get(comment.id),
            }
        )
        stack.extend((c, depth + 1) for c in reversed(children.get(comment.id, [])))
    return thread


def comment_targets(db: Session, comment_ids: Iterable[int]) -> dict[int, str]:
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
            targets[comment_id] = f"/amendments/{amendment_id}#c-{comment_id}"
        elif key is None:
            targets[comment_id] = f"/documents/{slug}"
        else:
            targets[comment_id] = f"/documents/{slug}/p/{key}#c-{comment_id}"
    return targets
