"""The amendment's workflow: every change of state goes through ``transition()``, which
checks the state allows it, writes an audit event and tells whom it concerns. Who may act
is decided in ``constitution.amendments.permissions``.

The seams a sitting's vote calls: ``schedule`` and ``unschedule`` (the agenda), ``adopt``
(merged into the text as a new revision; an amendment to an amendment goes into that
amendment with ``adopt_into_amendment``) and ``reject``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.amendments import permissions as rules
from constitution.amendments.models import Amendment, AmendmentChange, Sponsor, Status
from constitution.amendments.services.conflicts import clear_conflicts, refresh_conflicts
from constitution.amendments.services.notices import tell
from constitution.amendments.services.queries import document_of, get_amendment, status_before
from constitution.amendments.services.rebase import RebaseOutcome, apply_plan, plan_rebase
from constitution.audit.services import record
from constitution.db import utcnow
from constitution.errors import N_, DomainError, StateConflict
from constitution.settings import Settings
from constitution.texts import services as texts
from constitution.texts.models import Revision
from constitution.texts.validation import Notices


def _refuse(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def transition(
    db: Session,
    amendment: Amendment,
    action: str,
    actor: Member | None,
    payload: dict[str, Any] | None = None,
    *,
    target: Status | None = None,
) -> None:
    """Move the amendment by ``action`` (to ``target`` where the action may lead to more
    than one state, as ``unschedule`` does)."""
    allowed, usual = rules.TRANSITIONS[action]
    current = Status(amendment.status)
    if current not in allowed:
        raise rules.wrong_status()
    goal = target or usual
    amendment.status = goal
    amendment.updated_at = utcnow()
    db.flush()
    record(
        db,
        f"amendment.{action}",
        f"amendment:{amendment.id}",
        actor_id=actor.id if actor else None,
        payload={"from": current.value, "to": goal.value, **(payload or {})},
    )
    concerned = {amendment.proposer_id} | {s.member_id for s in amendment.sponsors}
    for member_id in concerned:
        if actor is None or member_id != actor.id:
            tell(db, member_id, "status", amendment, actor=actor, payload={"status": goal.value})


def sponsor(db: Session, actor: Member, amendment: Amendment) -> Amendment:
    _refuse(rules.sponsor_refusal(actor, amendment))
    amendment.sponsors.append(Sponsor(member_id=actor.id))
    db.flush()
    record(db, "amendment.sponsored", f"amendment:{amendment.id}", actor_id=actor.id)
    tell(db, amendment.proposer_id, "sponsor", amendment, actor=actor)
    return amendment


def submit(db: Session, settings: Settings, actor: Member, amendment: Amendment) -> Amendment:
    _refuse(rules.submit_refusal(actor, amendment, settings.cosponsor_threshold))
    transition(db, amendment, "submit", actor)
    refresh_conflicts(db, amendment)
    return amendment


# Asked before a scheduled amendment is withdrawn: raises when its poll has opened, else
# takes it off the sitting's agenda. Registered by the voting part (``wiring``).
AgendaWithdrawal = Callable[[Session, Member, Amendment], None]
_AGENDA_WITHDRAWAL: list[AgendaWithdrawal] = []


def register_agenda_withdrawal(hook: AgendaWithdrawal) -> None:
    _AGENDA_WITHDRAWAL[:] = [hook]


def withdraw(db: Session, actor: Member, amendment: Amendment) -> Amendment:
    _refuse(rules.withdraw_refusal(actor, amendment))
    if amendment.status == Status.SCHEDULED:
        if not _AGENDA_WITHDRAWAL:
            raise rules.wrong_status()
        _AGENDA_WITHDRAWAL[0](db, actor, amendment)
    transition(db, amendment, "withdraw", actor)
    clear_conflicts(db, amendment)
    return amendment


def schedule(
    db: Session, actor: Member | None, amendment: Amendment, payload: dict[str, Any] | None = None
) -> Amendment:
    """Put the amendment on a sitting's agenda (``payload`` names the sitting)."""
    _refuse(rules.agenda_refusal(amendment, "schedule"))
    transition(db, amendment, "schedule", actor, payload)
    return amendment


