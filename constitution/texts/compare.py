"""Comparing two revisions: provisions added, removed, moved and modified, with their diffs.

Only the versions that differ between the two revisions are loaded (a provision that did not
change has the same version row at both); of those, ones whose content hash is equal are
only checked for a move, the others are diffed, by a :class:`~constitution.texts.diffs.Differ`
(one time budget for the whole compare; each diff computed once and stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, not_, or_, select
from sqlalchemy.orm import Session

from constitution.texts.diffs import Differ
from constitution.texts.models import Document, ProvisionVersion
from constitution.texts.services import check_rev, reading_order

Pairs = list[tuple[int, str]]


@dataclass
class Change:
    key: str
    label: str
    change: str  # added, removed, modified, moved
    diff: dict[str, Pairs] = field(default_factory=dict)
    moved: bool = False
    old: ProvisionVersion | None = None
    new: ProvisionVersion | None = None
    # The languages whose diff was simplified to stay within the time budget.
    simplified: list[str] = field(default_factory=list)

    @property
    def labels(self) -> dict[str, str]:
        """The provision's label in each language that has its own (newest version)."""
        version = self.new if self.new is not None else self.old
        return dict(version.labels or {}) if version is not None else {}


def _text_diffs(
    differ: Differ, languages: list[str], old: dict[str, str], new: dict[str, str]
) -> tuple[dict[str, Pairs], list[str]]:
    found = differ.diffs([(old.get(lang, ""), new.get(lang, "")) for lang in languages])
    diffs = {lang: d.pairs for lang, d in zip(languages, found, strict=True)}
    return diffs, [lang for lang, d in zip(languages, found, strict=True) if d.simplified]


def _whole(languages: list[str], text: dict[str, str], op: int) -> dict[str, Pairs]:
    return {lang: [(op, text[lang])] if text.get(lang) else [] for lang in languages}


def compare_versions(
    languages: list[str],
    before: list[ProvisionVersion],
    after: list[ProvisionVersion],
    differ: Differ | None = None,
) -> list[Change]:
    differ = differ if differ is not None else Differ()
    old_by_key = {v.key: v for v in before}
    differ.prefetch(
        (old.text.get(lang, ""), version.text.get(lang, ""))
        for version in after
        if (old := old_by_key.get(version.key)) is not None and old.hash != version.hash
        for lang in languages
    )
    new_keys = {v.key for v in after}
    changes: list[Change] = []
    for version in after:
        old = old_by_key.get(version.key)
        if old is None:
            changes.append(
                Change(
                    version.key,
                    version.label,
                    "added",
                    _whole(languages, version.text, 1),
                    new=version,
                )
            )
            continue
        if old.id == version.id:
            continue
        moved = old.parent_key != version.parent_key or old.position != version.position
        if old.hash != version.hash:
            diffs, simplified = _text_diffs(differ, languages, old.text, version.text)
            changes.append(
                Change(
                    version.key,
                    version.label,
                    "modified",
                    diffs,
                    moved,
                    old,
                    version,
                    simplified,
                )
            )
        elif moved:
            changes.append(
                Change(
                    version.key,
                    version.label,
                    "moved",
                    _whole(languages, version.text, 0),
                    True,
                    old,
                    version,
                )
            )
    for version in before:
        if version.key not in new_keys:
            changes.append(
                Change(
                    version.key,
                    version.label,
                    "removed",
                    _whole(languages, version.text, -1),
                    old=version,
                )
            )
    return changes


def _valid_at(rev: int) -> ColumnElement[bool]:
    return and_(
        ProvisionVersion.rev_from <= rev,
        or_(ProvisionVersion.rev_to.is_(None), ProvisionVersion.rev_to > rev),
    )


def differing_versions(
    db: Session, document: Document, a: int, b: int
) -> tuple[list[ProvisionVersion], list[ProvisionVersion]]:
    """The versions valid at ``a`` but not ``b``, and at ``b`` but not ``a``.

    A version valid at both is the same row at both, so unchanged provisions are never
    loaded. Each list comes in the reading order of its own revision.
    """
    rows = db.scalars(
        select(ProvisionVersion).where(
            ProvisionVersion.document_id == document.id,
            or_(
                and_(_valid_at(a), not_(_valid_at(b))),
                and_(_valid_at(b), not_(_valid_at(a))),
            ),
        )
    ).all()
    before = [r for r in rows if r.rev_from <= a and (r.rev_to is None or r.rev_to > a)]
    after = [r for r in rows if r.rev_from <= b and (r.rev_to is None or r.rev_to > b)]
    return _in_order(db, document, a, before), _in_order(db, document, b, after)


def _in_order(
    db: Session, document: Document, rev: int, rows: list[ProvisionVersion]
) -> list[ProvisionVersion]:
    if len(rows) < 2:
        return rows
    skeleton = db.execute(
        select(ProvisionVersion.key, ProvisionVersion.parent_key, ProvisionVersion.position).where(
            ProvisionVersion.document_id == document.id, _valid_at(rev)
        )
    ).all()
    rank = {row.key: index for index, row in enumerate(reading_order(skeleton))}
    return sorted(rows, key=lambda r: rank.get(r.key, 0))


def compare(
    db: Session, document: Document, rev_from: int, rev_to: int, differ: Differ | None = None
) -> list[Change]:
    a = check_rev(document, rev_from)
    b = check_rev(document, rev_to)
    if a == b:
        return []
    before, after = differing_versions(db, document, a, b)
    return compare_versions(document.languages, before, after, differ)
