"""Web pages for the draft: documents, contents, revisions, compare, search, editorial
corrections; and the text's share of the reading view and the provision page, which
``constitution.pages`` composes with amendments and comments."""

from __future__ import annotations

import itertools
import re
from typing import Any

from markupsafe import Markup
from starlette.responses import Response

from constitution.accounts import permissions
from constitution.accounts.web import current_member
from constitution.diffing.render import inline_html, side_by_side
from constitution.errors import N_, DomainError, Invalid, NotFound
from constitution.i18n import gettext, localize_digits
from constitution.texts import services
from constitution.texts.compare import Change, compare
from constitution.texts.diffs import Differ, differ_for
from constitution.texts.models import Document, ProvisionVersion
from constitution.texts.search import clean_query, search
from constitution.texts.units import unit_of, unit_page, units
from constitution.texts.validation import Notices
from constitution.web.framework import Ctx
from constitution.web.params import parse_id
from constitution.web.render import render

VIEWS = ("inline", "side")


def _document(ctx: Ctx) -> Document:
    return services.get_document(ctx.db, ctx.request.path_params["slug"])


def _rev(ctx: Ctx, document: Document, name: str = "rev") -> int:
    raw = ctx.request.query_params.get(name, "")
    if raw == "":
        return document.current_rev
    rev = parse_id(raw)
    if rev is None:
        raise NotFound(N_("This document has no such revision."))
    return services.check_rev(document, rev)


def _languages(ctx: Ctx, document: Document) -> list[str]:
    """The languages to show: ?lang=my, ?lang=en, ?lang=both (all), default the reader's."""
    wanted = ctx.request.query_params.get("lang", "")
    if wanted == "both":
        return list(document.languages)
    if wanted in document.languages:
        return [wanted]
    if ctx.lang in document.languages:
        return [ctx.lang]
    return [document.authoritative]


def documents(ctx: Ctx) -> Response:
    return render(ctx, "texts/documents.html", {"documents": services.list_documents(ctx.db)})


def contents(ctx: Ctx) -> Response:
    document = _document(ctx)
    rev = _rev(ctx, document)
    rows = services.versions_at(ctx.db, document, rev)
    return render(
        ctx,
        "texts/contents.html",
        {
            "document": document,
            "rev": rev,
            "rows": rows,
            "depth": services.depth_map(rows),
            "unit_of": unit_of(rows),
        },
    )


class InUnit(Exception):
    """The reading page asked for names a provision that is read in this unit's page."""

    def __init__(self, key: str | None) -> None:
        super().__init__(key)
        self.key = key


def reading_context(ctx: Ctx, unit_key: str | None = None) -> dict[str, Any]:
    """What the reading view shows of the text: one revision in the chosen languages, the
    whole text or one part or chapter (404 when the document has no such unit). A unit's
    page reads the document's outline and only its own texts (and the titles of the units)."""
    document = _document(ctx)
    rev = _rev(ctx, document)
    languages = _languages(ctx, document)
    context: dict[str, Any] = {
        "document": document,
        "rev": rev,
        "languages": languages,
        "lang_param": "both" if len(languages) > 1 else languages[0],
        "with_amendments": False,
        "proposals": {},
        "unit": None,
    }
    if unit_key is None:
        rows = services.versions_at(ctx.db, document, rev)
        return context | {"rows": rows, "depth": services.depth_map(rows), "units": units(rows)}
    outline = services.outline_at(ctx.db, document, rev)
    found = unit_page(outline, unit_key)
    if found is None and any(row.key == unit_key for row in outline):
        raise InUnit(None)  # a provision in no part or chapter: the whole text
    if found is None:
        raise NotFound(N_("This document has no such part or chapter."))
    if found.row.key != unit_key:
        raise InUnit(found.row.key)
    every_unit = units(outline)
    full = services.versions_by_ids(ctx.db, [r.id for r in [*found.rows, *every_unit]])
    # Units and shown rows get their versions; the others (neighbours, ancestors) are units.
    unit = found.with_rows(lambda r: full[r.id])
    return context | {
        "rows": unit.rows,
        "depth": services.depth_map(outline),
        "unit": unit,
        "units": [full[r.id] for r in every_unit],
    }


