"""What the amendment pages show of amendments, loaded and rendered before the template runs.

Pure reading: these helpers query and build plain values (diffs rendered as escaped
``Markup``) for the amendment pages and the pages that compose them; they never write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from constitution.amendments import services
from constitution.amendments.models import Amendment, AmendmentChange
from constitution.diffing.bounded import Budget
from constitution.diffing.merge import merge3
from constitution.diffing.render import compact_html, inline_html, side_by_side, synopsis
from constitution.texts import services as texts
from constitution.texts.diffs import Differ
from constitution.texts.models import Document, ProvisionVersion
from constitution.texts.validation import labels_following

# ---- changes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One change in one language as it reads against the current text: ``old`` becomes
    ``new``. ``conflict`` when the text changed where the amendment changes it: then ``old``
    and ``new`` are the amendment's own change, on the text it was made on."""

    old: str
    new: str
    conflict: bool = False


def on_current(
    change: AmendmentChange, current: str | None, lang: str, budget: Budget | None = None
) -> Shown:
    """What ``change`` does to the current text (``current``, None when the provision is
    not there) in ``lang``. A replace made on an older text is merged onto the current one
    first (as a rebase would), so that it never shows as undoing corrections it did not
    touch; where the merge cannot be made, its own change and the conflict are shown."""
    now = current or ""
    if change.op == "insert":
        return Shown("", change.text.get(lang, ""))
    if change.op == "delete":
        return Shown(now, "")
    if change.op != "replace":
        return Shown(now, now)
    base = change.base_text.get(lang, "")
    ours = change.text.get(lang, base)
    if current is None or base == now:
        return Shown(now, ours)
    merged = merge3(base, ours, now, budget)
    if merged.text is None:
        return Shown(base, ours, conflict=True)
    return Shown(now, merged.text)


def change_views(
    db: Session,
    document: Document,
    amendment: Amendment,
    *,
    side: bool = False,
    current: Mapping[str, ProvisionVersion] | None = None,
    differ: Differ | None = None,
) -> list[dict[str, Any]]:
    """Each change: its diff per language (inline, or old and new side by side) against the
    text it was made on, and a synopsis of the current text beside the amended one.
    ``simplified`` says one of its diffs was simplified to stay within the time budget."""
    differ = differ if differ is not None else Differ()
    current = texts.current_rows(db, document) if current is None else current
    empty: dict[str, str] = {}
    differ.prefetch(
        (old.get(lang, ""), change.text.get(lang, ""))
        for change in amendment.changes
        if change.op == "replace"
        for old in (change.base_text, getattr(current.get(change.key), "text", empty))
        for lang in document.languages
    )
    result = []
    for change in amendment.changes:
        diffs = services.change_diffs(document, change, differ)
        cells: dict[str, Any] = {
            lang: side_by_side(d.pairs) if side else inline_html(d.pairs)
            for lang, d in diffs.items()
        }
        row = current.get(change.key)
        now = row.text if row is not None and change.op != "insert" else None
        on = {
            lang: on_current(change, now.get(lang, "") if now else None, lang, differ.budget)
            for lang in document.languages
        }
        rows = {lang: (found.old, found.new) for lang, found in on.items()}
        shown = synopsis(rows, differ.diff)
        result.append(
            {
                "change": change,
                **change_label(document, change, row),
                "exists": row is not None,
                "cells": cells,
                "synopsis": shown,
                "conflicts": [lang for lang, found in on.items() if found.conflict],
                "simplified": any(d.simplified for d in diffs.values())
                or any(cell.simplified for cell in shown.values()),
            }
        )
    differ.save()
    return result


def change_label(
    document: Document, change: AmendmentChange, row: ProvisionVersion | None
) -> dict[str, Any]:
    """The ``label`` and ``labels`` of the provision a change makes (for the ``label``
    filter): those it gives, else the current provision's (``row``), never a bare key."""
    own = dict(row.labels or {}) if row is not None and change.op != "insert" else {}
    return {
        "label": change.label or (row.label if row is not None else change.key),
        "labels": labels_following(own, document.authoritative, change.label, change.labels),
    }


