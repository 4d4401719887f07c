"""The chair's console: opening and closing the sitting, building the agenda (amendments
and motions, with their rules and concurrent majorities), ordering it, opening and closing
polls, deciding proxies; the count of votes cast (never the choices before close)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution.accounts.services import display_names
from constitution.amendments import services as amendments
from constitution.errors import N_, Invalid
from constitution.votes import services
from constitution.votes.majority import BASES, CONDITION_BASES, GROUPS, MAJORITIES
from constitution.votes.models import PollStatus, ProxyStatus
from constitution.votes.views.common import (
    attempt,
    falls,
    live_src,
    poll_in_path,
    proxy_in_path,
    require_chair,
    sitting_in_path,
    subjects,
    whole_or_raw,
)
from constitution.web.framework import Ctx
from constitution.web.render import render

# Rows of concurrent-majority conditions the form offers (each may be left unused).
CONDITION_ROWS = 2
POLL_FIELDS = ("kind", "amendment", "motion_my", "motion_en", "majority", "base")


def console(ctx: Ctx) -> Response:
    require_chair(ctx)
    return console_page(ctx, ctx.request.path_params["sitting_id"])


def console_page(
    ctx: Ctx,
    sitting_id: int,
    *,
    error: str | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    db = ctx.db
    sitting = services.get_sitting(db, sitting_id)
    polls = services.agenda(db, sitting.id)
    proxies = [
        p
        for p in services.proxies_of(db, sitting.id)
        if p.status in (ProxyStatus.REQUESTED, ProxyStatus.APPROVED)
    ]
    open_poll = next((p for p in polls if p.status == PollStatus.OPEN), None)
    schedulable = services.schedulable_amendments(db)
    documents = {a.document_id: amendments.document_of(db, a) for a in schedulable}
    context: dict[str, Any] = {
        "sitting": sitting,
        "presence": services.presence(db, sitting),
        "live_src": live_src(ctx, sitting.id),
        "polls": polls,
        "amendments": subjects(db, polls),
        "falls": falls(db, polls),
        "problems": {p.id: ctx._(p.adoption_problem) for p in polls if p.adoption_problem},
        "open_poll": open_poll,
        "voted": services.voted_count(db, open_poll.id) if open_poll else 0,
        "entitled": services.entitled_count(db, open_poll) if open_poll else 0,
        "schedulable": schedulable,
        "documents": documents,
        "proxies": proxies,
        "names": display_names(db, [p.giver_id for p in proxies] + [p.holder_id for p in proxies]),
        "majorities": MAJORITIES,
        "bases": BASES,
        "groups": GROUPS,
        "condition_bases": CONDITION_BASES,
        "condition_rows": range(CONDITION_ROWS),
        "values": values or {},
        "error": error,
    }
    return render(ctx, "votes/console.html", context, status)


def _console_url(ctx: Ctx, sitting_id: int) -> str:
    return ctx.url("votes.console", sitting_id=sitting_id)


def _chair_acts(
    ctx: Ctx, sitting_id: int, act: Any, values: dict[str, str] | None = None
) -> Response:
    """Run a chair's action; refused, the console again with the reason."""
    return attempt(
        ctx,
        act,
        lambda error, status: console_page(
            ctx, sitting_id, error=error, status=status, values=values
        ),
    )


def sitting_open(ctx: Ctx) -> Response:
    chair = require_chair(ctx)
    sitting = sitting_in_path(ctx, lock=True)

    def act() -> Response:
        services.open_sitting(ctx.db, chair, sitting)
        return ctx.redirect(_console_url(ctx, sitting.id), N_("The sitting is open."))

    return _chair_acts(ctx, sitting.id, act)


def sitting_close(ctx: Ctx) -> Response:
    chair = require_chair(ctx)
    sitting = sitting_in_path(ctx, lock=True)

    def act() -> Response:
        services.close_sitting(ctx.db, chair, sitting)
        return ctx.redirect(_console_url(ctx, sitting.id), N_("The sitting is closed."))

    return _chair_acts(ctx, sitting.id, act)


