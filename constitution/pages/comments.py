"""Hiding a comment (moderation): refused, the page the comment is on is shown again, be
it an amendment's or a provision's."""

from __future__ import annotations

from starlette.responses import Response

from constitution.accounts.web import current_member
from constitution.amendments import services as amendments
from constitution.amendments.views.detail import detail_page
from constitution.comments import services
from constitution.comments.display import comment_targets
from constitution.comments.models import Comment
from constitution.comments.views import form_state
from constitution.errors import N_, DomainError, Forbidden, NotFound
from constitution.pages.provision import provision_page
from constitution.texts.models import Document
from constitution.texts.validation import Notices
from constitution.web.framework import Ctx


def hide_comment(ctx: Ctx) -> Response:
    comment_id = ctx.request.path_params["comment_id"]
    reason = ctx.form.get("reason", "")
    try:
        hidden = services.hide_comment(ctx.db, current_member(ctx), comment_id, reason, Notices())
    except DomainError as error:
        if isinstance(error, Forbidden | NotFound):
            raise
        ctx.start_over()
        found = ctx.db.get(Comment, comment_id)
        assert found is not None
        state = form_state(f"hide-{comment_id}", ctx._(error.message), {"reason": reason})
        if found.amendment_id is not None:
            amendment = amendments.get_amendment(ctx.db, found.amendment_id)
            return detail_page(ctx, amendment, comment_state=state, status=error.status)
        document = ctx.db.get_one(Document, found.document_id)
        key = found.provision_key or ""
        return provision_page(ctx, document, key, comment_state=state, status=error.status)
    target = comment_targets(ctx.db, ctx.url, [hidden.id])[hidden.id]
    return ctx.redirect(target, N_("The comment was hidden."))
