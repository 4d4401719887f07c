"""API v1: amendments, their workflow actions, comments, and the inbox (API.md)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from constitution.accounts.models import Committee, Member
from constitution.accounts.web import current_member
from constitution.amendments import services
from constitution.amendments.models import Amendment, Status
from constitution.api.accounts import body_object
from constitution.audit.services import format_time
from constitution.comments import services as comment_service
from constitution.comments.models import Comment
from constitution.db import clean_ids
from constitution.errors import N_, Invalid
from constitution.inbox import services as inbox_service
from constitution.inbox.models import Notification
from constitution.texts import services as texts
from constitution.texts.diffs import Differ
from constitution.texts.diffs import differ_for as _differ_for
from constitution.texts.models import Document
from constitution.texts.validation import Notices, labels_following
from constitution.web.framework import Ctx, json_response


def _me(ctx: Ctx) -> Member:
    return current_member(ctx)


def amendment_json(
    db: Session,
    amendment: Amendment,
    document: Document | None = None,
    conflicts: list[int] | None = None,
    differ: Differ | None = None,
    *,
    diffs: bool = True,
    labels: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The amendment as API.md shows it; ``labels`` are the document's current labels by
    key (``texts.current_label_maps``), read here for its own provisions when not given."""
    document = document or db.get_one(Document, amendment.document_id)
    if labels is None:
        labels = texts.current_label_maps(db, document, [c.key for c in amendment.changes])
    differ = differ if differ is not None else Differ()
    recommendation = None
    if amendment.recommendation is not None:
        committee = db.get(Committee, amendment.committee_id) if amendment.committee_id else None
        recommendation = {
            "committee": amendment.committee_id,
            "committee_name": committee.name if committee else None,
            "committee_names": dict(committee.names or {}) if committee else {},
            "recommendation": amendment.recommendation,
            "note": amendment.recommendation_note or "",
            "text": amendment.substitute,
        }
    return {
        "id": amendment.id,
        "number": amendment.number,
        "document": document.slug,
        "amends": amendment.amends_id,
        "title": amendment.title,
        "rationale": amendment.rationale,
        "status": amendment.status,
        "base_rev": amendment.base_rev,
        "proposer": amendment.proposer_id,
        "sponsors": [s.member_id for s in amendment.sponsors],
        "changes": [
            _change_json(document, c, labels, differ if diffs else None) for c in amendment.changes
        ],
        "conflicts": (services.conflicts_of(db, amendment) if conflicts is None else conflicts),
        "recommendation": recommendation,
        "problem": amendment.problem,
        "adopted_rev": amendment.adopted_rev,
        "created_at": format_time(amendment.created_at),
        "updated_at": format_time(amendment.updated_at),
    }


def _change_json(
    document: Document, change: Any, labels: dict[str, dict[str, str]], differ: Differ | None
) -> dict[str, Any]:
    """The change, with its diff unless ``differ`` is None (the amendment list). Its
    ``labels`` are the ones the provision has once the change is adopted: a new provision
    those the change gives, any other its current ones as ``labels_following`` changes
    them."""
    own = {} if change.op == "insert" else labels.get(change.key, {})
    body: dict[str, Any] = {
        "op": change.op,
        "key": change.key,
        "label": change.label,
        "labels": labels_following(own, document.authoritative, change.label, change.labels),
        "kind": change.kind,
        "parent": change.parent,
        "after": change.after,
    }
    if differ is None:
        return body
    diffs = services.change_diffs(document, change, differ)
    body["diff"] = {lang: [[op, text] for op, text in d.pairs] for lang, d in diffs.items()}
    if any(d.simplified for d in diffs.values()):
        # Present (true) only when a diff was simplified to save time.
        body["simplified"] = True
    return body


def _json(ctx: Ctx, amendment: Amendment, document: Document | None = None) -> dict[str, Any]:
    """``amendment_json`` with the request's diff budget, its new diffs stored."""
    with _differ_for(ctx) as differ:
        return amendment_json(ctx.db, amendment, document, differ=differ)


def _amendment(ctx: Ctx) -> Amendment:
    return services.get_amendment(ctx.db, ctx.request.path_params["amendment_id"])


def _with_notices(body: dict[str, Any], notices: Notices) -> dict[str, Any]:
    body["notices"] = notices.items
    return body


def _answer(
    ctx: Ctx, amendment: Amendment, notices: Notices | None = None, status: int = 200
) -> Response:
    """The amendment as it stands once the follow-up work of the request (its conflicts)
    is done."""
    amendment_id = amendment.id

    def render(db: Session) -> Response:
        # ``ctx.db`` is now the fresh read transaction ``db``.
        body = _json(ctx, db.get_one(Amendment, amendment_id))
        return json_response(_with_notices(body, notices) if notices else body, status)

    return ctx.answer_after_commit(render)


def amendment_create(ctx: Ctx) -> Response:
    document = texts.get_document(ctx.db, ctx.request.path_params["slug"])
    notices = Notices()
    amendment = services.propose(
        ctx.db, ctx.settings, _me(ctx), document, body_object(ctx), notices, ctx.begin_write
    )
    return _answer(ctx, amendment, notices, 201)