def substitute_views(
    document: Document,
    amendment: Amendment,
    differ: Differ | None = None,
    current: Mapping[str, ProvisionVersion] | None = None,
) -> list[dict[str, Any]]:
    """A committee substitute, per provision and language, as a diff against the amendment
    (``current``: the document's current rows, for the provisions' labels)."""
    differ = differ if differ is not None else Differ()
    current = current if current is not None else {}
    substitute = amendment.substitute or {}
    result = []
    for change in amendment.changes:
        text = substitute.get(change.key)
        if not isinstance(text, dict):
            continue
        languages = [lang for lang in document.languages if lang in text]
        found = differ.diffs([(change.text.get(lang, ""), text[lang]) for lang in languages])
        cells = {lang: inline_html(d.pairs) for lang, d in zip(languages, found, strict=True)}
        result.append(
            {
                "key": change.key,
                **change_label(document, change, current.get(change.key)),
                "cells": cells,
                "simplified": any(d.simplified for d in found),
            }
        )
    differ.save()
    return result


def problem_views(amendment: Amendment, differ: Differ | None = None) -> list[dict[str, Any]]:
    """Why the amendment needs an update: per provision and language, what it changes and
    what the text changed meanwhile, both from the same base."""
    differ = differ if differ is not None else Differ()
    result = []
    for problem in amendment.problem or []:
        if "language" not in problem:
            continue
        base = str(problem.get("base", ""))
        ours = differ.diff(base, str(problem.get("ours", "")))
        theirs = differ.diff(base, str(problem.get("theirs", "")))
        result.append(
            {
                "key": problem.get("key"),
                "language": problem["language"],
                "base": base,
                "ours": inline_html(ours.pairs),
                "theirs": inline_html(theirs.pairs),
                "simplified": ours.simplified or theirs.simplified,
            }
        )
    differ.save()
    return result


def preview(
    db: Session,
    document: Document,
    changes: list[dict[str, Any]],
    notices: Any,
    differ: Differ | None = None,
) -> list[dict[str, Any]]:
    """Apply the changes to the current text in memory (every check of a real change runs,
    nothing is written) and render each one as a synopsis."""
    differ = differ if differ is not None else Differ()
    tree = texts.load_tree(db, document)
    before = {k: (d.label, dict(d.text)) for k, d in tree.items.items() if not d.deleted}
    texts.apply_changes(tree, changes, notices)
    result = []
    for change in changes:
        key = str(change.get("key"))
        draft = tree.items.get(key)
        old = before.get(key)
        new = None if draft is None or draft.deleted else draft.text
        rows = {
            lang: (old[1].get(lang) if old else None, new.get(lang) if new else None)
            for lang in document.languages
        }
        label = draft.label if draft is not None else (old[0] if old else key)
        cells = synopsis(rows, differ.diff)
        result.append(
            {
                "key": key,
                "label": label,
                "labels": dict(draft.labels) if draft is not None else {},
                "op": change.get("op"),
                "cells": cells,
                "simplified": any(cell.simplified for cell in cells.values()),
            }
        )
    return result


def proposals_by_key(
    db: Session,
    document: Document,
    rows: list[ProvisionVersion],
    languages: list[str],
    differ: Differ | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every open amendment's change, placed under the provision it changes (an inserted
    provision under the one it follows), against the current text: a replaced text as its
    changed words with some context (the provision page has it in full)."""
    differ = differ if differ is not None else Differ()
    current = {r.key: r for r in rows}
    found: dict[str, list[dict[str, Any]]] = {}
    for amendment in services.open_amendments(db, document):
        for change in amendment.changes:
            place = (change.after or change.parent) if change.op == "insert" else change.key
            row = current.get(place or "")
            if row is None:
                continue
            on = [
                on_current(change, row.text.get(lang, ""), lang, differ.budget)
                for lang in languages
            ]
            diffs = differ.diffs([(shown.old, shown.new) for shown in on])
            found.setdefault(row.key, []).append(
                {
                    "amendment": amendment,
                    "change": change,
                    "cells": {
                        lang: compact_html(d.pairs)
                        if change.op == "replace"
                        else inline_html(d.pairs)
                        for lang, d in zip(languages, diffs, strict=True)
                    },
                    "conflict": [
                        lang for lang, shown in zip(languages, on, strict=True) if shown.conflict
                    ],
                    "simplified": any(d.simplified for d in diffs),
                }
            )
    differ.save()
    return found
