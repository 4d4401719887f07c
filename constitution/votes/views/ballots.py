"""The ballot: the question, three large buttons (her own vote, and one ballot more for each
member whose proxy she holds), her current vote, and the confirmation with her receipt.

A vote is a POST answered by a redirect to the confirmation. Sent again (a connection that
dropped after the vote was counted, and a browser that retried), its form's one-time token
is already spent: the answer is then the same confirmation, showing her vote as it stands,
never an error page that hides it. The service itself answers an identical vote with the
same receipt, so a retry that gets past the token changes nothing either."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from constitution.accounts.services import display_names
from constitution.errors import N_, DomainError
from constitution.votes import services
from constitution.votes.models import Ballot, Poll, PollStatus
from constitution.votes.views.common import (
    attempt,
    live_src,
    me,
    poll_in_path,
    subjects,
    whole_or_raw,
)
from constitution.votes.views.results import result_page
from constitution.web.errors import render_page_error
from constitution.web.framework import Ctx, FormAlreadySent
from constitution.web.render import render


def poll_detail(ctx: Ctx) -> Response:
    """The ballot while the poll is to come or open; its result once it is closed."""
    return poll_page(ctx, ctx.request.path_params["poll_id"])


def poll_page(ctx: Ctx, poll_id: int, *, error: str | None = None, status: int = 200) -> Response:
    poll = services.get_poll(ctx.db, poll_id)
    if poll.status == PollStatus.CLOSED:
        return result_page(ctx, poll, error=error, status=status)
    return ballot_page(ctx, poll, error=error, status=status)


@dataclass
class Ballots:
    """Her part in a poll: entitled or not, her counted vote (and the name of the holder
    who cast it, when her proxy did), and the ballots she holds by proxy (each giver's id,
    name, counted vote, and whether the giver voted herself)."""

    entitled: bool
    own: Ballot | None
    own_by: str | None
    proxies: list[dict[str, Any]] = field(default_factory=list)


def ballots_of(ctx: Ctx, poll: Poll) -> Ballots:
    member = me(ctx)
    db = ctx.db
    elector = services.elector_of(db, poll.id, member.id)
    own = services.ballot_of(db, poll.id, member.id) if elector else None
    held = services.held_proxies(db, poll.id, member.id)
    cast_by_other = own is not None and own.cast_by_id != member.id
    names = display_names(
        db, [e.member_id for e in held] + ([own.cast_by_id] if own and cast_by_other else [])
    )
    found = Ballots(
        entitled=elector is not None,
        own=own,
        own_by=names.get(own.cast_by_id, "—") if own and cast_by_other else None,
    )
    for giver in held:
        ballot = services.ballot_of(db, poll.id, giver.member_id)
        found.proxies.append(
            {
                "id": giver.member_id,
                "name": names.get(giver.member_id, "—"),
                "ballot": ballot,
                "herself": ballot is not None and ballot.cast_by_id == giver.member_id,
            }
        )
    return found


def ballot_page(ctx: Ctx, poll: Poll, *, error: str | None = None, status: int = 200) -> Response:
    is_open = poll.status == PollStatus.OPEN
    context = {
        "poll": poll,
        "sitting": services.get_sitting(ctx.db, poll.sitting_id),
        "amendment": subjects(ctx.db, [poll]).get(poll.amendment_id or 0),
        "mine": ballots_of(ctx, poll),
        "voted": services.voted_count(ctx.db, poll.id) if is_open else 0,
        "electorate": services.entitled_count(ctx.db, poll) if is_open else 0,
        "live_src": live_src(ctx, poll.sitting_id),
        "error": error,
    }
    return render(ctx, "votes/ballot.html", context, status)


def vote(ctx: Ctx) -> Response:
    poll_id: int = ctx.request.path_params["poll_id"]
    giver = whole_or_raw(ctx.form.get("for"))

    def act() -> Response:
        services.cast_vote(ctx.db, me(ctx), poll_id, ctx.form.get("choice"), giver)
        message = N_("Your vote is recorded.") if giver is None else N_("The vote is recorded.")
        return ctx.redirect(ctx.url("votes.voted", poll_id=poll_id), message)

    return attempt(
        ctx, act, lambda error, status: poll_page(ctx, poll_id, error=error, status=status)
    )


def vote_error(ctx: Ctx, error: DomainError) -> Response:
    """A vote's form sent again after its vote was taken: the confirmation, with her vote
    as it stands. Any other refusal before the view ran: the usual error page."""
    if isinstance(error, FormAlreadySent) and ctx.member is not None:
        ctx.flash(N_("This vote had already arrived; it was counted once. Here it is."))
        return ctx.redirect(ctx.url("votes.voted", poll_id=ctx.request.path_params["poll_id"]))
    return render_page_error(ctx, error)


def voted(ctx: Ctx) -> Response:
    """The confirmation: the votes she cast in the poll (hers, and those she holds by
    proxy), each with its receipt."""
    poll = poll_in_path(ctx)
    context = {
        "poll": poll,
        "amendment": subjects(ctx.db, [poll]).get(poll.amendment_id or 0),
        "mine": ballots_of(ctx, poll),
    }
    return render(ctx, "votes/voted.html", context)