def amendment_list(ctx: Ctx) -> Response:
    document = texts.get_document(ctx.db, ctx.request.path_params["slug"])
    status = ctx.request.query_params.get("status")
    if status and status not in {s.value for s in Status}:
        raise Invalid(N_("There is no such status."), field="status")
    include = ctx.request.query_params.get("include", "")
    if include not in ("", "diffs"):
        raise Invalid(N_("Only include=diffs can be asked for."), field="include")
    rows = services.list_amendments(ctx.db, document)
    if status:
        rows = [a for a in rows if a.status == status]
    conflicts = services.conflict_map(ctx.db, [a.id for a in rows])
    labels = texts.current_label_maps(ctx.db, document)
    if include != "diffs":
        # Without their diffs, the list stays small however long the amendments are.
        body = [
            amendment_json(ctx.db, a, document, conflicts[a.id], diffs=False, labels=labels)
            for a in rows
        ]
        return json_response(body)
    with _differ_for(ctx) as differ:
        differ.prefetch(
            (c.base_text.get(lang, ""), c.text.get(lang, ""))
            for a in rows
            for c in a.changes
            if c.op == "replace"
            for lang in document.languages
        )
        body = [
            amendment_json(ctx.db, a, document, conflicts[a.id], differ, labels=labels)
            for a in rows
        ]
    return json_response(body)


def amendment_detail(ctx: Ctx) -> Response:
    return json_response(_json(ctx, _amendment(ctx)))


def amendment_update(ctx: Ctx) -> Response:
    notices = Notices()
    amendment = services.update_changes(
        ctx.db,
        _me(ctx),
        _amendment(ctx),
        body_object(ctx),
        notices,
        max_chars=ctx.settings.amendment_max_chars,
        begin_write=ctx.begin_write,
    )
    return _answer(ctx, amendment, notices)


def sponsor(ctx: Ctx) -> Response:
    return json_response(_json(ctx, services.sponsor(ctx.db, _me(ctx), _amendment(ctx))))


def submit(ctx: Ctx) -> Response:
    amendment = services.submit(ctx.db, ctx.settings, _me(ctx), _amendment(ctx))
    return _answer(ctx, amendment)


def withdraw(ctx: Ctx) -> Response:
    return json_response(_json(ctx, services.withdraw(ctx.db, _me(ctx), _amendment(ctx))))


def recommendation(ctx: Ctx) -> Response:
    notices = Notices()
    amendment = services.recommend(ctx.db, _me(ctx), _amendment(ctx), body_object(ctx), notices)
    return json_response(_with_notices(_json(ctx, amendment), notices))


def comment_json(comment: Comment, anchor: comment_service.ResolvedAnchor | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": comment.id,
        "author": comment.author_id,
        "body": None if comment.hidden_at else comment.body,
        "parent": comment.parent_id,
        "created_at": format_time(comment.created_at),
        "hidden": comment.hidden_at is not None,
    }
    if comment.hidden_at is not None:
        body["hidden_reason"] = comment.hidden_reason
    if anchor is not None:
        body["anchor"] = {
            "key": anchor.key,
            "language": anchor.language,
            "exact": anchor.exact,
            "prefix": anchor.prefix,
            "suffix": anchor.suffix,
            "rev": anchor.rev,
            "made_on": anchor.made_on,
            "found": anchor.found,
            "start": anchor.start,
            "end": anchor.end,
            "source": anchor.source,
            "near": None
            if anchor.near_start is None
            else {"start": anchor.near_start, "end": anchor.near_end, "text": anchor.near_text},
        }
    return body


def comment_create(ctx: Ctx) -> Response:
    amendment = _amendment(ctx)
    document = ctx.db.get_one(Document, amendment.document_id)
    body = body_object(ctx)
    notices = Notices()
    comment = comment_service.add_comment(
        ctx.db,
        _me(ctx),
        services.thread_of(amendment, document),
        body=body.get("body"),
        parent=body.get("parent"),
        anchor=body.get("anchor"),
        notices=notices,
    )
    thread = services.thread_of(amendment, document)
    anchors = comment_service.resolve_anchors(ctx.db, document, [comment], thread.proposed)
    return json_response(
        _with_notices(comment_json(comment, anchors.get(comment.id)), notices), 201
    )


def comment_list(ctx: Ctx) -> Response:
    amendment = _amendment(ctx)
    document = ctx.db.get_one(Document, amendment.document_id)
    thread = services.thread_of(amendment, document)
    rows = comment_service.comments_on(ctx.db, thread)
    anchors = comment_service.resolve_anchors(ctx.db, document, rows, thread.proposed)
    return json_response([comment_json(c, anchors.get(c.id)) for c in rows])


def comment_hide(ctx: Ctx) -> Response:
    body = body_object(ctx)
    comment = comment_service.hide_comment(
        ctx.db, _me(ctx), ctx.request.path_params["comment_id"], body.get("reason"), Notices()
    )
    return json_response(comment_json(comment, None))


def notification_json(row: Notification) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "amendment": row.amendment_id,
        "comment": row.comment_id,
        "payload": row.payload,
        "created_at": format_time(row.created_at),
        "read": row.read_at is not None,
    }


def inbox(ctx: Ctx) -> Response:
    return json_response([notification_json(n) for n in inbox_service.inbox(ctx.db, _me(ctx).id)])


def inbox_read(ctx: Ctx) -> Response:
    body = ctx.body if ctx.body is not None else {}
    if not isinstance(body, dict):
        raise Invalid(N_("The request body must be a JSON object."), field="body")
    ids = body.get("ids")
    if ids is not None:
        ids = clean_ids(ids, "ids", N_("This must be a list of ids."))
    count = inbox_service.mark_read(ctx.db, _me(ctx).id, ids)
    return json_response({"read": count})
