"""The text in memory while a revision is built: a ``Tree`` of ``Draft`` provisions and
the checked changes (replace, insert, delete, move, confirm) applied to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.errors import N_, Invalid
from constitution.texts import positions
from constitution.texts.models import (
    Document,
    Provision,
    ProvisionVersion,
)
from constitution.texts.services.reading import (
    versions_at,
)
from constitution.texts.validation import (
    Notices,
    clean_key,
    clean_kind,
    clean_label,
    clean_labels,
    clean_optional_key,
    clean_text_map,
    kind_may_contain,
    labels_following,
    shown_label,
)


@dataclass
class Draft:
    """The in-memory state of one provision while a revision is built."""

    key: str
    label: str
    kind: str
    parent: str | None
    position: str
    text: dict[str, str]
    outdated: set[str]
    version: int = 0
    previous: ProvisionVersion | None = None
    touched: bool = False
    deleted: bool = False
    # The label in each language that has its own (``label`` is shown in the others).
    labels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, row: ProvisionVersion) -> Draft:
        return cls(
            row.key,
            row.label,
            row.kind,
            row.parent_key,
            row.position,
            dict(row.text),
            set(row.outdated),
            row.version,
            row,
            labels=dict(row.labels or {}),
        )


@dataclass
class Tree:
    """Provisions of the current revision, editable in memory, then written as a revision."""

    document: Document
    items: dict[str, Draft]
    retired_keys: set[str] = field(default_factory=set)

    def live(self) -> list[Draft]:
        return [d for d in self.items.values() if not d.deleted]

    def get(self, key: str, name: str) -> Draft:
        draft = self.items.get(key)
        if draft is None or draft.deleted:
            raise Invalid(
                N_("This document has no such provision."), field=name, code="unknown_provision"
            )
        return draft

    def children(self, parent: str | None) -> list[Draft]:
        return sorted((d for d in self.live() if d.parent == parent), key=lambda d: d.position)

    def ancestors(self, key: str) -> list[str]:
        """The key itself and every key above it, up to the root."""
        found = []
        walk: str | None = key
        while walk is not None:
            found.append(walk)
            draft = self.items.get(walk)
            walk = draft.parent if draft is not None else None
        return found

    def copy(self) -> Tree:
        """A copy whose drafts may be changed (texts and marks copied, rows shared)."""
        return Tree(
            self.document,
            {
                key: replace(
                    draft,
                    text=dict(draft.text),
                    outdated=set(draft.outdated),
                    labels=dict(draft.labels),
                )
                for key, draft in self.items.items()
            },
            set(self.retired_keys),
        )

    def descendants(self, key: str) -> list[Draft]:
        found: list[Draft] = []
        stack = [key]
        while stack:
            for child in self.children(stack.pop()):
                found.append(child)
                stack.append(child.key)
        return found

    def position_after(
        self, parent: str | None, after: str | None, moving: str | None = None, name: str = "after"
    ) -> str:
        siblings = [d for d in self.children(parent) if d.key != moving]
        if after is None:
            return positions.between(None, siblings[0].position if siblings else None)
        index = next((i for i, d in enumerate(siblings) if d.key == after), None)
        if index is None:
            raise Invalid(N_("'after' must name a provision under the same parent."), field=name)
        high = siblings[index + 1].position if index + 1 < len(siblings) else None
        return positions.between(siblings[index].position, high)


def load_tree(db: Session, document: Document) -> Tree:
    rows = versions_at(db, document, document.current_rev) if document.current_rev else []
    retired = set(db.scalars(select(Provision.key).where(Provision.document_id == document.id)))
    return Tree(document, {row.key: Draft.of(row) for row in rows}, retired)


def _apply_replace(tree: Tree, change: Mapping[str, Any], name: str, notices: Notices) -> None:
    document = tree.document
    draft = tree.get(clean_key(change.get("key"), f"{name}.key"), f"{name}.key")
    label = change.get("label")
    raw_labels = change.get("labels")
    raw_text = change.get("text")
    given = (
        {}
        if raw_text is None and (label is not None or raw_labels is not None)  # labels only
        else clean_text_map(raw_text, f"{name}.text", document.languages, notices)
    )
    if not given and label is None and raw_labels is None:
        raise Invalid(N_("The change is empty."), field=f"{name}.text", code="empty_change")
    if document.authoritative in given and not given[document.authoritative]:
        raise Invalid(
            N_("The text in the authoritative language is required."),
            field=f"{name}.text.{document.authoritative}",
        )
    new_text = {**draft.text, **given}
    new_label = draft.label if label is None else clean_label(label, f"{name}.label", notices)
    given_labels = (
        None
        if raw_labels is None
        else clean_labels(raw_labels, f"{name}.labels", document.languages, notices)
    )
    # What amendments' pages and the API promise for a change (labels_following).
    new_labels = labels_following(
        draft.labels, document.authoritative, None if label is None else new_label, given_labels
    )
    authoritative_changed = new_text[document.authoritative] != draft.text.get(
        document.authoritative
    )
    outdated = draft.outdated - set(given)
    if authoritative_changed:
        outdated |= {
            lang
            for lang in document.languages
            if lang != document.authoritative and lang not in given
        }
    # As at import: a translation that is missing is out of date.
    outdated |= {lang for lang in document.languages if not new_text.get(lang)}
    if (
        new_text == draft.text
        and new_label == draft.label
        and new_labels == draft.labels
        and outdated == draft.outdated
    ):
        raise Invalid(
            N_("The change is identical to the current text."),
            field=f"{name}.text",
            code="unchanged",
        )
    label_changed = new_label != draft.label or new_labels != draft.labels
    draft.text, draft.label, draft.outdated, draft.touched = new_text, new_label, outdated, True
    draft.labels = new_labels
    if label_changed:
        _check_sibling_label(tree, draft, f"{name}.label")


def _apply_insert(tree: Tree, change: Mapping[str, Any], name: str, notices: Notices) -> None:
    document = tree.document
    key = clean_key(change.get("key"), f"{name}.key")
    if key in tree.items or key in tree.retired_keys:
        raise Invalid(
            N_("This key is already used in this document."),
            field=f"{name}.key",
            code="duplicate_key",
        )
    parent = clean_optional_key(change.get("parent"), f"{name}.parent")
    kind = clean_kind(change.get("kind"), f"{name}.kind")
    if parent is not None:
        parent_draft = tree.get(parent, f"{name}.parent")
        if not kind_may_contain(parent_draft.kind, kind):
            raise Invalid(
                N_("This kind of provision cannot stand under its parent."), field=f"{name}.kind"
            )
    label = clean_label(change.get("label"), f"{name}.label", notices)
    labels = clean_labels(change.get("labels"), f"{name}.labels", document.languages, notices)
    text = clean_text_map(
        change.get("text"),
        f"{name}.text",
        document.languages,
        notices,
        required=(document.authoritative,),
    )
    after = clean_optional_key(change.get("after"), f"{name}.after")
    position = tree.position_after(parent, after, name=f"{name}.after")
    missing = {lang for lang in document.languages if not text.get(lang)}
    full_text = {lang: text.get(lang, "") for lang in document.languages}
    tree.items[key] = Draft(
        key, label, kind, parent, position, full_text, missing, 0, None, True, labels=labels
    )
    _check_sibling_label(tree, tree.items[key], f"{name}.label")


def _apply_delete(tree: Tree, change: Mapping[str, Any], name: str) -> None:
    draft = tree.get(clean_key(change.get("key"), f"{name}.key"), f"{name}.key")
    for item in [draft, *tree.descendants(draft.key)]:
        item.deleted = True


def _apply_move(tree: Tree, change: Mapping[str, Any], name: str) -> None:
    draft = tree.get(clean_key(change.get("key"), f"{name}.key"), f"{name}.key")
    parent = clean_optional_key(change.get("parent"), f"{name}.parent")
    if parent is not None:
        parent_draft = tree.get(parent, f"{name}.parent")
        if parent == draft.key or parent in {d.key for d in tree.descendants(draft.key)}:
            raise Invalid(
                N_("A provision cannot move under itself."), field=f"{name}.parent", code="cycle"
            )
        if not kind_may_contain(parent_draft.kind, draft.kind):
            raise Invalid(
                N_("This kind of provision cannot stand under its parent."), field=f"{name}.parent"
            )
    after = clean_optional_key(change.get("after"), f"{name}.after")
    if after == draft.key:
        raise Invalid(
            N_("'after' must name a provision under the same parent."), field=f"{name}.after"
        )
    if parent == draft.parent:
        keys = [d.key for d in tree.children(parent)]
        index = keys.index(draft.key)
        if after == (keys[index - 1] if index else None):
            raise Invalid(
                N_("The change is identical to the current text."),
                field=f"{name}.after",
                code="unchanged",
            )
    draft.position = tree.position_after(parent, after, moving=draft.key, name=f"{name}.after")
    draft.parent = parent
    draft.touched = True
    _check_sibling_label(tree, draft, f"{name}.parent")


def _apply_confirm(tree: Tree, change: Mapping[str, Any], name: str) -> None:
    """A translator confirms that translations are still right after the original changed."""
    draft = tree.get(clean_key(change.get("key"), f"{name}.key"), f"{name}.key")
    languages = change.get("languages")
    if (
        not isinstance(languages, list)
        or not languages
        or not all(isinstance(lang, str) for lang in languages)
    ):
        raise Invalid(N_("Give the languages to confirm."), field=f"{name}.languages")
    unknown = [lang for lang in languages if lang not in draft.outdated]
    if unknown:
        raise Invalid(N_("This translation is not marked out of date."), field=f"{name}.languages")
    draft.outdated -= set(languages)
    draft.touched = True


def _check_sibling_label(tree: Tree, draft: Draft, name: str) -> None:
    """As at import: siblings may not share a label, nor may two articles anywhere, in no
    language (the field named is ``labels.L`` when the clash is in language L only)."""
    languages = ["", *sorted(tree.document.languages)]
    mine = {lang: _shown(draft, lang) for lang in languages}
    for other in tree.live():
        if other.key == draft.key:
            continue
        clash = next((lang for lang in languages if _shown(other, lang) == mine[lang]), None)
        if clash is None:
            continue
        field_name = (
            name if clash == "" or clash not in draft.labels else _labels_field(name, clash)
        )
        if other.parent == draft.parent:
            raise Invalid(
                N_("Another provision under the same parent has this label."),
                field=field_name,
                code="label_clash",
            )
        if other.kind == draft.kind == "article":
            raise Invalid(
                N_("Another article has this label."), field=field_name, code="label_clash"
            )


def _shown(draft: Draft, language: str) -> str:
    if not language:
        return draft.label.casefold()
    return shown_label(draft.label, draft.labels, language).casefold()


def _labels_field(name: str, language: str) -> str:
    base = name.rsplit(".", 1)[0] if name.endswith((".label", ".parent")) else name
    return f"{base}.labels.{language}"


def apply_change(tree: Tree, change: Any, name: str, notices: Notices) -> None:
    if not isinstance(change, Mapping):
        raise Invalid(N_("A change must be an object."), field=name)
    op = change.get("op")
    if op == "replace":
        _apply_replace(tree, change, name, notices)
    elif op == "insert":
        _apply_insert(tree, change, name, notices)
    elif op == "delete":
        _apply_delete(tree, change, name)
    elif op == "move":
        _apply_move(tree, change, name)
    elif op == "confirm":
        _apply_confirm(tree, change, name)
    else:
        raise Invalid(N_("Unknown kind of change."), field=f"{name}.op")


def apply_changes(tree: Tree, changes: Any, notices: Notices, name: str = "changes") -> None:
    if not isinstance(changes, list) or not changes:
        raise Invalid(N_("Give at least one change."), field=name, code="empty_change")
    if len(changes) > 1000:
        raise Invalid(N_("There are too many changes."), field=name)
    for index, change in enumerate(changes):
        apply_change(tree, change, f"{name}[{index}]", notices)
