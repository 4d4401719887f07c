"""After every new revision: the open amendments that touch what it changed are rebased,
or marked as needing an update, or obsolete (registered by ``constitution.wiring``)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from constitution.amendments.models import OPEN_STATUSES, Amendment, AmendmentChange, Status
from constitution.amendments.services.conflicts import refresh_many
from constitution.amendments.services.rebase import (
    REBASE_BUDGET,
    RebaseOutcome,
    apply_plan,
    plan_rebase,
)
from constitution.amendments.services.workflow import transition
from constitution.audit.services import record
from constitution.diffing.bounded import Budget
from constitution.texts import services as texts
from constitution.texts.models import Document, Revision


def _affected(
    db: Session, document: Document, revision: Revision, keys: set[str]
) -> list[Amendment]:
    touching = select(AmendmentChange.amendment_id).where(
        or_(
            AmendmentChange.key.in_(keys),
            AmendmentChange.parent.in_(keys),
            AmendmentChange.after.in_(keys),
        )
    )
    return list(
        db.scalars(
            select(Amendment)
            .where(
                Amendment.document_id == document.id,
                Amendment.status.in_(sorted(OPEN_STATUSES)),
                Amendment.id != (revision.amendment_id or 0),
                Amendment.id.in_(touching),
            )
            .order_by(Amendment.number)
        )
    )


def recheck(db: Session, document: Document, revision: Revision, keys: set[str]) -> None:
    """Rebase every open amendment that touches a changed provision; mark those that cannot
    be rebased as needing an update, and those whose provision is gone (or whose changes are
    all in the text already) as obsolete."""
    affected = _affected(db, document, revision, keys)
    if not affected:
        return
    tree = texts.load_tree(db, document)
    # Every merge first, in memory; then the writes, flushed together.
    budget = Budget(REBASE_BUDGET)
    plans = [(amendment, plan_rebase(document, tree, amendment, budget)) for amendment in affected]
    refresh: list[Amendment] = []
    moved = {"rev": revision.rev}
    for amendment, plan in plans:
        if plan.outcome is RebaseOutcome.OBSOLETE:
            amendment.problem = plan.problems
            transition(db, amendment, "obsolete", None, payload=moved)
            refresh.append(amendment)
        elif plan.outcome is RebaseOutcome.NEEDS_UPDATE:
            amendment.problem = plan.problems
            if amendment.status != Status.NEEDS_UPDATE:
                transition(db, amendment, "needs_update", None, payload=moved)
        else:
            apply_plan(amendment, plan)
            amendment.base_rev = revision.rev
            if plan.outcome is RebaseOutcome.REBASED:
                obj = f"amendment:{amendment.id}"
                record(db, "amendment.rebased", obj, actor_id=None, payload=moved)
            refresh.append(amendment)
    # Once every amendment is on the new text, so that each pair is compared as it stands.
    refresh_many(db, document, refresh, tree)
