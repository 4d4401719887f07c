"""Reading documents and revisions: any revision is one indexed query (versions valid
over revision ranges), in reading order."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import ScalarSelect, func, or_, select
from sqlalchemy.orm import Session

from constitution.errors import N_, NotFound
from constitution.texts.models import (
    Document,
    ProvisionVersion,
    Revision,
)


def get_document(db: Session, slug: str) -> Document:
    document = db.scalar(select(Document).where(Document.slug == slug))
    if document is None:
        raise NotFound(N_("There is no such document."))
    return document


def list_documents(db: Session) -> list[Document]:
    return list(db.scalars(select(Document).order_by(Document.slug)))


def check_rev(document: Document, rev: int | None) -> int:
    if rev is None:
        return document.current_rev
    if not 1 <= rev <= document.current_rev:
        raise NotFound(N_("This document has no such revision."))
    return rev


def versions_at(db: Session, document: Document, rev: int) -> list[ProvisionVersion]:
    """Every provision version valid at ``rev``, in reading order."""
    rows = db.scalars(
        select(ProvisionVersion).where(
            ProvisionVersion.document_id == document.id,
            ProvisionVersion.rev_from <= rev,
            or_(ProvisionVersion.rev_to.is_(None), ProvisionVersion.rev_to > rev),
        )
    ).all()
    return reading_order(rows)


class Outline(NamedTuple):
    """A provision version's place and name, without its text (one row of an outline)."""

    id: int
    key: str
    parent_key: str | None
    position: str
    kind: str
    label: str
    # Its label in each language that has its own (None or {} where none has).
    labels: dict[str, str] | None = None


# Outlines of the revisions read last, per process, by the revision row (document, number,
# id, time written, hash).
OUTLINE_MEMO_SIZE = 32
_outlines: OrderedDict[tuple[Any, ...], list[Outline]] = OrderedDict()
_outlines_lock = threading.Lock()


def settled_revisions() -> ScalarSelect[int]:
    """The sum of every document's ``settled_rev``, as a scalar subquery: it moves when the
    re-check after a revision is done, which updates open amendments (their base revision,
    their rebased texts) without an audit event of its own when nothing else changed."""
    return select(func.coalesce(func.sum(Document.settled_rev), 0)).scalar_subquery()


def outline_at(db: Session, document: Document, rev: int) -> list[Outline]:
    """The shape of the text at ``rev``, in reading order: no texts, no ORM objects (a
    page that shows a few provisions of a long document).

    A revision never changes once written, so the outlines of the last few read are kept,
    under the revision row's id, time written and hash as well as its number: a revision
    written in a transaction that was then rolled back, and written again (its provision
    versions are other rows), is another key."""
    found = db.execute(
        select(Revision.id, Revision.created_at, Revision.hash).where(
            Revision.document_id == document.id, Revision.rev == rev
        )
    ).first()
    if found is None:
        return _read_outline(db, document, rev)
    key = (document.id, rev, found.id, found.created_at, found.hash)
    with _outlines_lock:
        known = _outlines.get(key)
        if known is not None:
            _outlines.move_to_end(key)
            return list(known)
    outline = _read_outline(db, document, rev)
    with _outlines_lock:
        _outlines[key] = outline
        while len(_outlines) > OUTLINE_MEMO_SIZE:
            _outlines.popitem(last=False)
    return list(outline)


def _read_outline(db: Session, document: Document, rev: int) -> list[Outline]:
    rows = db.execute(
        select(
            ProvisionVersion.id,
            ProvisionVersion.key,
            ProvisionVersion.parent_key,
            ProvisionVersion.position,
            ProvisionVersion.kind,
            ProvisionVersion.label,
            ProvisionVersion.labels,
        ).where(
            ProvisionVersion.document_id == document.id,
            ProvisionVersion.rev_from <= rev,
            or_(ProvisionVersion.rev_to.is_(None), ProvisionVersion.rev_to > rev),
        )
    )
    return reading_order(Outline(*row) for row in rows)


def versions_by_ids(db: Session, ids: Iterable[int]) -> dict[int, ProvisionVersion]:
    """These provision versions, by id, in queries of at most 500."""
    wanted = sorted(set(ids))
    found: dict[int, ProvisionVersion] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in db.scalars(select(ProvisionVersion).where(ProvisionVersion.id.in_(chunk))):
            found[row.id] = row
    return found


def _current_columns(document: Document, *columns: Any) -> Any:
    """A select of ``columns`` of the current text's provision versions."""
    rev = document.current_rev
    return select(*columns).where(
        ProvisionVersion.document_id == document.id,
        ProvisionVersion.rev_from <= rev,
        or_(ProvisionVersion.rev_to.is_(None), ProvisionVersion.rev_to > rev),
    )


def current_labels(db: Session, document: Document, language: str | None = None) -> dict[str, str]:
    """Each current provision's label by key (no texts loaded: for lists), in ``language``
    where it has one of its own."""
    rows = db.execute(
        _current_columns(
            document, ProvisionVersion.key, ProvisionVersion.label, ProvisionVersion.labels
        )
    )
    return {key: (labels or {}).get(language or "") or label for key, label, labels in rows}


