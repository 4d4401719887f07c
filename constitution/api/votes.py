"""API v1: sittings, attendance, proxies, polls, votes and signed records (API.md Voting)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from constitution.accounts.models import Member
from constitution.accounts.web import current_member
from constitution.api.accounts import body_object
from constitution.audit.services import format_time
from constitution.texts.diffs import differ_for
from constitution.votes import live, services
from constitution.votes.models import Poll, PollStatus, Proxy, Sitting
from constitution.votes.services.queries import voted_count
from constitution.web.framework import Ctx, json_response


def _me(ctx: Ctx) -> Member:
    return current_member(ctx)


def _time(moment: Any) -> str | None:
    return format_time(moment) if moment is not None else None


def sitting_json(
    db: Session, sitting: Sitting, order: services.VotingOrder | None = None
) -> dict[str, Any]:
    """The sitting; with ``order`` (its detail, and the answer to ordering it), the
    suggested voting order, what falls if each poll passes, and each one's departure."""
    presence = services.presence(db, sitting)
    return {
        "id": sitting.id,
        "title": sitting.title,
        "status": sitting.status.value,
        "starts_at": _time(sitting.starts_at),
        "quorum": {"base": "members", "fraction": sitting.quorum_permille / 1000},
        **presence.as_json(),
        "polls": [p.id for p in services.agenda(db, sitting.id)],
        "opened_at": _time(sitting.opened_at),
        "closed_at": _time(sitting.closed_at),
        **(order.as_json() if order is not None else {}),
    }


def _with_order(ctx: Ctx, sitting: Sitting) -> dict[str, Any]:
    with differ_for(ctx) as differ:
        return sitting_json(ctx.db, sitting, services.voting_order(ctx.db, sitting, differ))


def poll_json(db: Session, poll: Poll) -> dict[str, Any]:
    closed = poll.status == PollStatus.CLOSED
    result = poll.result or {}
    record = poll.record or {}
    entitled = len(record.get("entitled", [])) if closed else services.entitled_count(db, poll)
    body: dict[str, Any] = {
        "id": poll.id,
        "sitting": poll.sitting_id,
        "position": poll.position,
        "status": poll.status.value,
        "amendment": poll.amendment_id,
        "motion": poll.motion,
        "majority": poll.majority,
        "base": poll.base,
        "conditions": result.get("conditions") if closed else poll.conditions,
        "entitled": entitled,
        "voted": voted_count(db, poll.id),
        "tally": result.get("tally") if closed else None,
        "passed": poll.passed if closed else None,
        "roll_call": record.get("roll_call") if closed else None,
        "record_hash": poll.record_hash,
        "adopted_rev": record.get("adopted_rev") if closed else None,
        "adoption_problem": poll.adoption_problem,
        "fell_by": poll.fell_by_id,
        "opened_at": _time(poll.opened_at),
        "closed_at": _time(poll.closed_at),
    }
    return body


def proxy_json(proxy: Proxy) -> dict[str, Any]:
    return {
        "id": proxy.id,
        "sitting": proxy.sitting_id,
        "giver": proxy.giver_id,
        "holder": proxy.holder_id,
        "status": proxy.status.value,
        "created_at": _time(proxy.created_at),
        "decided_at": _time(proxy.decided_at),
    }


def _sitting(ctx: Ctx, *, lock: bool = False) -> Sitting:
    return services.get_sitting(ctx.db, ctx.request.path_params["sitting_id"], lock=lock)


def _poll(ctx: Ctx) -> Poll:
    return services.get_poll(ctx.db, ctx.request.path_params["poll_id"])


def _proxy(ctx: Ctx) -> Proxy:
    return services.get_proxy(ctx.db, ctx.request.path_params["proxy_id"])


def sitting_list(ctx: Ctx) -> Response:
    return json_response([sitting_json(ctx.db, s) for s in services.list_sittings(ctx.db)])


def sitting_create(ctx: Ctx) -> Response:
    body = body_object(ctx)
    sitting = services.create_sitting(
        ctx.db, _me(ctx), body.get("title"), body.get("quorum"), body.get("starts_at")
    )
    return json_response(sitting_json(ctx.db, sitting), 201)


def sitting_detail(ctx: Ctx) -> Response:
    return json_response(_with_order(ctx, _sitting(ctx)))


def sitting_order(ctx: Ctx) -> Response:
    """The chair orders the polls not yet opened: ``{"order": [poll ids]}``, or
    ``{"suggested": true}`` for the suggested order."""
    body = body_object(ctx)
    sitting = _sitting(ctx, lock=True)
    with differ_for(ctx) as differ:
        services.order_agenda(
            ctx.db,
            _me(ctx),
            sitting,
            order=body.get("order"),
            suggested=body.get("suggested"),
            differ=differ,
        )
        found = services.voting_order(ctx.db, sitting, differ)
    return json_response(sitting_json(ctx.db, sitting, found))


def sitting_open(ctx: Ctx) -> Response:
    sitting = services.open_sitting(ctx.db, _me(ctx), _sitting(ctx, lock=True))
    return json_response(sitting_json(ctx.db, sitting))


