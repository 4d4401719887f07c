"""Documents and revisions: the only code that writes them.

Every change of text, structure or translation makes a new revision; versions that it
supersedes are closed (``rev_to``), never rewritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from constitution.accounts import permissions
from constitution.accounts.models import Member
from constitution.audit.models import AuditEvent
from constitution.audit.services import canonical_json, record
from constitution.errors import N_, Forbidden, Invalid, NotFound, StateConflict
from constitution.texts import positions
from constitution.texts.models import (
    Document,
    Provision,
    ProvisionVersion,
    Revision,
    SearchEntry,
)
from constitution.texts.search import fold
from constitution.texts.validation import (
    MAX_TEXT,
    DocumentInput,
    Notices,
    clean_key,
    clean_kind,
    clean_label,
    clean_optional_key,
    clean_text_map,
    kind_may_contain,
)


def require_editor(actor: Member) -> None:
    if not actor.active or not permissions.is_editor(actor):
        raise Forbidden(N_("Only the secretariat may change the text directly."))


# ---- reading ----------------------------------------------------------------------------


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


def depth_map(rows: list[ProvisionVersion]) -> dict[str, int]:
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


# ---- hashing ----------------------------------------------------------------------------


def version_hash(label: str, kind: str, text: Mapping[str, str], outdated: Iterable[str]) -> str:
    content = {"label": label, "kind": kind, "text": dict(text), "outdated": sorted(outdated)}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def document_hash(document: Document, rows: list[ProvisionVersion]) -> str:
    content = {
        "slug": document.slug,
        "title": document.title,
        "languages": document.languages,
        "authoritative": document.authoritative,
        "provisions": [row.content() for row in rows],
    }
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def check_revision_row(db: Session, event: AuditEvent) -> str | None:
    """``constitution verify``'s check of a ``revision.created`` event against the rows."""
    document = db.get(Document, event.payload.get("document_id"))
    if document is None:
        return "the document of this revision is missing"
    rev = int(event.payload.get("rev", 0))
    revision = db.scalar(
        select(Revision).where(Revision.document_id == document.id, Revision.rev == rev)
    )
    if revision is None:
        return "the revision is missing"
    if revision.hash != event.payload.get("hash"):
        return "the revision's recorded hash was changed"
    if document_hash(document, versions_at(db, document, rev)) != revision.hash:
        return "the text of the revision does not match its hash"
    return None


# ---- writing ----------------------------------------------------------------------------


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
                key: replace(draft, text=dict(draft.text), outdated=set(draft.outdated))
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
    raw_text = change.get("text")
    given = (
        {}
        if raw_text is None and label is not None  # a change of label only
        else clean_text_map(raw_text, f"{name}.text", document.languages, notices)
    )
    if not given and label is None:
        raise Invalid(N_("The change is empty."), field=f"{name}.text", code="empty_change")
    if document.authoritative in given and not given[document.authoritative]:
        raise Invalid(
            N_("The text in the authoritative language is required."),
            field=f"{name}.text.{document.authoritative}",
        )
    new_text = {**draft.text, **given}
    new_label = draft.label if label is None else clean_label(label, f"{name}.label", notices)
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
    if new_text == draft.text and new_label == draft.label and outdated == draft.outdated:
        raise Invalid(
            N_("The change is identical to the current text."),
            field=f"{name}.text",
            code="unchanged",
        )
    label_changed = new_label != draft.label
    draft.text, draft.label, draft.outdated, draft.touched = new_text, new_label, outdated, True
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
        key, label, kind, parent, position, full_text, missing, 0, None, touched=True
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
    """As at import: siblings may not share a label, nor may two articles anywhere."""
    label = draft.label.casefold()
    for other in tree.live():
        if other.key == draft.key or other.label.casefold() != label:
            continue
        if other.parent == draft.parent:
            raise Invalid(
                N_("Another provision under the same parent has this label."),
                field=name,
                code="label_clash",
            )
        if other.kind == draft.kind == "article":
            raise Invalid(N_("Another article has this label."), field=name, code="label_clash")


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


# Called after every new revision with the keys it changed; ``constitution.wiring``
# registers the re-check of open amendments (texts does not depend on amendments).
RevisionHook = Callable[[Session, Document, Revision, set[str]], None]
AFTER_REVISION: dict[str, RevisionHook] = {}


def register_after_revision(name: str, hook: RevisionHook) -> None:
    """Register (or replace) a hook that runs after every new revision."""
    AFTER_REVISION[name] = hook


