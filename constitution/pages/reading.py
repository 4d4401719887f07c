"""The reading view: the text of one revision, whole or one part or chapter at a time, and
with ``?with=amendments`` every open amendment's proposed change under the provision it
changes (current revision only)."""

from __future__ import annotations

from starlette.responses import Response

from constitution.amendments import display
from constitution.texts.diffs import differ_for
from constitution.texts.views import InUnit, reading_context
from constitution.web.framework import Ctx
from constitution.web.render import render


def read(ctx: Ctx) -> Response:
    return _page(ctx, None)


def read_unit(ctx: Ctx) -> Response:
    """One part or chapter: its text, previous and next, and the contents."""
    return _page(ctx, ctx.request.path_params["key"])


def _page(ctx: Ctx, unit_key: str | None) -> Response:
    try:
        context = reading_context(ctx, unit_key)
    except InUnit as found:
        # A provision's key: its part's or chapter's page, at the provision.
        slug = ctx.request.path_params["slug"]
        query = ctx.request.url.query
        if found.key is None:
            url = ctx.url("texts.read", slug=slug)
        else:
            url = ctx.url("texts.read_unit", slug=slug, key=found.key)
        return ctx.redirect(f"{url}{'?' + query if query else ''}#p-{unit_key}")
    document = context["document"]
    if (
        ctx.request.query_params.get("with") == "amendments"
        and context["rev"] == document.current_rev
    ):
        context["with_amendments"] = True
        context["proposals"] = display.proposals_by_key(
            ctx.db, document, context["rows"], context["languages"], differ_for(ctx)
        )
    return render(ctx, "texts/read.html", context)
