"""The reading view: the text of one revision, and with ``?with=amendments`` every open
amendment's proposed change under the provision it changes (current revision only)."""

from __future__ import annotations

from starlette.responses import Response

from constitution.amendments import display
from constitution.texts.diffs import differ_for
from constitution.texts.views import reading_context
from constitution.web.framework import Ctx
from constitution.web.render import render


def read(ctx: Ctx) -> Response:
    context = reading_context(ctx)
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
