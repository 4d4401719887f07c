"""Writing revisions, the only code that does: every change of text, structure or
translation makes a new revision; versions it supersedes are closed (``rev_to``), never
rewritten. Hooks registered by ``constitution.wiring`` run after every new revision."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from constitution.accounts import permissions
from constitution.accounts.models import Member
from constitution.audit.services import record
from constitution.db import FollowUp, after_commit
from constitution.errors import N_, Forbidden, Invalid, StateConflict
from constitution.texts import positions
from constitution.texts.models import (
    Document,
    Provision,
    ProvisionVersion,
    Revision,
    SearchEntry,
)
from constitution.texts.search import fold
from constitution.texts.services.hashing import document_hash_of, version_hash
from constitution.texts.services.reading import reading_order
from constitution.texts.services.stale import apply_on_base, clean_base_rev
from constitution.texts.services.tree import (
    Draft,
    Tree,
    load_tree,
)
from constitution.texts.validation import (
    DocumentInput,
    Notices,
)


def require_editor(actor: Member) -> None:
    if not actor.active or not permissions.is_editor(actor):
        raise Forbidden(N_("Only the secretariat may change the text directly."))


# After every new revision, each registered hook gives the follow-up work (done after the
# commit, outside the write lock) for the document's id; ``constitution.wiring`` registers
# the re-check of open amendments (texts does not depend on amendments). The work records
# how far it got in ``Document.settled_rev``.
RevisionHook = Callable[[int], FollowUp]
AFTER_REVISION: dict[str, RevisionHook] = {}


def register_after_revision(name: str, hook: RevisionHook) -> None:
    """Register (or replace) a hook that runs after every new revision."""
    AFTER_REVISION[name] = hook


def lock_document(db: Session, document: Document) -> None:
    """Take the document's row lock and read its current revision again, before reading
    the text to change. On PostgreSQL two writers would otherwise both build revision N+1
    from revision N; on SQLite the write transaction already holds the database's lock."""
    db.refresh(document, with_for_update=True)


T = TypeVar("T")


def on_current_text(
    db: Session,
    document: Document,
    notices: Notices,
    begin_write: Callable[[], None] | None,
    build: Callable[[], T],
) -> T:
    """``build()`` (which reads the document's text and checks changes on it) as of the
    current revision under the document's lock.

    A caller in a read transaction passes ``begin_write``: ``build`` runs first on the text
    as read (the slow part stays outside the write lock), then the lock is taken and, when a
    revision landed meanwhile, ``build`` runs again on the new text (its notices replaced).
    Without it, the lock is taken first and ``build`` runs once."""
    if begin_write is None:
        lock_document(db, document)
        return build()
    planned, mark = document.current_rev, len(notices.items)
    result = build()
    begin_write()
    lock_document(db, document)
    if document.current_rev != planned:
        del notices.items[mark:]
        result = build()
    return result


def write_revision(
    db: Session,
    tree: Tree,
    *,
    actor: Member | None,
    kind: str,
    reason: str,
    amendment_id: int | None = None,
) -> Revision:
    """Close superseded versions, add new ones, and record the revision with its hash.

    Everything is computed from ``tree`` in memory (the new versions, the document's hash,
    the search entries): the whole text is not read again under the write lock."""
    document = tree.document
    rev = document.current_rev + 1
    changed = [d for d in tree.items.values() if d.touched or d.deleted]
    if not changed:
        raise Invalid(N_("The change is identical to the current text."), code="unchanged")
    fresh = {
        d.key: Provision(document_id=document.id, key=d.key, created_rev=rev)
        for d in changed
        if d.previous is None and not d.deleted
    }
    db.add_all(fresh.values())
    db.flush()  # one flush gives every new provision its id
    versions = []
    for draft in changed:
        if draft.previous is not None:
            draft.previous.rev_to = rev
        if draft.deleted:
            continue
        provision_id = (
            fresh[draft.key].id if draft.previous is None else draft.previous.provision_id
        )
        versions.append(
            ProvisionVersion(
                document_id=document.id,
                provision_id=provision_id,
                key=draft.key,
                version=draft.version + 1,
                rev_from=rev,
                rev_to=None,
                label=draft.label,
                labels=dict(draft.labels),
                kind=draft.kind,
                parent_key=draft.parent,
                position=draft.position,
                text=draft.text,
                outdated=sorted(draft.outdated),
                hash=version_hash(
                    draft.label, draft.kind, draft.text, draft.outdated, draft.labels
                ),
            )
        )
    db.add_all(versions)
    document.current_rev = rev
    live = reading_order(_Placed(d) for d in tree.items.values() if not d.deleted)
    digest = document_hash_of(document, [placed.content() for placed in live])
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
    _refresh_search(db, document, [p.draft for p in live], {d.key for d in changed})
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
        covers=[f"revision:{revision.id}"],
    )
    for hook in AFTER_REVISION.values():
        after_commit(db, hook(document.id))
    return revision


@dataclass(frozen=True)
class _Placed:
    """A live draft as ``reading_order`` and ``document_hash_of`` see a version row."""

    draft: Draft

    @property
    def key(self) -> str:
        return self.draft.key

    @property
    def parent_key(self) -> str | None:
        return self.draft.parent

    @property
    def position(self) -> str:
        return self.draft.position

    def content(self) -> dict[str, Any]:
        d = self.draft
        return {
            "key": d.key,
            "label": d.label,
            "kind": d.kind,
            "parent": d.parent,
            "text": d.text,
            "outdated": sorted(d.outdated),
            # Only when it has some, so the hashes of texts without them stay as they were.
            **({"labels": dict(d.labels)} if d.labels else {}),
        }


def _refresh_search(db: Session, document: Document, drafts: list[Draft], keys: set[str]) -> None:
    db.execute(
        delete(SearchEntry).where(SearchEntry.document_id == document.id, SearchEntry.key.in_(keys))
    )
    entries = [
        SearchEntry(
            document_id=document.id,
            key=draft.key,
            label=draft.label,
            language=language,
            text=text,
            folded=fold(text),
        )
        for draft in drafts
        if draft.key in keys
        for language, text in draft.text.items()
        if text
    ]
    db.add_all(entries)


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
            labels=dict(item.labels),
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
    db: Session,
    actor: Member,
    document: Document,
    body: Any,
    notices: Notices,
    begin_write: Callable[[], None] | None = None,
) -> Revision:
    """An editorial correction or translation update, applied at once as a new revision.

    A caller in a read transaction passes ``begin_write``: the text is read and changed in
    memory first (the slow part on a long document), then the write lock taken; when
    another revision landed meanwhile, the changes are applied again to the new text under
    the lock (``base_rev`` still refers to the revision her form was loaded at)."""
    from constitution.texts.validation import clean_reason

    require_editor(actor)
    if not isinstance(body, Mapping):
        raise Invalid(N_("The request body must be a JSON object."), field="body")
    reason = clean_reason(body.get("reason"), notices)

    def prepared() -> Tree:
        base_rev = clean_base_rev(body.get("base_rev"), document)
        tree = load_tree(db, document)
        apply_on_base(db, tree, body.get("changes"), notices, base_rev)
        return tree

    tree = on_current_text(db, document, notices, begin_write, prepared)
    return write_revision(db, tree, actor=actor, kind="editorial", reason=reason)
