"""After every new revision: the open amendments that touch what it changed are rebased,
or marked as needing an update, or obsolete (registered by ``constitution.wiring``).

The merges are slow (three-way merges of whole provisions), so they never run under the
write lock: the re-check is follow-up work (``constitution.db.after_commit``). Its plan is
computed in a read transaction; the write that applies it first checks that the document and
its open amendments are as the plan found them, and the plan is made again when they are not.
``Document.settled_rev`` records the revision up to which the re-check has run: a re-check
cut short (a crash after the revision committed) is caught up by the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from constitution.amendments.models import OPEN_STATUSES, Amendment, AmendmentChange, Status
from constitution.amendments.services.conflicts import RefreshConflicts, fingerprint
from constitution.amendments.services.notices import tell
from constitution.amendments.services.rebase import (
    REBASE_BUDGET,
    RebaseOutcome,
    RebasePlan,
    apply_plan,
    plan_rebase,
)
from constitution.amendments.services.workflow import transition
from constitution.audit.services import record
from constitution.db import after_commit
from constitution.diffing.bounded import Budget
from constitution.texts import services as texts
from constitution.texts.models import Document, ProvisionVersion, Revision


def _changed_keys(db: Session, document: Document, since: int, head: int) -> set[str]:
    """The provisions revisions ``since + 1`` to ``head`` added, changed or removed."""
    rows = db.execute(
        select(ProvisionVersion.key).where(
            ProvisionVersion.document_id == document.id,
            or_(
                ProvisionVersion.rev_from.between(since + 1, head),
                ProvisionVersion.rev_to.between(since + 1, head),
            ),
        )
    )
    return {key for (key,) in rows}


def _affected(db: Session, document: Document, since: int, head: int) -> list[Amendment]:
    keys = _changed_keys(db, document, since, head)
    if not keys:
        return []
    adopted = select(Revision.amendment_id).where(
        Revision.document_id == document.id,
        Revision.rev.between(since + 1, head),
        Revision.amendment_id.is_not(None),
    )
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
                Amendment.id.not_in(adopted),
                Amendment.id.in_(touching),
            )
            .order_by(Amendment.number)
        )
    )


@dataclass(frozen=True)
class _Plan:
    head: int
    fingerprint: str
    rebases: list[tuple[int, RebasePlan]]


@dataclass(frozen=True)
class Recheck:
    """The re-check of a document's open amendments after its newest revisions."""

    document_id: int

    def plan(self, db: Session) -> _Plan | None:
        document = db.get_one(Document, self.document_id)
        head = document.current_rev
        if document.settled_rev >= head:
            return None
        affected = _affected(db, document, document.settled_rev, head)
        rebases: list[tuple[int, RebasePlan]] = []
        if affected:
            tree = texts.load_tree(db, document)
            # One budget for every merge of the re-check: past it, merges diff by sentence,
            # which can only find more conflicts (needs_update), never merge wrongly.
            budget = Budget(REBASE_BUDGET)
            rebases = [(a.id, plan_rebase(document, tree, a, budget)) for a in affected]
        return _Plan(head, fingerprint(db, document), rebases)

    def apply(self, db: Session, plan: _Plan | None) -> bool:
        document = db.get_one(Document, self.document_id)
        # The document's lock before anything else, as every writer of it takes it (then
        # the audit head's): on PostgreSQL the check below then holds until the commit,
        # and no other order of the two locks can deadlock with a revision being written.
        texts.lock_document(db, document)
        if plan is None:
            return document.settled_rev >= document.current_rev
        if document.current_rev != plan.head or fingerprint(db, document) != plan.fingerprint:
            return False
        moved = {"rev": plan.head}
        refresh: list[int] = []
        for amendment_id, rebase in plan.rebases:
            amendment = db.get_one(Amendment, amendment_id)
            if rebase.outcome is RebaseOutcome.OBSOLETE:
                amendment.problem = rebase.problems
                transition(db, amendment, "obsolete", None, payload=moved)
                refresh.append(amendment.id)
            elif rebase.outcome is RebaseOutcome.NEEDS_UPDATE:
                amendment.problem = rebase.problems
                if amendment.status != Status.NEEDS_UPDATE:
                    transition(db, amendment, "needs_update", None, payload=moved)
            else:
                apply_plan(amendment, rebase)
                amendment.base_rev = plan.head
                if rebase.outcome is RebaseOutcome.REBASED:
                    obj = f"amendment:{amendment.id}"
                    record(db, "amendment.rebased", obj, actor_id=None, payload=moved)
                    concerned = {amendment.proposer_id} | {s.member_id for s in amendment.sponsors}
                    for member_id in sorted(concerned):
                        tell(db, member_id, "rebased", amendment, payload=moved)
                refresh.append(amendment.id)
        document.settled_rev = plan.head
        db.flush()
        if refresh:
            # Once every amendment is on the new text, so that each pair is compared as it
            # stands: follow-up work of its own, outside the write lock too.
            after_commit(db, RefreshConflicts(document.id, tuple(refresh)))
        return True


def recheck(document_id: int) -> Recheck:
    """The after-revision hook: rebase every open amendment that touches a changed
    provision; mark those that cannot be rebased as needing an update, and those whose
    provision is gone (or whose changes are all in the text already) as obsolete."""
    return Recheck(document_id)
