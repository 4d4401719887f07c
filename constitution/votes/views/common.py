"""What the voting pages share: the objects a URL names, the subjects of polls, reading
numbers from forms, and answering a refused action with the page it came from."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session
from starlette.responses import Response

from constitution.accounts.models import Member
from constitution.accounts.web import current_member
from constitution.amendments import services as amendments
from constitution.amendments.models import Amendment
from constitution.errors import N_, DomainError, Invalid, Unauthenticated
from constitution.votes import permissions as rules
from constitution.votes import services
from constitution.votes.models import Poll, Proxy, Sitting
from constitution.web.framework import Ctx

# Myanmar digits typed into a number field read as Latin ones.
FROM_MYANMAR_DIGITS = str.maketrans("၀၁၂၃၄၅၆၇၈၉", "0123456789")


def me(ctx: Ctx) -> Member:
    return current_member(ctx)


def is_chair(member: Member) -> bool:
    return rules.chair_refusal(member) is None


def require_chair(ctx: Ctx) -> Member:
    """The chair acting; anyone else is refused before anything is read from her form."""
    member = me(ctx)
    refusal = rules.chair_refusal(member)
    if refusal is not None:
        raise refusal
    return member


def sitting_in_path(ctx: Ctx, *, lock: bool = False) -> Sitting:
    return services.get_sitting(ctx.db, ctx.request.path_params["sitting_id"], lock=lock)


def poll_in_path(ctx: Ctx) -> Poll:
    return services.get_poll(ctx.db, ctx.request.path_params["poll_id"])


def proxy_in_path(ctx: Ctx) -> Proxy:
    return services.get_proxy(ctx.db, ctx.request.path_params["proxy_id"])


def subjects(db: Session, polls: Iterable[Poll]) -> dict[int, Amendment]:
    """Amendment id -> the amendment, for the polls on amendments."""
    ids = [p.amendment_id for p in polls if p.amendment_id is not None]
    return {a.id: a for a in amendments.amendments_by_ids(db, ids)}


def live_src(ctx: Ctx, sitting_id: int) -> str:
    """The sitting's event stream (API.md: ``GET /api/v1/sittings/{id}/events``), which
    static/live.js follows to update the counts marked ``data-live-...``."""
    return ctx.url("api.sittings.detail", sitting_id=sitting_id) + "/events"


def falls(db: Session, polls: list[Poll]) -> dict[int, list[Poll]]:
    """Poll id -> the polls on the agenda that fall if its amendment is adopted."""
    by_id = {p.id: p for p in polls}
    return {
        poll_id: [by_id[other] for other in others]
        for poll_id, others in services.falls_if_adopted(db, polls).items()
    }


def number_field(raw: str | None, field: str, message: str) -> float:
    """A number typed in a form (Latin or Myanmar digits, a decimal point allowed)."""
    text = (raw or "").strip().translate(FROM_MYANMAR_DIGITS).replace(",", ".")
    if not text or len(text) > 12 or not text.replace(".", "", 1).isdigit():
        raise Invalid(message, field=field)
    return float(text)


def whole_or_raw(raw: str | None) -> int | str | None:
    """A whole number typed in a form (Latin or Myanmar digits), else what was typed (for
    the service to refuse), None when left empty."""
    text = (raw or "").strip()
    if not text:
        return None
    digits = text.translate(FROM_MYANMAR_DIGITS)
    if digits.isascii() and digits.isdigit() and len(digits) <= 9:
        return int(digits)
    return text


PageOnRefusal = Callable[[str, int], Response]


def attempt(ctx: Ctx, action: Callable[[], Response], page: PageOnRefusal) -> Response:
    """Do ``action``; refused, undo what it wrote and show ``page`` again with the reason
    (and the refusal's status), so that she sees where she was and why."""
    try:
        return action()
    except Unauthenticated:
        raise
    except DomainError as error:
        ctx.start_over()
        return page(ctx._(error.message), error.status)


QUORUM_MESSAGE = N_("Give the quorum as a percentage above 0 and at most 100.")
