"""The home page. Logged in, it leads to what a member works on: the documents (the draft
revised last first, with its latest revision and what it changed), her amendments, her
committees' queues and her inbox."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution.accounts import committees as committee_service
from constitution.accounts.models import Member
from constitution.amendments import permissions as rules
from constitution.amendments import services as amendments
from constitution.inbox import services as inbox
from constitution.texts import services as texts
from constitution.texts.models import Document
from constitution.web.framework import Ctx
from constitution.web.render import render

# How many of her amendments, and of a revision's changed provisions, the page lists.
SHOWN_AMENDMENTS = 5
SHOWN_CHANGES = 8


def home(ctx: Ctx) -> Response:
    member = ctx.member
    session = ctx.session
    if (
        not isinstance(member, Member)
        or session is None
        or not session.second_factor_ok
        or member.needs_totp
    ):
        return render(ctx, "home.html", {"overview": None})
    return render(ctx, "home.html", {"overview": _overview(ctx, member)})


def _overview(ctx: Ctx, member: Member) -> dict[str, Any]:
    documents = [_document_item(ctx, d) for d in texts.list_documents(ctx.db)]
    documents.sort(key=lambda item: item["revised_at"], reverse=True)
    mine = amendments.of_member(ctx.db, member.id, limit=SHOWN_AMENDMENTS + 1)
    return {
        "documents": documents,
        "open_counts": amendments.open_counts(ctx.db),
        "mine": mine[:SHOWN_AMENDMENTS],
        "more_mine": len(mine) > SHOWN_AMENDMENTS,
        "slugs": {d["document"].id: d["document"].slug for d in documents},
        "committees": _committees(ctx, member),
        "unread": inbox.unread_count(ctx.db, member),
    }


def _document_item(ctx: Ctx, document: Document) -> dict[str, Any]:
    revision = texts.get_revision(ctx.db, document, document.current_rev)
    changes = (
        []
        if revision.kind == "import"
        else texts.revision_changes(ctx.db, document, document.current_rev, ctx.lang)
    )
    return {
        "document": document,
        "revision": revision,
        "revised_at": revision.created_at,
        "changes": changes[:SHOWN_CHANGES],
        "more_changes": max(0, len(changes) - SHOWN_CHANGES),
        "compare_from": max(1, document.current_rev - 1),
    }


def _committees(ctx: Ctx, member: Member) -> list[dict[str, Any]]:
    """Her committees, each with how many amendments wait in its queue."""
    mine = [
        c for c in committee_service.list_committees(ctx.db, ctx.lang) if rules.sits_on(member, c)
    ]
    if not mine:
        return []
    documents = texts.list_documents(ctx.db)
    return [
        {
            "committee": committee,
            "waiting": sum(
                len(amendments.committee_queue(ctx.db, committee, d)) for d in documents
            ),
        }
        for committee in mine
    ]
