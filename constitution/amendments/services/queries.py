"""Reading amendments: by id, by document or provision, their conflicts and diffs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, lazyload

from constitution.amendments.models import (
    OPEN_STATUSES,
    Amendment,
    AmendmentChange,
    AmendmentConflict,
    Sponsor,
    Status,
)
from constitution.audit.models import AuditEvent
from constitution.comments.services import Thread
from constitution.diffing.bounded import Diff
from constitution.diffing.diff import Pair
from constitution.errors import N_, NotFound
from constitution.texts.diffs import Differ
from constitution.texts.models import Document


def get_amendment(db: Session, amendment_id: int) -> Amendment:
    amendment = db.get(Amendment, amendment_id)
    if amendment is None:
        raise NotFound(N_("There is no such amendment."))
    return amendment


def document_of(db: Session, amendment: Amendment) -> Document:
    return db.get_one(Document, amendment.document_id)


def list_amendments(
    db: Session, document: Document, *, with_changes: bool = True
) -> list[Amendment]:
    """A document's amendments; ``with_changes=False`` leaves their texts unloaded (lists)."""
    query = select(Amendment).where(Amendment.document_id == document.id)
    if not with_changes:
        query = query.options(lazyload(Amendment.changes))
    return list(db.scalars(query.order_by(Amendment.number)))


def open_amendments(db: Session, document: Document) -> list[Amendment]:
    return list(
        db.scalars(
            select(Amendment)
            .where(
                Amendment.document_id == document.id, Amendment.status.in_(sorted(OPEN_STATUSES))
            )
            .order_by(Amendment.number)
        )
    )


def open_amendments_for(db: Session, document: Document, key: str) -> list[Amendment]:
    """The open amendments that change the provision, with their changes (their sponsors
    only if asked for: a provision's page shows none)."""
    ids = select(AmendmentChange.amendment_id).where(AmendmentChange.key == key)
    return list(
        db.scalars(
            select(Amendment)
            .options(lazyload(Amendment.sponsors))
            .where(
                Amendment.document_id == document.id,
                Amendment.id.in_(ids),
                Amendment.status.in_(sorted(OPEN_STATUSES)),
            )
            .order_by(Amendment.number)
        )
    )


def amendments_by_ids(db: Session, ids: Iterable[int]) -> list[Amendment]:
    wanted = list(set(ids))
    if not wanted:
        return []
    return list(
        db.scalars(select(Amendment).where(Amendment.id.in_(wanted)).order_by(Amendment.number))
    )


def amendments_to(db: Session, amendment: Amendment) -> list[Amendment]:
    """The amendments that amend this one."""
    query = select(Amendment).where(Amendment.amends_id == amendment.id)
    return list(db.scalars(query.order_by(Amendment.number)))


Changed = tuple[str, str | None, dict[str, str]]


def changed_provisions(db: Session, ids: Iterable[int]) -> dict[int, list[Changed]]:
    """Each amendment's changed provisions as (key, the label it gives, the labels it gives
    per language), in its order, for many amendments in one query and without their texts
    (lists)."""
    found: dict[int, list[Changed]] = {i: [] for i in ids}
    if not found:
        return {}
    rows = db.execute(
        select(
            AmendmentChange.amendment_id,
            AmendmentChange.key,
            AmendmentChange.label,
            AmendmentChange.labels,
        )
        .where(AmendmentChange.amendment_id.in_(found))
        .order_by(AmendmentChange.amendment_id, AmendmentChange.seq)
    )
    for amendment_id, key, label, labels in rows:
        found[amendment_id].append((key, label, dict(labels or {})))
    return found


def conflict_map(db: Session, ids: Iterable[int]) -> dict[int, list[int]]:
    """Each amendment's conflicting amendments (ids), for many amendments in one query."""
    found: dict[int, set[int]] = {i: set() for i in ids}
    if not found:
        return {}
    rows = db.execute(
        select(AmendmentConflict.a_id, AmendmentConflict.b_id).where(
            or_(AmendmentConflict.a_id.in_(found), AmendmentConflict.b_id.in_(found))
        )
    ).all()
    for a, b in rows:
        if a in found:
            found[a].add(b)
        if b in found:
            found[b].add(a)
    return {i: sorted(others) for i, others in found.items()}


def conflicts_of(db: Session, amendment: Amendment) -> list[int]:
    return conflict_map(db, [amendment.id])[amendment.id]


def conflict_counts(db: Session, ids: Iterable[int]) -> dict[int, int]:
    return {i: len(others) for i, others in conflict_map(db, ids).items()}


def change_diffs(
    document: Document, change: AmendmentChange, differ: Differ | None = None
) -> dict[str, Diff]:
    """What the change does to the text it was made against, per language (a replaced
    text diffed by ``differ``: within its budget, and stored)."""
    differ = differ if differ is not None else Differ()
    languages = document.languages
    if change.op == "replace":
        found = differ.diffs(
            [(change.base_text.get(lang, ""), change.text.get(lang, "")) for lang in languages]
        )
        return dict(zip(languages, found, strict=True))
    result: dict[str, Diff] = {}
    for lang in languages:
        old = change.base_text.get(lang, "")
        new = change.text.get(lang, "")
        if change.op == "insert":
            result[lang] = Diff([(1, new)] if new else [])
        elif change.op == "delete":
            result[lang] = Diff([(-1, old)] if old else [])
        else:
            result[lang] = Diff([(0, old)] if old else [])
    return result


def change_diff(
    document: Document, change: AmendmentChange, differ: Differ | None = None
) -> dict[str, list[Pair]]:
    """The pairs of :func:`change_diffs`, per language."""
    return {lang: d.pairs for lang, d in change_diffs(document, change, differ).items()}


def status_before(db: Session, amendment: Amendment, action: str, default: Status) -> Status:
    """The status the amendment had when ``action`` last moved it (its audit event says)."""
    payload = db.scalar(
        select(AuditEvent.payload)
        .where(
            AuditEvent.object == f"amendment:{amendment.id}",
            AuditEvent.action == f"amendment.{action}",
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return Status((payload or {}).get("from", default.value))


def open_counts(db: Session) -> dict[int, int]:
    """Document id -> how many of its amendments are open."""
    rows = db.execute(
        select(Amendment.document_id, func.count())
        .where(Amendment.status.in_(sorted(OPEN_STATUSES)))
        .group_by(Amendment.document_id)
    ).all()
    return {document_id: count for document_id, count in rows}


def of_member(db: Session, member_id: int, *, limit: int = 200) -> list[Amendment]:
    """The amendments a member proposed or co-sponsors, newest first."""
    sponsored = select(Sponsor.amendment_id).where(Sponsor.member_id == member_id)
    return list(
        db.scalars(
            select(Amendment)
            .where(or_(Amendment.proposer_id == member_id, Amendment.id.in_(sponsored)))
            .order_by(Amendment.id.desc())
            .limit(limit)
        )
    )


def thread_of(amendment: Amendment, document: Document) -> Thread:
    """The amendment's comment thread (new comments are told to its proposer)."""
    return Thread(
        document,
        amendment_id=amendment.id,
        owner_id=amendment.proposer_id,
        number=amendment.number,
        proposed={c.key: dict(c.text) for c in amendment.changes if c.text},
    )
