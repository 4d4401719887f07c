"""Drafting committees' pages: the member's committees, a committee's queue with each
amendment's diffs, and recording a recommendation from the queue."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution.accounts import committees as committee_service
from constitution.accounts.models import Committee
from constitution.accounts.services import display_names
from constitution.accounts.web import current_member
from constitution.amendments import display, services
from constitution.amendments import permissions as rules
from constitution.amendments.models import Amendment
from constitution.amendments.views.common import (
    amendment_in_path,
    amendment_url,
    given,
    languages_text,
)
from constitution.errors import N_, DomainError, Forbidden, NotFound
from constitution.texts import services as texts
from constitution.texts.diffs import Differ, differ_for
from constitution.texts.models import Document
from constitution.texts.validation import Notices
from constitution.web.framework import Ctx
from constitution.web.params import parse_id
from constitution.web.render import render

TEXT_OPS = ("replace", "insert")


def committee_list(ctx: Ctx) -> Response:
    me = current_member(ctx)
    rows = committee_service.list_committees(ctx.db, ctx.lang)
    rows = [c for c in rows if rules.may_see_queue(me, c)]
    keys = [p.key for c in rows for p in c.provisions]
    labels = texts.labels_of_keys(ctx.db, keys, ctx.lang)
    return render(ctx, "amendments/committees.html", {"committees": rows, "labels": labels})


def _committee(ctx: Ctx, committee_id: int) -> Committee:
    committee = committee_service.get_committee(ctx.db, committee_id)
    if not rules.may_see_queue(current_member(ctx), committee):
        raise Forbidden(N_("You are not allowed to see this committee's queue."))
    return committee


def _initial_recommendation(document: Document, amendment: Amendment) -> dict[str, Any]:
    """The form's values: the recommendation it holds (to be revised), else none yet."""
    substitute = amendment.substitute or {}
    return {
        "choice": amendment.recommendation or "",
        "note": amendment.recommendation_note or "",
        "text": [
            {lang: substitute.get(c.key, c.text).get(lang, "") for lang in document.languages}
            for c in amendment.changes
        ],
    }


def committee_page(ctx: Ctx) -> Response:
    return _committee_page(ctx, _committee(ctx, ctx.request.path_params["committee_id"]))


def _queue_item(
    ctx: Ctx,
    document: Document,
    amendment: Amendment,
    current: Any,
    state: dict[str, Any] | None,
    tree: texts.Tree,
    differ: Differ,
) -> dict[str, Any]:
    covering = services.covering_committees(ctx.db, document, amendment, tree)
    mine = state is not None and state["amendment_id"] == amendment.id
    refusal = rules.recommend_refusal(current_member(ctx), amendment, covering)
    now = rules.may_recommend_now(amendment)
    return {
        "amendment": amendment,
        "changes": display.change_views(
            ctx.db, document, amendment, current=current, differ=differ
        ),
        "substitute": display.substitute_views(document, amendment, differ, current),
        "values": state["values"]
        if mine and state is not None
        else _initial_recommendation(document, amendment),
        "error": state["error"] if mine and state is not None else None,
        "open": now and rules.allowed(refusal),
        # Why she, on the committee, may not recommend on it (her own amendment).
        "refusal": ctx._(refusal.message)
        if now and refusal is not None and refusal.code == "conflict_of_interest"
        else None,
    }


def _committee_page(
    ctx: Ctx,
    committee: Committee,
    *,
    state: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    queues = []
    proposers: set[int] = set()
    differ = differ_for(ctx)
    for document in texts.list_documents(ctx.db):
        amendments = services.committee_queue(ctx.db, committee, document)
        if not amendments:
            continue
        current = texts.current_rows(ctx.db, document)
        tree = texts.load_tree(ctx.db, document)
        proposers.update(a.proposer_id for a in amendments)
        items = [_queue_item(ctx, document, a, current, state, tree, differ) for a in amendments]
        queues.append({"document": document, "items": items})
    context = {
        "committee": committee,
        "covers": texts.labels_of_keys(ctx.db, [p.key for p in committee.provisions], ctx.lang),
        "sits": rules.sits_on(current_member(ctx), committee),
        "queues": queues,
        "names": display_names(ctx.db, proposers),
        "text_ops": TEXT_OPS,
    }
    return render(ctx, "amendments/committee.html", context, status)


def _posted_recommendation(ctx: Ctx, document: Document, amendment: Amendment) -> dict[str, Any]:
    return {
        "choice": ctx.form.get("recommendation", ""),
        "note": ctx.form.get("note", ""),
        "text": [languages_text(ctx, document, f"sub_{i}_") for i in range(len(amendment.changes))],
    }


def recommend(ctx: Ctx) -> Response:
    amendment = amendment_in_path(ctx)
    document = services.document_of(ctx.db, amendment)
    values = _posted_recommendation(ctx, document, amendment)
    body: dict[str, Any] = {"recommendation": values["choice"], "note": values["note"]}
    if values["choice"] == "modify":
        body["text"] = {
            c.key: given(text)
            for c, text in zip(amendment.changes, values["text"], strict=True)
            if c.op in TEXT_OPS
        }
    committee_id = parse_id(ctx.form.get("committee"), strip=True)
    try:
        services.recommend(ctx.db, current_member(ctx), amendment, body, Notices())
    except DomainError as error:
        if committee_id is None or isinstance(error, Forbidden | NotFound):
            raise
        ctx.start_over()
        committee = _committee(ctx, committee_id)
        state = {"amendment_id": amendment.id, "values": values, "error": ctx._(error.message)}
        return _committee_page(ctx, committee, state=state, status=error.status)
    if committee_id is not None:
        target = ctx.url("amendments.committee", committee_id=committee_id) + f"#a-{amendment.id}"
    else:
        target = amendment_url(ctx, amendment)
    return ctx.redirect(target, N_("The recommendation was recorded."))
