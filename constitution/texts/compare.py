"""Comparing two revisions: provisions added, removed, moved and modified, with their diffs.

Provisions whose version did not change between the revisions are not diffed at all; those
whose content hash is equal are only checked for a move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from constitution.texts.models import Document, ProvisionVersion
from constitution.texts.services import check_rev, versions_at

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


def _text_diffs(languages: list[str], old: dict[str, str], new: dict[str, str]) -> dict[str, Pairs]:
    from constitution.diffing.diff import diff_tokens

    return {lang: diff_tokens(old.get(lang, ""), new.get(lang, "")) for lang in languages}


def _whole(languages: list[str], text: dict[str, str], op: int) -> dict[str, Pairs]:
    return {lang: [(op, text[lang])] if text.get(lang) else [] for lang in languages}


def compare_versions(
    languages: list[str], before: list[ProvisionVersion], after: list[ProvisionVersion]
) -> list[Change]:
    old_by_key = {v.key: v for v in before}
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
            changes.append(
                Change(
                    version.key,
                    version.label,
                    "modified",
                    _text_diffs(languages, old.text, version.text),
                    moved,
                    old,
                    version,
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


def compare(db: Session, document: Document, rev_from: int, rev_to: int) -> list[Change]:
    a = check_rev(document, rev_from)
    b = check_rev(document, rev_to)
    return compare_versions(
        document.languages, versions_at(db, document, a), versions_at(db, document, b)
    )
