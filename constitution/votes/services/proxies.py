"""Proxies: a member who cannot connect asks, for one sitting, that another vote for her;
a chair approves or refuses; she may revoke it until the holder has voted with it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.audit.services import record
from constitution.db import clean_id, utcnow
from constitution.errors import N_, DomainError, Forbidden, Invalid, NotFound, StateConflict
from constitution.inbox.services import notify
from constitution.settings import Settings
from constitution.votes import permissions as rules
from constitution.votes.models import Ballot, Proxy, ProxyStatus, Sitting, SittingStatus
from constitution.votes.services.queries import active_proxy, get_sitting, is_voter

IN_FORCE = (ProxyStatus.REQUESTED, ProxyStatus.APPROVED)


def _refuse(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def _holds(db: Session, sitting_id: int, member_id: int) -> bool:
    """She holds a proxy in force in this sitting (so she gives none: no chains)."""
    return (
        db.scalar(
            select(Proxy.id).where(
                Proxy.sitting_id == sitting_id,
                Proxy.status.in_(IN_FORCE),
                Proxy.holder_id == member_id,
            )
        )
        is not None
    )


def request_proxy(db: Session, actor: Member, sitting: Sitting, holder: Any) -> Proxy:
    if not is_voter(actor.roles):
        raise Forbidden(N_("Only members give proxies."), code="not_a_voter")
    _refuse(rules.sitting_refusal(sitting, SittingStatus.PLANNED, SittingStatus.OPEN))
    holder_id = clean_id(holder, "holder", N_("Name the member who is to vote for you."))
    if holder_id == actor.id:
        raise Invalid(
            N_("A proxy is given to another member."), field="holder", code="proxy_to_self"
        )
    member = db.get(Member, holder_id)
    if member is None or not member.active or not is_voter(member.roles):
        raise Invalid(N_("There is no such member."), field="holder", code="unknown_member")
    if active_proxy(db, sitting.id, actor.id) is not None:
        raise StateConflict(
            N_("You have already asked for a proxy in this sitting; revoke it first."),
            code="proxy_exists",
        )
    if _holds(db, sitting.id, actor.id):
        raise StateConflict(
            N_("You hold a proxy in this sitting, so you cannot give yours."), code="proxy_chain"
        )
    if active_proxy(db, sitting.id, holder_id) is not None:
        raise StateConflict(
            N_("That member has given her own vote to another: she cannot hold yours."),
            code="proxy_chain",
        )
    proxy = Proxy(
        sitting_id=sitting.id, giver_id=actor.id, holder_id=holder_id, status=ProxyStatus.REQUESTED
    )
    db.add(proxy)
    db.flush()
    record(
        db,
        "proxy.requested",
        f"proxy:{proxy.id}",
        actor_id=actor.id,
        payload={"sitting": sitting.id, "giver": actor.id, "holder": holder_id},
    )
    return proxy


def decide_proxy(
    db: Session, settings: Settings, actor: Member, proxy: Proxy, *, approve: bool
) -> Proxy:
    """A chair approves or refuses a requested proxy; a holder never carries more than
    ``PROXY_LIMIT`` approved proxies in a sitting (checked holding the sitting's row)."""
    _refuse(rules.chair_refusal(actor))
    sitting = get_sitting(db, proxy.sitting_id, lock=True)
    _refuse(rules.sitting_refusal(sitting, SittingStatus.PLANNED, SittingStatus.OPEN))
    db.refresh(proxy)
    if proxy.status != ProxyStatus.REQUESTED:
        raise StateConflict(N_("This proxy has already been decided."), code="proxy_decided")
    if approve:
        held = db.scalar(
            select(func.count())
            .select_from(Proxy)
            .where(
                Proxy.sitting_id == sitting.id,
                Proxy.holder_id == proxy.holder_id,
                Proxy.status == ProxyStatus.APPROVED,
            )
        )
        if (held or 0) >= settings.proxy_limit:
            raise StateConflict(
                N_("That member already holds as many proxies as allowed."), code="proxy_limit"
            )
    proxy.status = ProxyStatus.APPROVED if approve else ProxyStatus.REFUSED
    proxy.decided_at = utcnow()
    proxy.decided_by_id = actor.id
    record(
        db,
        "proxy.approved" if approve else "proxy.refused",
        f"proxy:{proxy.id}",
        actor_id=actor.id,
    )
    kind = "proxy_approved" if approve else "proxy_refused"
    notify(db, proxy.giver_id, kind, actor_id=actor.id, payload={"sitting": sitting.id})
    if approve:
        notify(
            db, proxy.holder_id, "proxy_held", actor_id=actor.id, payload={"sitting": sitting.id}
        )
    return proxy


def revoke_proxy(db: Session, actor: Member, proxy: Proxy) -> None:
    """The giver revokes her proxy, until the holder has voted with it."""
    if proxy.giver_id != actor.id:
        raise NotFound(N_("There is no such proxy."))
    if proxy.status not in IN_FORCE:
        raise StateConflict(N_("This proxy is no longer in force."), code="proxy_ended")
    used = db.scalar(select(Ballot.id).where(Ballot.proxy_id == proxy.id).limit(1))
    if used is not None:
        raise StateConflict(
            N_("The holder has already voted with this proxy; vote yourself to override it."),
            code="proxy_used",
        )
    proxy.status = ProxyStatus.REVOKED
    proxy.decided_at = utcnow()
    record(db, "proxy.revoked", f"proxy:{proxy.id}", actor_id=actor.id)