def provision_context(
    ctx: Ctx, document: Document, key: str, differ: Differ | None = None
) -> dict[str, Any]:
    """A provision's text and history: every version, each step as a diff."""
    differ = differ if differ is not None else differ_for(ctx)
    history = services.provision_history(ctx.db, document, key)
    current = history[-1] if history[-1].rev_to is None else None
    steps: list[dict[str, Any]] = []
    languages = document.languages
    for older, newer in itertools.pairwise(history):
        change = Change(key, newer.label, "modified", old=older, new=newer)
        found = differ.diffs(
            [(older.text.get(lang, ""), newer.text.get(lang, "")) for lang in languages]
        )
        diffs = {lang: inline_html(d.pairs) for lang, d in zip(languages, found, strict=True)}
        steps.append(
            {
                "change": change,
                "diffs": diffs,
                "rev": newer.rev_from,
                "simplified": any(d.simplified for d in found),
            }
        )
    differ.save()
    return {
        "document": document,
        "history": history,
        "current": current,
        "steps": steps,
        "latest": history[-1],
        "can_edit": permissions.is_editor(current_member(ctx)),
    }


# The reasons the platform itself writes, shown in the page's language (a reason the
# secretariat typed is shown as she typed it).
_ADOPTED = re.compile(r"Amendment (\d+): (.*)", re.DOTALL)


def reason_shown(kind: str, reason: str, language: str) -> str:
    """A revision's reason in the page's language when the platform wrote it."""
    if kind == "import" and reason == "Imported":
        return gettext("Imported")
    adopted = _ADOPTED.fullmatch(reason) if kind == "amendment" else None
    if adopted is not None:
        return gettext("Amendment %(number)s: %(title)s") % {
            "number": localize_digits(adopted[1], language),
            "title": adopted[2],
        }
    return reason


def revision_list(ctx: Ctx) -> Response:
    document = _document(ctx)
    rows = services.revisions(ctx.db, document)
    names = services.author_names(ctx.db, rows)
    return render(
        ctx,
        "texts/revisions.html",
        {
            "document": document,
            "revisions": list(reversed(rows)),
            "names": names,
            "reasons": {r.rev: reason_shown(r.kind, r.reason, ctx.lang) for r in rows},
        },
    )


def compare_page(ctx: Ctx) -> Response:
    document = _document(ctx)
    rev_to = _rev(ctx, document, "to")
    rev_from = (
        _rev(ctx, document, "from") if ctx.request.query_params.get("from") else max(1, rev_to - 1)
    )
    view = ctx.request.query_params.get("view", "inline")
    view = view if view in VIEWS else "inline"
    with differ_for(ctx) as differ:
        changes = compare(ctx.db, document, rev_from, rev_to, differ)
    rendered = []
    for change in changes:
        cells = {}
        for lang in document.languages:
            pairs = change.diff.get(lang, [])
            cells[lang] = side_by_side(pairs) if view == "side" else inline_html(pairs)
        rendered.append({"change": change, "cells": cells})
    revs = services.revisions(ctx.db, document)
    return render(
        ctx,
        "texts/compare.html",
        {
            "document": document,
            "rev_from": rev_from,
            "rev_to": rev_to,
            "view": view,
            "changes": rendered,
            "revs": revs,
            "reasons": {r.rev: reason_shown(r.kind, r.reason, ctx.lang) for r in revs},
        },
    )


def search_page(ctx: Ctx) -> Response:
    """Search: a query that cannot be searched is shown back with the reason (422)."""
    document = _document(ctx)
    query = ctx.request.query_params.get("q", "").strip()
    cleaned, error, hits = None, None, []
    if query:
        try:
            cleaned = clean_query(query)
            hits = search(ctx.db, document.id, cleaned, language=ctx.lang)
        except Invalid as refused:
            error = refused.message
    shown = cleaned.text if cleaned is not None else query
    context = {
        "document": document,
        "query": query,
        # What she typed, shown back as she typed it (escaped), marked as hers.
        "typed": Markup('<q class="typed">%s</q>') % shown,
        "cleaned": cleaned,
        "error": error,
        "hits": hits,
    }
    return render(ctx, "texts/search.html", context, status=422 if error else 200)


def edit_form(ctx: Ctx) -> Response:
    document = _document(ctx)
    services.require_editor(current_member(ctx))
    key = ctx.request.path_params["key"]
    latest = services.provision_history(ctx.db, document, key)[-1]
    if latest.rev_to is not None:
        raise NotFound(N_("This provision was removed."))
    return _edit_page(ctx, document, latest, dict(latest.text), "")