def conditions_of(form: dict[str, str]) -> list[dict[str, Any]]:
    """The concurrent-majority conditions of the form's rows (a row without a group is
    unused); what cannot be read is passed on as typed, for the service to refuse."""
    found: list[dict[str, Any]] = []
    for row in range(CONDITION_ROWS):
        group = form.get(f"cond_{row}_group", "")
        if not group:
            continue
        needed = form.get(f"cond_{row}_needed", "").strip()
        found.append(
            {
                "group": group,
                "majority": form.get(f"cond_{row}_majority") or "simple",
                "base": form.get(f"cond_{row}_base") or "cast",
                "min_entitled": whole_or_raw(form.get(f"cond_{row}_min")) or 1,
                "groups_needed": "all" if needed in ("", "all") else whole_or_raw(needed),
            }
        )
    return found


def poll_create(ctx: Ctx) -> Response:
    chair = require_chair(ctx)
    sitting = sitting_in_path(ctx, lock=True)
    form = ctx.form
    values = {k: form.get(k, "") for k in POLL_FIELDS}
    values.update({k: v for k, v in form.items() if k.startswith("cond_")})
    motion = values["kind"] == "motion"

    def act() -> Response:
        if not motion and not values["amendment"]:
            raise Invalid(
                N_("Choose an amendment, or write the text of a motion."), field="amendment"
            )
        services.create_poll(
            ctx.db,
            chair,
            sitting,
            amendment=None if motion else whole_or_raw(values["amendment"]) or "",
            motion={"my": values["motion_my"], "en": values["motion_en"]} if motion else None,
            majority=values["majority"] or None,
            base=values["base"] or None,
            conditions=conditions_of(form),
        )
        return ctx.redirect(_console_url(ctx, sitting.id), N_("The poll is on the agenda."))

    return _chair_acts(ctx, sitting.id, act, values)


def poll_remove(ctx: Ctx) -> Response:
    chair = require_chair(ctx)
    poll = poll_in_path(ctx)

    def act() -> Response:
        services.remove_poll(ctx.db, chair, poll)
        return ctx.redirect(
            _console_url(ctx, poll.sitting_id), N_("The poll was taken off the agenda.")
        )

    return _chair_acts(ctx, poll.sitting_id, act)


def poll_move(ctx: Ctx) -> Response:
    chair = require_chair(ctx)
    poll = poll_in_path(ctx)
    step = {"up": -1, "down": 1}.get(ctx.form.get("direction", ""), 0)

    def act() -> Response:
        items = services.agenda(ctx.db, poll.sitting_id)
        place = items.index(poll) + 1 + step if step else 0
        services.move_poll(ctx.db, chair, poll, place)
        return ctx.redirect(_console_url(ctx, poll.sitting_id), N_("The agenda was reordered."))

    return _chair_acts(ctx, poll.sitting_id, act)


def poll_open(ctx: Ctx) -> Response:
    chair = require_chair(ctx)
    poll = poll_in_path(ctx)

    def act() -> Response:
        services.open_poll(ctx.db, ctx.settings, chair, poll)
        return ctx.redirect(_console_url(ctx, poll.sitting_id), N_("The poll is open."))

    return _chair_acts(ctx, poll.sitting_id, act)


def poll_close(ctx: Ctx) -> Response:
    """Close the poll named by the path: the service takes its row for update and reads it
    then (a copy read before the lock could be stale while another chair closes it)."""
    chair = require_chair(ctx)
    poll_id: int = ctx.request.path_params["poll_id"]

    def act() -> Response:
        services.close_poll(ctx.db, ctx.settings, chair, poll_id)
        return ctx.redirect(
            ctx.url("votes.poll", poll_id=poll_id), N_("The poll is closed; here is its result.")
        )

    def again(error: str, status: int) -> Response:
        sitting_id = services.get_poll(ctx.db, poll_id).sitting_id
        return console_page(ctx, sitting_id, error=error, status=status)

    return attempt(ctx, act, again)


def _decide(ctx: Ctx, *, approve: bool) -> Response:
    chair = require_chair(ctx)
    proxy = proxy_in_path(ctx)
    sitting_id = proxy.sitting_id
    message = N_("The proxy was approved.") if approve else N_("The proxy was refused.")

    def act() -> Response:
        services.decide_proxy(ctx.db, ctx.settings, chair, proxy, approve=approve)
        return ctx.redirect(_console_url(ctx, sitting_id), message)

    return _chair_acts(ctx, sitting_id, act)


def proxy_approve(ctx: Ctx) -> Response:
    return _decide(ctx, approve=True)


def proxy_refuse(ctx: Ctx) -> Response:
    return _decide(ctx, approve=False)