def write_revision(
    db: Session,
    tree: Tree,
    *,
    actor: Member | None,
    kind: str,
    reason: str,
    amendment_id: int | None = None,
) -> Revision:
    """Close superseded versions, add new ones, and record the revision with its hash."""
    document = tree.document
    rev = document.current_rev + 1
    changed = [d for d in tree.items.values() if d.touched or d.deleted]
    if not changed:
        raise Invalid(N_("The change is identical to the current text."), code="unchanged")
    for draft in changed:
        if draft.previous is not None:
            draft.previous.rev_to = rev
        if draft.deleted:
            continue
        if draft.previous is None:
            provision = Provision(document_id=document.id, key=draft.key, created_rev=rev)
            db.add(provision)
            db.flush()
            provision_id = provision.id
        else:
            provision_id = draft.previous.provision_id
        db.add(
            ProvisionVersion(
                document_id=document.id,
                provision_id=provision_id,
                key=draft.key,
                version=draft.version + 1,
                rev_from=rev,
                rev_to=None,
                label=draft.label,
                kind=draft.kind,
                parent_key=draft.parent,
                position=draft.position,
                text=draft.text,
                outdated=sorted(draft.outdated),
                hash=version_hash(draft.label, draft.kind, draft.text, draft.outdated),
            )
        )
    document.current_rev = rev
    db.flush()
    rows = versions_at(db, document, rev)
    digest = document_hash(document, rows)
    revision = Revision(
        document_id=document.id,
        rev=rev,
        author_id=actor.id if actor else None,
        kind=kind,
        reason=reason,
        amendment_id=amendment_id,
        hash=digest,
    )
    db.add(revision)
    _refresh_search(db, document, rows, {d.key for d in changed})
    db.flush()
    record(
        db,
        "revision.created",
        f"document:{document.slug}",
        actor_id=actor.id if actor else None,
        payload={
            "document_id": document.id,
            "rev": rev,
            "hash": digest,
            "kind": kind,
            "reason": reason,
            "amendment": amendment_id,
            "keys": sorted(d.key for d in changed),
        },
    )
    for hook in AFTER_REVISION.values():
        hook(db, document, revision, {d.key for d in changed})
    return revision


def _refresh_search(
    db: Session, document: Document, rows: list[ProvisionVersion], keys: set[str]
) -> None:
    db.execute(
        delete(SearchEntry).where(SearchEntry.document_id == document.id, SearchEntry.key.in_(keys))
    )
    for row in rows:
        if row.key not in keys:
            continue
        for language, text in row.text.items():
            if text:
                db.add(
                    SearchEntry(
                        document_id=document.id,
                        key=row.key,
                        label=row.label,
                        language=language,
                        text=text,
                        folded=fold(text),
                    )
                )


def create_document(db: Session, actor: Member | None, data: DocumentInput) -> Document:
    if actor is not None:
        require_editor(actor)
    if db.scalar(select(Document.id).where(Document.slug == data.slug)) is not None:
        raise StateConflict(
            N_("A document with this slug exists."), field="slug", code="document_exists"
        )
    document = Document(
        slug=data.slug,
        title=data.title,
        languages=data.languages,
        authoritative=data.authoritative,
        current_rev=0,
    )
    db.add(document)
    db.flush()
    tree = Tree(document, {})
    order: dict[str | None, list[str]] = {}
    for item in data.provisions:
        order.setdefault(item.parent, []).append(item.key)
    position_of: dict[str, str] = {}
    for keys in order.values():
        position_of.update(zip(keys, positions.spread(len(keys)), strict=True))
    for item in data.provisions:
        text = {lang: item.text.get(lang, "") for lang in data.languages}
        missing = {lang for lang in data.languages if not text[lang]}
        tree.items[item.key] = Draft(
            item.key,
            item.label,
            item.kind,
            item.parent,
            position_of[item.key],
            text,
            missing,
            touched=True,
        )
    write_revision(db, tree, actor=actor, kind="import", reason="Imported")
    record(
        db,
        "document.created",
        f"document:{document.slug}",
        actor_id=actor.id if actor else None,
        payload={"slug": document.slug, "provisions": len(data.provisions)},
    )
    return document


def editorial_revision(
    db: Session, actor: Member, document: Document, body: Any, notices: Notices
) -> Revision:
    from constitution.texts.validation import clean_reason

    require_editor(actor)
    if not isinstance(body, Mapping):
        raise Invalid(N_("The request body must be a JSON object."), field="body")
    reason = clean_reason(body.get("reason"), notices)
    tree = load_tree(db, document)
    apply_changes(tree, body.get("changes"), notices)
    return write_revision(db, tree, actor=actor, kind="editorial", reason=reason)


__all__ = ["MAX_TEXT", "Tree", "apply_changes", "create_document", "write_revision"]