def _edit_page(
    ctx: Ctx,
    document: Document,
    row: ProvisionVersion,
    values: dict[str, str],
    reason: str,
    *,
    base_rev: int | None = None,
    error: DomainError | None = None,
    stale: list[dict[str, Any]] | None = None,
) -> Response:
    """The correction form, made on ``base_rev`` (its hidden field; default the current
    revision): a form shown again after a refusal stays on the revision it was made on,
    unless the refusal showed her what changed since."""
    return render(
        ctx,
        "texts/edit.html",
        {
            "document": document,
            "row": row,
            "values": values,
            "reason": reason,
            "base_rev": document.current_rev if base_rev is None else base_rev,
            "error": ctx._(error.message) if error is not None else None,
            "field": error.field if error is not None else None,
            "stale": stale,
        },
        status=error.status if error is not None else 200,
    )


def _posted_base(ctx: Ctx) -> int | str | None:
    """The form's ``base_rev``: a number, or what was sent when it is none (the service
    refuses it), or None for a form without one (saved as before, unchecked)."""
    raw = ctx.form.get("base_rev")
    if raw is None or raw.strip() == "":
        return None
    number = parse_id(raw, strip=True)
    return raw if number is None else number


def _valid_base(document: Document, base_rev: int | str | None) -> int | None:
    if isinstance(base_rev, int) and 1 <= base_rev <= document.current_rev:
        return base_rev
    return None


def _started_from(
    ctx: Ctx, document: Document, key: str, base_rev: int | str | None, latest: ProvisionVersion
) -> ProvisionVersion:
    """The version of the provision the form was filled from: the one at ``base_rev``."""
    rev = _valid_base(document, base_rev)
    if rev is not None:
        rows = services.versions_at(ctx.db, document, rev)
        found = next((r for r in rows if r.key == key), None)
        if found is not None:
            return found
    return latest


def _stale_views(
    document: Document,
    base: ProvisionVersion,
    latest: ProvisionVersion,
    values: dict[str, str],
    differ: Differ,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """What changed since she opened the form, per language (the current text and the
    change from the text she started from), and the form's values on the new base: hers
    where she changed the text, the current text where she did not."""
    removed = latest.rev_to is not None
    views = []
    kept = {}
    for lang in document.languages:
        started, now = base.text.get(lang, ""), latest.text.get(lang, "")
        mine = values.get(lang, "")
        kept[lang] = mine if mine.strip() != started or removed else now
        if started != now or removed:
            views.append(
                {
                    "language": lang,
                    "current": now,
                    "diff": inline_html(differ.pairs(started, now)),
                    "mine": mine,
                }
            )
    return views, kept


def edit(ctx: Ctx) -> Response:
    """An editorial correction or translation update by the secretariat, refused when the
    provision changed since the form was opened (its ``base_rev``)."""
    document = _document(ctx)
    member = current_member(ctx)
    key = ctx.request.path_params["key"]
    values = {lang: ctx.form.get(f"text_{lang}", "") for lang in document.languages}
    reason = ctx.form.get("reason", "")
    latest = services.provision_history(ctx.db, document, key)[-1]
    base_rev = _posted_base(ctx)
    base = _started_from(ctx, document, key, base_rev, latest)
    # Only the languages she changed from the text she started from.
    changed = {
        lang: text for lang, text in values.items() if text.strip() != base.text.get(lang, "")
    }
    body: dict[str, Any] = {
        "reason": reason,
        "changes": [{"op": "replace", "key": key, "text": changed}],
    }
    if base_rev is not None:
        body["base_rev"] = base_rev
    notices = Notices()
    try:
        revision = services.editorial_revision(
            ctx.db, member, document, body, notices, ctx.begin_write
        )
    except DomainError as error:
        ctx.start_over()
        if error.code != "stale_base":
            kept = _valid_base(document, base_rev)
            return _edit_page(ctx, document, latest, values, reason, base_rev=kept, error=error)
        with differ_for(ctx) as differ:
            stale, on_new_base = _stale_views(document, base, latest, values, differ)
        return _edit_page(ctx, document, latest, on_new_base, reason, error=error, stale=stale)
    message = N_("Saved as revision %(rev)s.")
    if notices.items:
        message = N_(
            "Saved as revision %(rev)s. Text typed in Zawgyi was converted to Unicode; "
            "please check it."
        )
    ctx.flash_text(ctx.message(message, rev=revision.rev))
    return ctx.redirect(ctx.url("texts.provision", slug=document.slug, key=key))
