"""API v1: documents, revisions, compare, search (API.md, Texts)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution.accounts.web import current_member
from constitution.api.accounts import body_object
from constitution.audit.services import format_time
from constitution.errors import N_, Invalid
from constitution.texts import services
from constitution.texts.compare import compare
from constitution.texts.diffs import differ_for
from constitution.texts.formats import document_json
from constitution.texts.models import Document, ProvisionVersion, Revision
from constitution.texts.search import search
from constitution.texts.validation import Notices, clean_document
from constitution.web.framework import Ctx, json_response
from constitution.web.params import parse_id


def _int_param(ctx: Ctx, name: str, *, required: bool = False) -> int | None:
    raw = ctx.request.query_params.get(name)
    if raw is None or raw == "":
        if required:
            raise Invalid(N_("This parameter is required."), field=name)
        return None
    value = parse_id(raw)
    if value is None:
        raise Invalid(N_("This must be a whole number."), field=name)
    return value


def _provision_json(document: Document, row: ProvisionVersion) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "labels": dict(row.labels or {}),
        "kind": row.kind,
        "parent": row.parent_key,
        "text": {lang: row.text.get(lang, "") for lang in document.languages},
        "version": row.version,
        "outdated": sorted(row.outdated),
    }


def document_at(ctx: Ctx, document: Document, rev: int) -> dict[str, Any]:
    rows = services.versions_at(ctx.db, document, rev)
    return {
        "slug": document.slug,
        "title": document.title,
        "rev": rev,
        "languages": document.languages,
        "authoritative": document.authoritative,
        "provisions": [_provision_json(document, r) for r in rows],
    }


def revision_json(revision: Revision, author: str | None) -> dict[str, Any]:
    return {
        "rev": revision.rev,
        "created_at": format_time(revision.created_at),
        "author": author,
        "reason": revision.reason,
        "kind": revision.kind,
        "amendment": revision.amendment_id,
        "hash": revision.hash,
    }


def _document(ctx: Ctx) -> Document:
    return services.get_document(ctx.db, ctx.request.path_params["slug"])


def document_create(ctx: Ctx) -> Response:
    notices = Notices()
    data = clean_document(body_object(ctx), notices)
    document = services.create_document(ctx.db, current_member(ctx), data)
    body = document_at(ctx, document, document.current_rev)
    body["notices"] = notices.items
    return json_response(body, 201)


def document_list(ctx: Ctx) -> Response:
    return json_response(
        [
            {
                "slug": d.slug,
                "title": d.title,
                "rev": d.current_rev,
                "languages": d.languages,
                "authoritative": d.authoritative,
            }
            for d in services.list_documents(ctx.db)
        ]
    )


def document_detail(ctx: Ctx) -> Response:
    document = _document(ctx)
    rev = services.check_rev(document, _int_param(ctx, "rev"))
    return json_response(document_at(ctx, document, rev))


def revision_list(ctx: Ctx) -> Response:
    document = _document(ctx)
    rows = services.revisions(ctx.db, document)
    names = services.author_names(ctx.db, rows)
    return json_response([revision_json(r, names.get(r.author_id or 0)) for r in rows])


def revision_create(ctx: Ctx) -> Response:
    member = current_member(ctx)
    document = _document(ctx)
    notices = Notices()
    revision = services.editorial_revision(
        ctx.db, member, document, body_object(ctx), notices, ctx.begin_write
    )
    body = revision_json(revision, member.display_name)
    body["notices"] = notices.items
    return json_response(body, 201)


def compare_view(ctx: Ctx) -> Response:
    document = _document(ctx)
    rev_from = _int_param(ctx, "from", required=True)
    rev_to = _int_param(ctx, "to", required=True)
    assert rev_from is not None and rev_to is not None
    with differ_for(ctx) as differ:
        changes = compare(ctx.db, document, rev_from, rev_to, differ)
    return json_response(
        {
            "from": rev_from,
            "to": rev_to,
            "changes": [
                {
                    "key": c.key,
                    "label": c.label,
                    "labels": c.labels,
                    "change": c.change,
                    "moved": c.moved,
                    "diff": {
                        lang: [[op, text] for op, text in pairs] for lang, pairs in c.diff.items()
                    },
                    # Present (true) only when a diff was simplified to save time.
                    **({"simplified": True} if c.simplified else {}),
                }
                for c in changes
            ],
        }
    )


def search_view(ctx: Ctx) -> Response:
    document = _document(ctx)
    hits = search(ctx.db, document.id, ctx.request.query_params.get("q", ""))
    return json_response(
        [
            {
                "key": h.key,
                "label": h.label,
                "labels": h.labels,
                "language": h.language,
                "snippet": h.snippet,
                "highlights": [list(span) for span in h.found.highlights()],
                "match": "label" if h.by_label else "text",
            }
            for h in hits
        ]
    )


def export_json(ctx: Ctx, document: Document, rev: int) -> dict[str, Any]:
    return document_json(document, services.versions_at(ctx.db, document, rev))
