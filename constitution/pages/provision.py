"""A provision's page: its text and history (texts), its open amendments (amendments) and
its comments (comments); and a comment posted from it."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution.amendments import services as amendments
from constitution.amendments.display import on_current
from constitution.amendments.views.common import saved
from constitution.comments.services import Thread
from constitution.comments.views import comments_context, post_comment
from constitution.diffing.render import compact_html, inline_html
from constitution.errors import N_
from constitution.texts import services as texts
from constitution.texts.diffs import Differ, differ_for
from constitution.texts.models import Document, ProvisionVersion
from constitution.texts.validation import shown_label
from constitution.texts.views import provision_context
from constitution.web.framework import Ctx
from constitution.web.params import parse_id
from constitution.web.render import render


def provision(ctx: Ctx) -> Response:
    document = texts.get_document(ctx.db, ctx.request.path_params["slug"])
    return provision_page(ctx, document, ctx.request.path_params["key"])


def _open_amendments(
    ctx: Ctx, document: Document, key: str, differ: Differ, current: ProvisionVersion | None
) -> list[dict[str, Any]]:
    """Each open amendment's change to the provision, against the current text: compactly
    (the changed words with some context), and in full for the one asked by ``?show=``."""
    wanted = parse_id(ctx.request.query_params.get("show", ""))
    languages = document.languages
    result = []
    entries = []
    for amendment in amendments.open_amendments_for(ctx.db, document, key):
        for change in amendment.changes:
            if change.key != key:
                continue
            text = current.text if current is not None else None
            on = [
                on_current(change, text.get(lang, "") if text else None, lang, differ.budget)
                for lang in languages
            ]
            entries.append((amendment, change, on))
    # Every stored diff of the page in one lookup, rather than one per amendment.
    differ.prefetch((shown.old, shown.new) for _, _, on in entries for shown in on)
    for amendment, change, on in entries:
        found = differ.diffs([(shown.old, shown.new) for shown in on])
        full = amendment.id == wanted
        cells = {}
        for lang, diff in zip(languages, found, strict=True):
            if any(op != 0 for op, _ in diff.pairs):
                cells[lang] = inline_html(diff.pairs) if full else compact_html(diff.pairs)
        result.append(
            {
                "amendment": amendment,
                "change": change,
                "full": full,
                "cells": cells,
                "conflict": [
                    lang for lang, shown in zip(languages, on, strict=True) if shown.conflict
                ],
                "simplified": any(diff.simplified for diff in found),
            }
        )
    differ.save()
    return result


def provision_page(
    ctx: Ctx,
    document: Document,
    key: str,
    *,
    comment_state: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """A provision's text, history, open amendments and comments (also shown again, with
    the member's text and the error, when her comment was refused)."""
    differ = differ_for(ctx)
    context = provision_context(ctx, document, key, differ)
    latest = context["latest"]
    label = shown_label(latest.label, latest.labels or {}, ctx.lang)
    keys = [(key, label)] if context["current"] is not None else []
    context["amendments"] = _open_amendments(ctx, document, key, differ, context["current"])
    context |= comments_context(
        ctx,
        Thread(document, provision_key=key),
        keys=keys,
        action=ctx.url("comments.provision", slug=document.slug, key=key),
        state=comment_state,
    )
    return render(ctx, "pages/provision.html", context, status)


def provision_comment(ctx: Ctx) -> Response:
    """A comment, a reply or a comment on a passage, on a provision."""
    document = texts.get_document(ctx.db, ctx.request.path_params["slug"])
    key = ctx.request.path_params["key"]
    texts.provision_history(ctx.db, document, key)  # 404 for a provision that never was
    posted = post_comment(ctx, Thread(document, provision_key=key))
    if posted.comment is None:
        assert posted.state is not None
        return provision_page(ctx, document, key, comment_state=posted.state, status=posted.status)
    url = ctx.url("texts.provision", slug=document.slug, key=key) + f"#c-{posted.comment.id}"
    return saved(ctx, url, N_("Your comment was posted."), posted.notices)
