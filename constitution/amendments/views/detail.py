"""The amendment page: its changes as diffs, status, sponsors, conflicts, committee
substitute, amendments to it, its comments; and its actions (co-sponsor, submit, withdraw,
comment)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from constitution.accounts.models import Committee
from constitution.accounts.services import display_names
from constitution.accounts.web import current_member
from constitution.amendments import display, services
from constitution.amendments import permissions as rules
from constitution.amendments.models import Amendment, Recommendation, Status
from constitution.amendments.views.common import action, amendment_in_path, amendment_url, saved
from constitution.amendments.views.propose import initial_update
from constitution.comments.views import comments_context, post_comment
from constitution.errors import N_
from constitution.texts import services as texts
from constitution.texts.diffs import differ_for
from constitution.texts.models import KINDS
from constitution.texts.validation import shown_label
from constitution.web.framework import Ctx
from constitution.web.render import render


def detail(ctx: Ctx) -> Response:
    return detail_page(ctx, amendment_in_path(ctx))


def detail_page(
    ctx: Ctx,
    amendment: Amendment,
    *,
    comment_state: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The amendment page (shown again with a refused comment form's state)."""
    document = services.document_of(ctx.db, amendment)
    side = ctx.request.query_params.get("view") == "side"
    current = texts.current_rows(ctx.db, document)
    sponsor_ids = [s.member_id for s in amendment.sponsors]
    history = services.recommendation_history(ctx.db, amendment)
    people = display_names(
        ctx.db, [amendment.proposer_id, *sponsor_ids, *(r.member_id for r in history)]
    )
    can = rules.abilities(current_member(ctx), amendment)
    # The provisions it changes that are in the text: quoted from, or amended again.
    keys = [
        (c.key, shown_label(current[c.key].label, current[c.key].labels or {}, ctx.lang))
        for c in amendment.changes
        if c.key in current
    ]
    differ = differ_for(ctx)
    context = {
        "document": document,
        "amendment": amendment,
        "status": amendment.status,
        "needs_update": amendment.status == Status.NEEDS_UPDATE,
        "view": "side" if side else "inline",
        "proposer": people.get(amendment.proposer_id, "—"),
        "sponsors": [people.get(i, "—") for i in sponsor_ids],
        "changes": display.change_views(
            ctx.db, document, amendment, side=side, current=current, differ=differ
        ),
        "conflicts": services.amendments_by_ids(ctx.db, services.conflicts_of(ctx.db, amendment)),
        "committee": (
            ctx.db.get(Committee, amendment.committee_id) if amendment.committee_id else None
        ),
        "substitute": display.substitute_views(document, amendment, differ, current),
        "recommendations": _history_views(ctx, history, people),
        "problems": display.problem_views(amendment, differ)
        if amendment.status == Status.NEEDS_UPDATE
        else [],
        "parent": ctx.db.get(Amendment, amendment.amends_id) if amendment.amends_id else None,
        "children": services.amendments_to(ctx.db, amendment),
        "amendable": keys if can["amend"] else [],
        "labels_by_key": dict(keys),
        "can": can,
        "threshold": ctx.settings.cosponsor_threshold,
        "update": initial_update(document, amendment) if can["update"] else None,
        "update_base": document.current_rev,
        "kinds": KINDS,
        **comments_context(
            ctx,
            services.thread_of(amendment, document),
            # A passage may also be quoted from the words of a provision it inserts.
            keys=keys
            + [
                (c.key, shown_label(c.label or c.key, c.labels or {}, ctx.lang))
                for c in amendment.changes
                if c.op == "insert"
            ],
            action=ctx.url("amendments.comment", amendment_id=amendment.id),
            state=comment_state,
        ),
    }
    return render(ctx, "amendments/detail.html", context, status)


def _history_views(
    ctx: Ctx, history: list[Recommendation], people: dict[int, str]
) -> list[dict[str, Any]]:
    """The recommendations recorded on the amendment, newest first: who, when, which, note."""
    committees = {
        c.id: c
        for c in ctx.db.scalars(
            select(Committee).where(Committee.id.in_({r.committee_id for r in history}))
        )
    }
    return [
        {
            "who": people.get(r.member_id, "—"),
            "committee": committees.get(r.committee_id),
            "at": r.created_at,
            "recommendation": r.recommendation,
            "note": r.note,
        }
        for r in reversed(history)
    ]


def sponsor(ctx: Ctx) -> Response:
    amendment = amendment_in_path(ctx)
    me = current_member(ctx)
    return action(
        ctx,
        amendment,
        lambda: services.sponsor(ctx.db, me, amendment),
        N_("You co-sponsor this amendment."),
    )


def submit(ctx: Ctx) -> Response:
    amendment = amendment_in_path(ctx)
    me = current_member(ctx)
    return action(
        ctx,
        amendment,
        lambda: services.submit(ctx.db, ctx.settings, me, amendment),
        N_("The amendment was submitted."),
    )


def withdraw(ctx: Ctx) -> Response:
    amendment = amendment_in_path(ctx)
    me = current_member(ctx)
    return action(
        ctx,
        amendment,
        lambda: services.withdraw(ctx.db, me, amendment),
        N_("The amendment was withdrawn."),
    )


def comment(ctx: Ctx) -> Response:
    """A comment, a reply or a comment on a passage, on an amendment."""
    amendment = amendment_in_path(ctx)
    posted = post_comment(
        ctx, services.thread_of(amendment, services.document_of(ctx.db, amendment))
    )
    if posted.comment is None:
        return detail_page(ctx, amendment, comment_state=posted.state, status=posted.status)
    url = amendment_url(ctx, amendment, f"c-{posted.comment.id}")
    return saved(ctx, url, N_("Your comment was posted."), posted.notices)
