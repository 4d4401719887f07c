"""The sittings: their list (a chair plans one there), and a sitting's page: presence and
quorum, her check-in, her proxy, the agenda in voting order."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution.accounts.services import display_names
from constitution.errors import N_, Invalid
from constitution.votes import services
from constitution.votes.models import PollStatus, ProxyStatus, SittingStatus
from constitution.votes.services.queries import is_voter
from constitution.votes.views.common import (
    QUORUM_MESSAGE,
    attempt,
    falls,
    is_chair,
    live_src,
    me,
    number_field,
    proxy_in_path,
    require_chair,
    sitting_in_path,
    subjects,
    whole_or_raw,
)
from constitution.web.framework import Ctx
from constitution.web.render import render

IN_FORCE = (ProxyStatus.REQUESTED, ProxyStatus.APPROVED)


# ---- the list and planning --------------------------------------------------------------


def sitting_list(ctx: Ctx) -> Response:
    return list_page(ctx)


def list_page(
    ctx: Ctx, *, error: str | None = None, status: int = 200, values: dict[str, str] | None = None
) -> Response:
    context = {
        "sittings": services.list_sittings(ctx.db),
        "can_chair": is_chair(me(ctx)),
        "error": error,
        "values": values or {"title": "", "starts_at": "", "quorum": "50"},
    }
    return render(ctx, "votes/sittings.html", context, status)


def sitting_create(ctx: Ctx) -> Response:
    chair = require_chair(ctx)
    values = {k: ctx.form.get(k, "") for k in ("title", "starts_at", "quorum")}

    def plan() -> Response:
        percent = number_field(values["quorum"], "quorum", QUORUM_MESSAGE)
        if not 0 < percent <= 100:
            raise Invalid(QUORUM_MESSAGE, field="quorum")
        sitting = services.create_sitting(
            ctx.db,
            chair,
            values["title"],
            {"base": "members", "fraction": percent / 100},
            values["starts_at"] or None,
        )
        url = ctx.url("votes.sitting", sitting_id=sitting.id)
        return ctx.redirect(url, N_("The sitting was planned."))

    return attempt(
        ctx, plan, lambda error, status: list_page(ctx, error=error, status=status, values=values)
    )


# ---- one sitting ------------------------------------------------------------------------


def sitting_detail(ctx: Ctx) -> Response:
    return sitting_page(ctx, ctx.request.path_params["sitting_id"])


def sitting_page(
    ctx: Ctx, sitting_id: int, *, error: str | None = None, status: int = 200
) -> Response:
    db, member = ctx.db, me(ctx)
    sitting = services.get_sitting(db, sitting_id)
    polls = services.agenda(db, sitting.id)
    proxies = services.proxies_of(db, sitting.id)
    mine = services.active_proxy(db, sitting.id, member.id)
    held = [p for p in proxies if p.holder_id == member.id and p.status in IN_FORCE]
    voter = is_voter(member.roles)
    may_give = voter and sitting.status != SittingStatus.CLOSED and mine is None and not held
    choices = [m for m in services.voters(db) if m.id != member.id] if may_give else []
    open_poll = next((p for p in polls if p.status == PollStatus.OPEN), None)
    context: dict[str, Any] = {
        "sitting": sitting,
        "presence": services.presence(db, sitting),
        "live_src": live_src(ctx, sitting.id),
        "polls": polls,
        "amendments": subjects(db, polls),
        "falls": falls(db, polls),
        "voter": voter,
        "present": services.is_present(db, sitting.id, member.id),
        "mine": mine,
        "held": held,
        "may_give": may_give,
        "choices": choices,
        "names": display_names(db, [p.holder_id for p in proxies] + [p.giver_id for p in proxies]),
        "open_poll": open_poll,
        "counts": _counts(ctx, open_poll),
        "can_chair": is_chair(member),
        "error": error,
    }
    return render(ctx, "votes/sitting.html", context, status)


def _counts(ctx: Ctx, poll: Any) -> dict[str, int]:
    if poll is None:
        return {}
    return {
        "voted": services.voted_count(ctx.db, poll.id),
        "entitled": services.entitled_count(ctx.db, poll),
    }


def _on_sitting(ctx: Ctx, sitting_id: int) -> Any:
    return lambda error, status: sitting_page(ctx, sitting_id, error=error, status=status)


def _sitting_url(ctx: Ctx, sitting_id: int) -> str:
    return ctx.url("votes.sitting", sitting_id=sitting_id)


def check_in(ctx: Ctx) -> Response:
    sitting = sitting_in_path(ctx)

    def act() -> Response:
        services.check_in(ctx.db, me(ctx), sitting)
        return ctx.redirect(_sitting_url(ctx, sitting.id), N_("You are checked in."))

    return attempt(ctx, act, _on_sitting(ctx, sitting.id))


def check_out(ctx: Ctx) -> Response:
    sitting = sitting_in_path(ctx)

    def act() -> Response:
        services.check_out(ctx.db, me(ctx), sitting)
        return ctx.redirect(_sitting_url(ctx, sitting.id), N_("You are checked out."))

    return attempt(ctx, act, _on_sitting(ctx, sitting.id))


def proxy_request(ctx: Ctx) -> Response:
    sitting = sitting_in_path(ctx)
    holder = whole_or_raw(ctx.form.get("holder"))

    def act() -> Response:
        services.request_proxy(ctx.db, me(ctx), sitting, holder)
        return ctx.redirect(
            _sitting_url(ctx, sitting.id), N_("Your request was sent to the chair.")
        )

    return attempt(ctx, act, _on_sitting(ctx, sitting.id))


def proxy_revoke(ctx: Ctx) -> Response:
    proxy = proxy_in_path(ctx)
    sitting_id = proxy.sitting_id

    def act() -> Response:
        services.revoke_proxy(ctx.db, me(ctx), proxy)
        return ctx.redirect(_sitting_url(ctx, sitting_id), N_("Your proxy was revoked."))

    return attempt(ctx, act, _on_sitting(ctx, sitting_id))
