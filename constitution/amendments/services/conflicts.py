"""Conflicts between open amendments: two conflict when their changes touch overlapping text
of the same provision, or one deletes (or moves) what the other needs. Each pair is stored
once as an ``AmendmentConflict`` row (a < b) and recomputed when either changes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from constitution.amendments.models import (
    OPEN_STATUSES,
    Amendment,
    AmendmentChange,
    AmendmentConflict,
)
from constitution.amendments.services.notices import tell
from constitution.db import after_commit
from constitution.diffing.merge import overlaps
from constitution.texts import services as texts
from constitution.texts.models import Document


def needs(change: AmendmentChange) -> set[str]:
    """The provisions a change needs to find in the text: the one it changes, and where an
    inserted or moved provision goes."""
    needed = set() if change.op == "insert" else {change.key}
    if change.op in ("insert", "move"):
        needed |= {k for k in (change.parent, change.after) if k}
    return needed


def _pair_conflicts(
    document: Document,
    current: Mapping[str, dict[str, str]],
    a: AmendmentChange,
    b: AmendmentChange,
) -> bool:
    if a.op == "delete" or b.op == "delete" or a.op == "insert" or b.op == "insert":
        return True
    if a.op == "move" or b.op == "move":
        return a.op == b.op
    base = current.get(a.key, a.base_text)
    return any(
        overlaps(base.get(lang, ""), a.text.get(lang, ""), b.text.get(lang, ""))
        for lang in document.languages
        if a.text.get(lang, "") != base.get(lang, "") and b.text.get(lang, "") != base.get(lang, "")
    )


def _removed(tree: texts.Tree, amendment: Amendment) -> set[str]:
    """The provisions the amendment deletes, with everything under them."""
    gone: set[str] = set()
    for change in amendment.changes:
        if change.op == "delete" and change.key not in gone:
            gone.add(change.key)
            gone.update(d.key for d in tree.descendants(change.key))
    return gone


def _reach(tree: texts.Tree, amendment: Amendment) -> set[str]:
    """The provisions whose amendments may conflict with this one: those it touches and
    everything above them (one may delete them), and everything under what it deletes."""
    mine: set[str] = set()
    for change in amendment.changes:
        mine |= needs(change) | {change.key}
    return {a for key in mine for a in tree.ancestors(key)} | _removed(tree, amendment)


def _first_clash(
    document: Document,
    tree: texts.Tree,
    current: Mapping[str, dict[str, str]],
    one: Amendment,
    two: Amendment,
) -> str | None:
    theirs = {c.key: c for c in two.changes}
    gone_one, gone_two = _removed(tree, one), _removed(tree, two)
    for change in one.changes:
        other = theirs.get(change.key)
        if other is not None and _pair_conflicts(document, current, change, other):
            return change.key
        if needs(change) & gone_two:
            return change.key
    for change in two.changes:
        if needs(change) & gone_one:
            return change.key
    return None


def clear_conflicts(db: Session, amendment: Amendment) -> None:
    """An amendment that is no longer open conflicts with nothing."""
    db.execute(delete(AmendmentConflict).where(_involving([amendment.id])))


def _involving(ids: list[int]) -> ColumnElement[bool]:
    return or_(AmendmentConflict.a_id.in_(ids), AmendmentConflict.b_id.in_(ids))


def refresh_conflicts(db: Session, amendment: Amendment) -> None:
    """Recompute the amendment's conflicts with every other open amendment (after the
    transaction commits, outside the write lock); both proposers hear of a new one."""
    refresh_many(db, amendment.document_id, [amendment])


def refresh_many(db: Session, document_id: int, amendments: list[Amendment]) -> None:
    """Recompute the conflicts of ``amendments`` with every open amendment of the document,
    as follow-up work (``RefreshConflicts``)."""
    if amendments:
        after_commit(db, RefreshConflicts(document_id, tuple(a.id for a in amendments)))


def fingerprint(db: Session, document: Document) -> str:
    """What conflicts and rebases are computed from: the document's revision and the state
    of each of its open amendments. Any change to them changes this value."""
    rows = db.execute(
        select(Amendment.id, Amendment.status, Amendment.base_rev, Amendment.updated_at)
        .where(Amendment.document_id == document.id, Amendment.status.in_(sorted(OPEN_STATUSES)))
        .order_by(Amendment.id)
    )
    digest = hashlib.sha256(str(document.current_rev).encode())
    for row in rows:
        digest.update(repr((row[0], str(row[1]), row[2], row[3].isoformat())).encode())
    return digest.hexdigest()


Clash = tuple[int, int, str]


@dataclass(frozen=True)
class _ConflictPlan:
    fingerprint: str
    clashes: list[Clash]


@dataclass(frozen=True)
class RefreshConflicts:
    """Follow-up work: the conflicts of some amendments with every open amendment."""

    document_id: int
    amendment_ids: tuple[int, ...]

    def plan(self, db: Session) -> _ConflictPlan:
        document = db.get_one(Document, self.document_id)
        amendments = [a for i in self.amendment_ids if (a := db.get(Amendment, i)) is not None]
        return _ConflictPlan(fingerprint(db, document), _clashes(db, document, amendments))

    def apply(self, db: Session, plan: _ConflictPlan) -> bool:
        document = db.get_one(Document, self.document_id)
        texts.lock_document(db, document)  # as every writer of the document does, first
        if fingerprint(db, document) != plan.fingerprint:
            return False
        involving = _involving(list(self.amendment_ids))
        pairs = db.execute(select(AmendmentConflict.a_id, AmendmentConflict.b_id).where(involving))
        known = {(a, b) for a, b in pairs}
        db.execute(delete(AmendmentConflict).where(involving))
        for low, high, key in plan.clashes:
            db.add(AmendmentConflict(a_id=low, b_id=high, key=key))
            if (low, high) not in known:
                one, two = db.get_one(Amendment, low), db.get_one(Amendment, high)
                tell(db, one.proposer_id, "conflict", one, payload={"with": two.number})
                tell(db, two.proposer_id, "conflict", two, payload={"with": one.number})
        db.flush()
        return True


def _touching(db: Session, document: Document, keys: set[str]) -> dict[str, dict[int, Amendment]]:
    """The open amendments of the document that touch each of ``keys``."""
    others = db.scalars(
        select(Amendment).where(
            Amendment.document_id == document.id,
            Amendment.status.in_(sorted(OPEN_STATUSES)),
            Amendment.id.in_(
                select(AmendmentChange.amendment_id).where(
                    or_(
                        AmendmentChange.key.in_(keys),
                        AmendmentChange.parent.in_(keys),
                        AmendmentChange.after.in_(keys),
                    )
                )
            ),
        )
    ).all()
    touching: dict[str, dict[int, Amendment]] = {}
    for other in others:
        for change in other.changes:
            for key in {change.key, change.parent, change.after} - {None}:
                touching.setdefault(str(key), {})[other.id] = other
    return touching


def _clashes(db: Session, document: Document, amendments: list[Amendment]) -> list[Clash]:
    """Each pair of an open amendment of ``amendments`` and another open amendment that
    conflict, once, with the first provision where they clash. Reads only."""
    mine = [a for a in amendments if a.status in OPEN_STATUSES]
    if not mine:
        return []
    tree = texts.load_tree(db, document)
    reach = {a.id: _reach(tree, a) for a in mine}
    touching = _touching(db, document, set().union(*reach.values()))
    current = {key: draft.text for key, draft in tree.items.items() if not draft.deleted}
    seen: set[tuple[int, int]] = set()
    clashes: list[Clash] = []
    for amendment in mine:
        candidates = {i: o for key in reach[amendment.id] for i, o in touching.get(key, {}).items()}
        for other in candidates.values():
            low, high = sorted((amendment.id, other.id))
            if low == high or (low, high) in seen:
                continue
            seen.add((low, high))
            if amendment.amends_id == other.id or other.amends_id == amendment.id:
                continue  # an amendment to an amendment overlaps it by design
            clash = _first_clash(document, tree, current, amendment, other)
            if clash is not None:
                clashes.append((low, high, clash))
    return clashes
