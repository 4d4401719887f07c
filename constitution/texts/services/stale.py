"""No lost updates: a change made on revision N (its ``base_rev``) is refused with 409
``stale_base`` when a provision it changes has changed since N.

A provision has changed since N when the version of it valid at N is not the one valid now:
its text, label, translation marks, parent or place were changed, it was deleted, or (for a
key the change inserts) it was created meanwhile. The provisions a change "changes" are the
ones it names and every one it writes (the provisions under a deleted one, too). Other
provisions changing since N do not matter: a correction of Article 1 goes through after
someone else corrected Article 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from constitution.errors import N_, Invalid, StateConflict
from constitution.texts.models import Document, ProvisionVersion
from constitution.texts.services.tree import Tree, apply_changes
from constitution.texts.validation import Notices


def clean_base_rev(value: Any, document: Document, name: str = "base_rev") -> int | None:
    """``None`` when not given (no check, as before); else a revision of the document."""
    if value is None:
        return None
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 1 <= value <= document.current_rev
    ):
        raise Invalid(
            N_("base_rev must be the number of a revision of this document."),
            field=name,
            code="invalid_base_rev",
        )
    return value


def changed_since(db: Session, document: Document, rev: int, keys: Iterable[str]) -> list[str]:
    """The keys among ``keys`` whose provision changed after revision ``rev``."""
    wanted = sorted(set(keys))
    if not wanted or rev >= document.current_rev:
        return []
    found = db.scalars(
        select(ProvisionVersion.key)
        .where(
            ProvisionVersion.document_id == document.id,
            ProvisionVersion.key.in_(wanted),
            or_(
                ProvisionVersion.rev_from > rev,
                and_(ProvisionVersion.rev_to.is_not(None), ProvisionVersion.rev_to > rev),
            ),
        )
        .distinct()
    )
    return sorted(found)


def require_fresh(
    db: Session, document: Document, base_rev: int | None, keys: Iterable[str]
) -> None:
    if base_rev is None:
        return
    stale = changed_since(db, document, base_rev, keys)
    if stale:
        raise StateConflict(
            N_(
                "This provision was changed by someone else after you opened the form. "
                "Nothing was saved: compare your text with the current one and save again."
            ),
            field="base_rev",
            code="stale_base",
            details={"keys": stale, "current_rev": document.current_rev},
        )


def _named_keys(changes: Any) -> set[str]:
    if not isinstance(changes, list):
        return set()
    return {c["key"] for c in changes if isinstance(c, Mapping) and isinstance(c.get("key"), str)}


def written_keys(tree: Tree) -> set[str]:
    """The provisions a revision built on ``tree`` would write."""
    return {d.key for d in tree.items.values() if d.touched or d.deleted}


def apply_on_base(
    db: Session, tree: Tree, changes: Any, notices: Notices, base_rev: int | None
) -> None:
    """Apply the changes to ``tree`` as ``apply_changes`` does, refused with ``stale_base``
    when one of the provisions they change has changed since ``base_rev``. The named keys
    are checked first, so that a provision deleted meanwhile is stale, not unknown."""
    require_fresh(db, tree.document, base_rev, _named_keys(changes))
    apply_changes(tree, changes, notices)
    require_fresh(db, tree.document, base_rev, written_keys(tree))
