"""Lists of amendments: the member's own and every document's, and one document's."""

from __future__ import annotations

from starlette.responses import Response

from constitution.accounts.services import display_names
from constitution.accounts.web import current_member
from constitution.amendments import services
from constitution.amendments.models import Amendment, Status
from constitution.amendments.views.common import document_in_path
from constitution.texts import services as texts
from constitution.texts.models import Document
from constitution.web.framework import Ctx
from constitution.web.render import render

STATUSES = tuple(s.value for s in Status)


def index(ctx: Ctx) -> Response:
    """Every document's amendments, and the member's own and co-sponsored ones."""
    documents = texts.list_documents(ctx.db)
    context = {
        "documents": documents,
        "open_counts": services.open_counts(ctx.db),
        "mine": services.of_member(ctx.db, current_member(ctx).id),
        # Which document each is on, by its title in her language (a slug is an address).
        "titles": {d.id: d.title.get(ctx.lang) or d.title[d.authoritative] for d in documents},
    }
    return render(ctx, "amendments/index.html", context)


def amendment_list(ctx: Ctx) -> Response:
    document = document_in_path(ctx)
    status = ctx.request.query_params.get("status", "")
    rows = services.list_amendments(ctx.db, document, with_changes=False)
    if status in STATUSES:
        rows = [a for a in rows if a.status == status]
    else:
        status = ""
    context = {
        "document": document,
        "rows": rows,
        "status": status,
        "statuses": STATUSES,
        "names": display_names(ctx.db, [a.proposer_id for a in rows]),
        "conflicts": services.conflict_counts(ctx.db, [a.id for a in rows]),
        "provisions": _provisions(ctx, document, rows),
    }
    return render(ctx, "amendments/list.html", context)


def _provisions(ctx: Ctx, document: Document, rows: list[Amendment]) -> dict[int, list[str]]:
    """What each amendment is about: the labels of the provisions it changes."""
    changed = services.changed_provisions(ctx.db, [a.id for a in rows])
    labels = texts.current_labels(ctx.db, document, ctx.lang) if changed else {}
    return {
        amendment_id: list(
            dict.fromkeys(
                labels.get(key) or own.get(ctx.lang) or label or key for key, label, own in keys
            )
        )
        for amendment_id, keys in changed.items()
    }