def unschedule(
    db: Session, actor: Member | None, amendment: Amendment, payload: dict[str, Any] | None = None
) -> Amendment:
    """Take the amendment off the agenda before its poll opens: it returns to the state it
    was scheduled from."""
    _refuse(rules.agenda_refusal(amendment, "unschedule"))
    earlier = status_before(db, amendment, "schedule", Status.SUBMITTED)
    transition(db, amendment, "unschedule", actor, payload, target=earlier)
    return amendment


def reject(
    db: Session, actor: Member | None, amendment: Amendment, payload: dict[str, Any] | None = None
) -> Amendment:
    """Record that the vote rejected the amendment; it conflicts with nothing any more."""
    _refuse(rules.agenda_refusal(amendment, "reject"))
    transition(db, amendment, "reject", actor, payload)
    clear_conflicts(db, amendment)
    return amendment


def adopt_into_amendment(db: Session, actor: Member | None, amendment: Amendment) -> Amendment:
    """Adopt an amendment to an amendment: its texts and the labels it gives replace the
    amended amendment's for the same provisions (no new revision of the document: that
    comes when, and if, the amended amendment is adopted). Called by the vote, before the
    amended one is voted on (the amended one may be on the same agenda: ``scheduled``)."""
    if not rules.can_move(amendment, "adopt"):
        raise rules.wrong_status()
    parent = get_amendment(db, amendment.amends_id or 0)
    _refuse(rules.merge_refusal(parent))
    ours = {c.key: c for c in amendment.changes}
    for change in parent.changes:
        replacement = ours.get(change.key)
        if replacement is not None and replacement.op in ("replace", "insert"):
            change.text = {**change.text, **replacement.own_text()}
            if replacement.label is not None:
                change.label = replacement.label
            if replacement.labels:
                change.labels = {**(change.labels or {}), **replacement.labels}
    transition(db, amendment, "adopt", actor)
    record(
        db,
        "amendment.amended",
        f"amendment:{parent.id}",
        actor_id=actor.id if actor else None,
        payload={"by": amendment.id},
    )
    tell(db, parent.proposer_id, "amended", parent, actor=actor)
    refresh_conflicts(db, parent)
    return parent


def _no_longer_applies(keep_changes: bool = False) -> StateConflict:
    return StateConflict(
        N_("The amendment no longer applies cleanly to the text; it needs an update."),
        code="rebase_conflict",
        keep_changes=keep_changes,
    )


def _as_adopted(change: AmendmentChange, substitute: dict[str, Any]) -> dict[str, Any]:
    """The change as adopted: a committee substitute's text in place of its own; a replace
    names only the languages it changes (the others are then marked out of date when the
    authoritative text changes, as for any replace)."""
    text = substitute.get(change.key, change.text)
    if change.op == "replace":
        text = {lang: t for lang, t in text.items() if t != change.base_text.get(lang)} or text
    return change.as_text_change(text)


def adopt(db: Session, actor: Member | None, amendment: Amendment) -> Revision:
    """Merge an adopted amendment into the text as a new revision (called by the vote).

    An amendment to an amendment goes through ``adopt_into_amendment`` instead."""
    if amendment.amends_id is not None:
        raise StateConflict(
            N_("An amendment to an amendment is adopted into that amendment, not the text."),
            code="amends_amendment",
        )
    if amendment.status == Status.NEEDS_UPDATE:
        raise _no_longer_applies()
    if not rules.can_move(amendment, "adopt"):
        raise rules.wrong_status()
    document = document_of(db, amendment)
    texts.lock_document(db, document)
    tree = texts.load_tree(db, document)
    plan = plan_rebase(document, tree, amendment)
    if not plan.applies:
        amendment.problem = plan.problems
        action = "needs_update" if plan.outcome is RebaseOutcome.NEEDS_UPDATE else "obsolete"
        transition(db, amendment, action, actor)
        raise _no_longer_applies(keep_changes=True)
    apply_plan(amendment, plan)
    substitute = amendment.substitute or {}
    changes = [_as_adopted(c, substitute) for c in amendment.changes if c.seq not in plan.applied]
    texts.apply_changes(tree, changes, Notices())
    transition(db, amendment, "adopt", actor)
    revision = texts.write_revision(
        db,
        tree,
        actor=actor,
        kind="amendment",
        reason=f"Amendment {amendment.number}: {amendment.title}",
        amendment_id=amendment.id,
    )
    amendment.adopted_rev = revision.rev
    refresh_conflicts(db, amendment)
    return revision