def sitting_close(ctx: Ctx) -> Response:
    sitting = services.close_sitting(ctx.db, _me(ctx), _sitting(ctx, lock=True))
    return json_response(sitting_json(ctx.db, sitting))


def sitting_events(ctx: Ctx) -> str:
    """The sitting's live counts as server-sent events (``constitution.web.live``)."""
    return live.channel(_sitting(ctx).id)


def attendance_in(ctx: Ctx) -> Response:
    sitting = _sitting(ctx)
    services.check_in(ctx.db, _me(ctx), sitting)
    return json_response(sitting_json(ctx.db, sitting))


def attendance_out(ctx: Ctx) -> Response:
    sitting = _sitting(ctx)
    services.check_out(ctx.db, _me(ctx), sitting)
    return json_response(sitting_json(ctx.db, sitting))


def proxy_list(ctx: Ctx) -> Response:
    sitting = _sitting(ctx)
    return json_response([proxy_json(p) for p in services.proxies_of(ctx.db, sitting.id)])


def proxy_create(ctx: Ctx) -> Response:
    body = body_object(ctx)
    proxy = services.request_proxy(ctx.db, _me(ctx), _sitting(ctx), body.get("holder"))
    return json_response(proxy_json(proxy), 201)


def proxy_approve(ctx: Ctx) -> Response:
    proxy = services.decide_proxy(ctx.db, ctx.settings, _me(ctx), _proxy(ctx), approve=True)
    return json_response(proxy_json(proxy))


def proxy_refuse(ctx: Ctx) -> Response:
    proxy = services.decide_proxy(ctx.db, ctx.settings, _me(ctx), _proxy(ctx), approve=False)
    return json_response(proxy_json(proxy))


def proxy_revoke(ctx: Ctx) -> Response:
    services.revoke_proxy(ctx.db, _me(ctx), _proxy(ctx))
    return Response(status_code=204)


def poll_list(ctx: Ctx) -> Response:
    sitting = _sitting(ctx)
    return json_response([poll_json(ctx.db, p) for p in services.agenda(ctx.db, sitting.id)])


def poll_create(ctx: Ctx) -> Response:
    body = body_object(ctx)
    poll = services.create_poll(
        ctx.db,
        _me(ctx),
        _sitting(ctx, lock=True),
        amendment=body.get("amendment"),
        motion=body.get("motion"),
        majority=body.get("majority"),
        base=body.get("base"),
        conditions=body.get("conditions"),
    )
    return json_response(poll_json(ctx.db, poll), 201)


def poll_detail(ctx: Ctx) -> Response:
    return json_response(poll_json(ctx.db, _poll(ctx)))


def poll_delete(ctx: Ctx) -> Response:
    services.remove_poll(ctx.db, _me(ctx), _poll(ctx))
    return Response(status_code=204)


def poll_move(ctx: Ctx) -> Response:
    body = body_object(ctx)
    items = services.move_poll(ctx.db, _me(ctx), _poll(ctx), body.get("position"))
    return json_response([poll_json(ctx.db, p) for p in items])


def poll_open(ctx: Ctx) -> Response:
    poll = services.open_poll(ctx.db, ctx.settings, _me(ctx), _poll(ctx))
    return json_response(poll_json(ctx.db, poll))


def poll_close(ctx: Ctx) -> Response:
    poll = services.close_poll(ctx.db, ctx.settings, _me(ctx), ctx.request.path_params["poll_id"])
    return json_response(poll_json(ctx.db, poll))


def vote(ctx: Ctx) -> Response:
    body = body_object(ctx)
    receipt = services.cast_vote(
        ctx.db, _me(ctx), ctx.request.path_params["poll_id"], body.get("choice"), body.get("for")
    )
    return json_response(receipt.as_json())


def my_vote(ctx: Ctx) -> Response:
    """Her counted vote in the poll (or null), so a client that lost the answer to its
    vote can see whether it was counted before sending it again."""
    poll = _poll(ctx)
    ballot = services.ballot_of(ctx.db, poll.id, _me(ctx).id)
    return json_response(services.receipt_json(ballot) if ballot else None)


def poll_record(ctx: Ctx) -> Response:
    poll = _poll(ctx)
    return json_response(services.signed_record(ctx.settings, poll))


def member_votes(ctx: Ctx) -> Response:
    """A member's voting record: every closed poll she was entitled to, with her vote."""
    member_id = ctx.request.path_params["member_id"]
    rows = services.voting_record(ctx.db, member_id)
    return json_response(
        [
            {
                "poll": poll.id,
                "sitting": poll.sitting_id,
                "amendment": poll.amendment_id,
                "motion": poll.motion,
                "passed": poll.passed,
                "closed_at": _time(poll.closed_at),
                "choice": ballot.choice if ballot else None,
                "proxy": ballot.cast_by_id if ballot and ballot.proxy_id else None,
                "receipt": ballot.receipt if ballot else None,
            }
            for poll, ballot in rows
        ]
    )