def current_label_maps(
    db: Session, document: Document, keys: Iterable[str] | None = None
) -> dict[str, dict[str, str]]:
    """Each current provision's labels (``labels``: its label in each language that has
    one of its own) by key, no texts loaded; only those of ``keys`` when given."""
    query = _current_columns(document, ProvisionVersion.key, ProvisionVersion.labels)
    if keys is not None:
        query = query.where(ProvisionVersion.key.in_(sorted(set(keys))))
    return {key: dict(labels or {}) for key, labels in db.execute(query)}


def current_rows(db: Session, document: Document) -> dict[str, ProvisionVersion]:
    """The current text's provision versions by key."""
    return {r.key: r for r in versions_at(db, document, document.current_rev)}


class Placed(Protocol):
    """Whatever has a key, a parent and a position among its siblings."""

    @property
    def key(self) -> str: ...
    @property
    def parent_key(self) -> str | None: ...
    @property
    def position(self) -> str: ...


P = TypeVar("P", bound=Placed)


def labels_of_keys(db: Session, keys: Iterable[str], language: str) -> dict[str, str]:
    """The current label, in ``language``, of provisions named by key in any document (a
    committee covers keys): so that no page shows a bare key."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = db.execute(
        select(ProvisionVersion.key, ProvisionVersion.label, ProvisionVersion.labels)
        .where(ProvisionVersion.rev_to.is_(None), ProvisionVersion.key.in_(wanted))
        .order_by(ProvisionVersion.id)
    )
    found: dict[str, str] = {}
    for key, label, labels in rows:
        found.setdefault(key, (labels or {}).get(language) or label)
    return found


def reading_order(rows: Iterable[P]) -> list[P]:
    children: dict[str | None, list[P]] = {}
    for row in rows:
        children.setdefault(row.parent_key, []).append(row)
    for siblings in children.values():
        siblings.sort(key=lambda v: v.position)
    ordered: list[P] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack.extend(reversed(children.get(row.key, [])))
    return ordered


def depth_map(rows: Iterable[Placed]) -> dict[str, int]:
    depth: dict[str, int] = {}
    for row in rows:  # reading order: a parent comes before its children
        depth[row.key] = depth[row.parent_key] + 1 if row.parent_key in depth else 0
    return depth


def revisions(db: Session, document: Document) -> list[Revision]:
    return list(
        db.scalars(
            select(Revision).where(Revision.document_id == document.id).order_by(Revision.rev)
        )
    )


def author_names(db: Session, rows: Iterable[Revision]) -> dict[int, str]:
    """Display names of the revisions' authors, in one query."""
    from constitution.accounts.services import members_by_ids

    ids = {r.author_id for r in rows if r.author_id}
    return {m.id: m.display_name for m in members_by_ids(db, ids)}


def get_revision(db: Session, document: Document, rev: int) -> Revision:
    revision = db.scalar(
        select(Revision).where(Revision.document_id == document.id, Revision.rev == rev)
    )
    if revision is None:
        raise NotFound(N_("This document has no such revision."))
    return revision


def provision_history(db: Session, document: Document, key: str) -> list[ProvisionVersion]:
    rows = list(
        db.scalars(
            select(ProvisionVersion)
            .where(ProvisionVersion.document_id == document.id, ProvisionVersion.key == key)
            .order_by(ProvisionVersion.rev_from)
        )
    )
    if not rows:
        raise NotFound(N_("This document has no such provision."))
    return rows


def revision_changes(
    db: Session, document: Document, rev: int, language: str | None = None
) -> list[tuple[str, str, str]]:
    """What revision ``rev`` changed: ``(key, label, change)`` for each provision it added,
    modified or removed (``"added"``, ``"modified"``, ``"removed"``), in reading order of the
    new text (removed ones after); labels in ``language`` where they have one."""
    rows = db.scalars(
        select(ProvisionVersion).where(
            ProvisionVersion.document_id == document.id,
            or_(ProvisionVersion.rev_from == rev, ProvisionVersion.rev_to == rev),
        )
    ).all()
    skeleton = db.execute(
        select(ProvisionVersion.key, ProvisionVersion.parent_key, ProvisionVersion.position).where(
            ProvisionVersion.document_id == document.id,
            ProvisionVersion.rev_from <= rev,
            or_(ProvisionVersion.rev_to.is_(None), ProvisionVersion.rev_to > rev),
        )
    ).all()
    rank = {row.key: index for index, row in enumerate(reading_order(skeleton))}
    new = sorted((r for r in rows if r.rev_from == rev), key=lambda r: rank.get(r.key, 0))
    old_keys = {r.key for r in rows if r.rev_to == rev}
    new_keys = {r.key for r in new}

    def shown(r: ProvisionVersion) -> str:
        return (r.labels or {}).get(language or "") or r.label

    changes = [(r.key, shown(r), "modified" if r.key in old_keys else "added") for r in new]
    changes += [
        (r.key, shown(r), "removed") for r in rows if r.rev_to == rev and r.key not in new_keys
    ]
    return changes
