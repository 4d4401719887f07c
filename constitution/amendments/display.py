"""What the amendment pages show of amendments, loaded and rendered before the template runs.

Pure reading: these helpers query and build plain values (diffs rendered as escaped
``Markup``) for the amendment pages and the pages that compose them; they never write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from constitution.amendments import services
from constitution.amendments.models import Amendment, AmendmentChange
from constitution.diffing.diff import diff_tokens
from constitution.diffing.render import inline_html, side_by_side, synopsis
from constitution.texts import services as texts
from constitution.texts.models import Document, ProvisionVersion

# ---- changes ----------------------------------------------------------------------------


def change_views(
    db: Session,
    document: Document,
    amendment: Amendment,
    *,
    side: bool = False,
    current: Mapping[str, ProvisionVersion] | None = None,
) -> list[dict[str, Any]]:
    """Each change: its diff per language (inline, or old and new side by side) against the
    text it was made on, and a synopsis of the current text beside the amended one."""
    current = texts.current_rows(db, document) if current is None else current
    result = []
    for change in amendment.changes:
        pairs = services.change_diff(document, change)
        cells: dict[str, Any] = {
            lang: side_by_side(p) if side else inline_html(p) for lang, p in pairs.items()
        }
        row = current.get(change.key)
        old = row.text if row is not None and change.op != "insert" else None
        if change.op in ("replace", "insert"):
            new: Mapping[str, str] | None = change.text
        elif change.op == "move":
            new = old
        else:
            new = None
        rows = {
            lang: (old.get(lang) if old else None, new.get(lang) if new else None)
            for lang in document.languages
        }
        result.append(
            {
                "change": change,
                "label": change.label or (row.label if row is not None else change.key),
                "exists": row is not None,
                "cells": cells,
                "synopsis": synopsis(rows),
            }
        )
    return result


def substitute_views(document: Document, amendment: Amendment) -> list[dict[str, Any]]:
    """A committee substitute, per provision and language, as a diff against the amendment."""
    substitute = amendment.substitute or {}
    result = []
    for change in amendment.changes:
        text = substitute.get(change.key)
        if not isinstance(text, dict):
            continue
        cells = {
            lang: inline_html(diff_tokens(change.text.get(lang, ""), text[lang]))
            for lang in document.languages
            if lang in text
        }
        result.append({"key": change.key, "label": change.label or change.key, "cells": cells})
    return result


def problem_views(amendment: Amendment) -> list[dict[str, Any]]:
    """Why the amendment needs an update: per provision and language, what it changes and
    what the text changed meanwhile, both from the same base."""
    result = []
    for problem in amendment.problem or []:
        if "language" not in problem:
            continue
        base = str(problem.get("base", ""))
        result.append(
            {
                "key": problem.get("key"),
                "language": problem["language"],
                "base": base,
                "ours": inline_html(diff_tokens(base, str(problem.get("ours", "")))),
                "theirs": inline_html(diff_tokens(base, str(problem.get("theirs", "")))),
            }
        )
    return result


def preview(
    db: Session, document: Document, changes: list[dict[str, Any]], notices: Any
) -> list[dict[str, Any]]:
    """Apply the changes to the current text in memory (every check of a real change runs,
    nothing is written) and render each one as a synopsis."""
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
        result.append({"key": key, "label": label, "op": change.get("op"), "cells": synopsis(rows)})
    return result


def proposals_by_key(
    db: Session, document: Document, rows: list[ProvisionVersion], languages: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Every open amendment's change, placed under the provision it changes (an inserted
    provision under the one it follows), as an inline diff against the current text."""
    current = {r.key: r for r in rows}
    found: dict[str, list[dict[str, Any]]] = {}
    for amendment in services.open_amendments(db, document):
        for change in amendment.changes:
            place = (change.after or change.parent) if change.op == "insert" else change.key
            row = current.get(place or "")
            if row is None:
                continue
            cells = {lang: _proposed(change, row, lang) for lang in languages}
            found.setdefault(row.key, []).append(
                {"amendment": amendment, "change": change, "cells": cells}
            )
    return found


def _proposed(change: AmendmentChange, row: ProvisionVersion, lang: str) -> Markup:
    old = row.text.get(lang, "")
    if change.op == "insert":
        return inline_html([(1, change.text.get(lang, ""))])
    if change.op == "delete":
        return inline_html([(-1, old)])
    if change.op == "replace":
        return inline_html(diff_tokens(old, change.text.get(lang, old)))
    return inline_html([(0, old)])
