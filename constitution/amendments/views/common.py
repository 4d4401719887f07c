"""What the amendment pages share: finding the objects a URL names, and the answer to a
saved form."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution.amendments import services
from constitution.amendments.models import Amendment
from constitution.errors import N_, DomainError, Forbidden, NotFound
from constitution.texts import services as texts
from constitution.texts.models import Document, ProvisionVersion
from constitution.texts.validation import Notices
from constitution.web.framework import Ctx

ZAWGYI = N_("Text typed in Zawgyi was converted to Unicode; please check it.")


def document_in_path(ctx: Ctx) -> Document:
    return texts.get_document(ctx.db, ctx.request.path_params["slug"])


def amendment_in_path(ctx: Ctx) -> Amendment:
    return services.get_amendment(ctx.db, ctx.request.path_params["amendment_id"])


def amendment_url(ctx: Ctx, amendment: Amendment, fragment: str = "") -> str:
    url = ctx.url("amendments.detail", amendment_id=amendment.id)
    return f"{url}#{fragment}" if fragment else url


def saved(ctx: Ctx, url: str, message: str, notices: Notices, **values: Any) -> Response:
    """Redirect with the flash message, saying so when Zawgyi was converted."""
    text = ctx.message(message, **values) if values else ctx._(message)
    if notices.items:
        text += " " + ctx._(ZAWGYI)
    ctx.flash_text(text)
    return ctx.redirect(url)


def current_row(ctx: Ctx, document: Document, key: str) -> ProvisionVersion:
    latest = texts.provision_history(ctx.db, document, key)[-1]
    if latest.rev_to is not None:
        raise NotFound(N_("This provision was removed."))
    return latest


def languages_text(ctx: Ctx, document: Document, prefix: str) -> dict[str, str]:
    """The posted text of each language (fields ``{prefix}{language}``)."""
    return {lang: ctx.form.get(f"{prefix}{lang}", "") for lang in document.languages}


def given(values: dict[str, str]) -> dict[str, str]:
    """Only the languages a form filled in."""
    return {lang: text for lang, text in values.items() if text.strip()}


def refused(ctx: Ctx, url: str, error: DomainError) -> Response:
    """A refused action: nothing it wrote stays, and she is back on ``url`` (the page she
    came from) with the reason. What the page never offers her (a missing amendment, an
    action not hers to take: 404, 403) stays an error page."""
    if isinstance(error, NotFound | Forbidden):
        raise error
    ctx.start_over()
    ctx.flash_text(ctx._(error.message))
    return ctx.redirect(url)


def action(ctx: Ctx, amendment: Amendment, act: Any, done: str) -> Response:
    """Run ``act()`` (a service call on ``amendment``); back to the amendment's page with
    ``done`` or with the reason it was refused."""
    url = amendment_url(ctx, amendment)
    try:
        act()
    except DomainError as error:
        return refused(ctx, url, error)
    return ctx.redirect(url, done)
