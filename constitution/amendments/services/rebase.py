"""Bringing an amendment onto the current text: a plan first, changing nothing, then the
plan applied. ``would_apply`` is the dry run a sitting asks before a vote.

Per replaced provision and language, a three-way merge on tokens (base -> the amendment's
text against base -> the current text); any overlap is a conflict (DESIGN.md).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from constitution.amendments.models import Amendment, AmendmentChange
from constitution.amendments.services.conflicts import needs
from constitution.diffing.bounded import Budget
from constitution.diffing.merge import merge3
from constitution.texts import services as texts
from constitution.texts.models import Document


class RebaseOutcome(enum.StrEnum):
    UNCHANGED = "unchanged"  # the text it changes did not move: nothing to do
    REBASED = "rebased"  # merged cleanly onto the current text
    NEEDS_UPDATE = "needs_update"  # a change overlaps what the text changed meanwhile
    OBSOLETE = "obsolete"  # what it changes is gone, or every change is already in the text


@dataclass(frozen=True)
class RebasePlan:
    """What bringing the amendment onto the current text would do; nothing written."""

    outcome: RebaseOutcome
    problems: list[dict[str, Any]] = field(default_factory=list)
    # Replaced provisions (by seq) whose text already reads as the amendment would make it.
    applied: frozenset[int] = frozenset()
    # seq -> (merged text, the current text it is now based on)
    texts: dict[int, tuple[dict[str, str], dict[str, str]]] = field(default_factory=dict)
    substitute: dict[str, Any] | None = None

    @property
    def applies(self) -> bool:
        """Adopting the amendment now would change the text cleanly."""
        return self.outcome in (RebaseOutcome.UNCHANGED, RebaseOutcome.REBASED)


def _merge_problem(change: AmendmentChange, lang: str, ours: str, theirs: str) -> dict[str, Any]:
    return {
        "key": change.key,
        "language": lang,
        "base": change.base_text.get(lang, ""),
        "ours": ours,
        "theirs": theirs,
    }


def _missing(tree: texts.Tree, change: AmendmentChange) -> RebasePlan | None:
    """An obsolete plan when what the change needs is gone (or its new key is taken)."""
    if change.op == "insert" and (change.key in tree.items or change.key in tree.retired_keys):
        return RebasePlan(RebaseOutcome.OBSOLETE, [{"key": change.key, "reason": "key_taken"}])
    for key in sorted(needs(change) - {change.after}, key=lambda k: k != change.key):
        draft = tree.items.get(key)
        if draft is None or draft.deleted:
            return RebasePlan(RebaseOutcome.OBSOLETE, [{"key": key, "reason": "removed"}])
    return None


def _misplaced(tree: texts.Tree, change: AmendmentChange) -> dict[str, Any] | None:
    after = tree.items.get(change.after) if change.after else None
    if change.after and (after is None or after.deleted or after.parent != change.parent):
        # Where it should go is gone: its proposer has to say where.
        return {"key": change.key, "reason": "after_removed", "after": change.after}
    return None


@dataclass
class _Merging:
    """One replaced provision being merged, in every language."""

    change: AmendmentChange
    current: dict[str, str]
    wanted: dict[str, str] | None
    problems: list[dict[str, Any]]
    budget: Budget
    merged: dict[str, str] = field(default_factory=dict)

    def language(self, lang: str) -> None:
        change, theirs = self.change, self.current.get(lang, "")
        ours = change.text.get(lang, "")
        base = change.base_text.get(lang, "")
        result = merge3(base, ours, theirs, self.budget)
        if result.text is None:
            self.problems.append(_merge_problem(change, lang, ours, theirs))
        else:
            self.merged[lang] = result.text
        if self.wanted is not None and lang in self.wanted:
            result = merge3(base, self.wanted[lang], theirs, self.budget)
            if result.text is None:
                problem = _merge_problem(change, lang, self.wanted[lang], theirs)
                self.problems.append(problem | {"substitute": True})
            else:
                self.wanted = {**self.wanted, lang: result.text}


# Seconds the merges of one re-check (or one dry run) may take together: past it, a merge
# diffs by sentence, which can only find more conflicts (needs_update), never merge wrongly.
REBASE_BUDGET = 2.0


def plan_rebase(
    document: Document, tree: texts.Tree, amendment: Amendment, budget: Budget | None = None
) -> RebasePlan:
    """Bring the amendment's changes, and a committee substitute, onto ``tree`` (the current
    text) in memory. An amendment whose every change is already in the text is obsolete."""
    budget = budget if budget is not None else Budget(REBASE_BUDGET)
    problems: list[dict[str, Any]] = []
    new_texts: dict[int, tuple[dict[str, str], dict[str, str]]] = {}
    substitute = dict(amendment.substitute or {})
    applied: set[int] = set()
    for change in amendment.changes:
        gone = _missing(tree, change)
        if gone is not None:
            return gone
        misplaced = _misplaced(tree, change)
        if misplaced is not None:
            problems.append(misplaced)
        if change.op != "replace":
            continue
        draft = tree.items[change.key]
        text = dict(change.text)
        wanted = substitute.get(change.key)
        if draft.text != change.base_text:
            merging = _Merging(change, draft.text, wanted, problems, budget)
            for lang in document.languages:
                merging.language(lang)
            new_texts[change.seq] = (merging.merged, dict(draft.text))
            text, wanted = merging.merged, merging.wanted
            if wanted is not None:
                substitute[change.key] = wanted
        final = {**draft.text, **(wanted if wanted is not None else text)}
        if (
            final == draft.text
            and change.label in (None, draft.label)
            and all(
                draft.labels.get(lang) == label for lang, label in (change.labels or {}).items()
            )
        ):
            applied.add(change.seq)
    if problems:
        return RebasePlan(RebaseOutcome.NEEDS_UPDATE, problems)
    if applied and len(applied) == len(amendment.changes):
        done = [{"key": c.key, "reason": "already_applied"} for c in amendment.changes]
        return RebasePlan(RebaseOutcome.OBSOLETE, done)
    if not new_texts:
        return RebasePlan(RebaseOutcome.UNCHANGED, [], frozenset(applied))
    kept = substitute if amendment.substitute else None
    return RebasePlan(RebaseOutcome.REBASED, [], frozenset(applied), new_texts, kept)


def apply_plan(amendment: Amendment, plan: RebasePlan) -> None:
    """Write a rebased plan's texts into the amendment (its changes and substitute)."""
    if plan.outcome is not RebaseOutcome.REBASED:
        return
    for change in amendment.changes:
        if change.seq in plan.texts:
            change.text, change.base_text = plan.texts[change.seq]
    if plan.substitute is not None:
        amendment.substitute = plan.substitute


def would_apply(db: Session, amendment: Amendment) -> RebasePlan:
    """Would this amendment still apply to the current text? A dry run: nothing changes."""
    document = db.get_one(Document, amendment.document_id)
    return plan_rebase(document, texts.load_tree(db, document), amendment)
