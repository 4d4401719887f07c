"""The hashes that tie a revision's whole text into the audit chain, and ``verify``'s
check of them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.audit.models import AuditEvent
from constitution.audit.services import canonical_json, format_time
from constitution.texts.models import (
    Document,
    ProvisionVersion,
    Revision,
)
from constitution.texts.services.reading import (
    versions_at,
)


def version_hash(
    label: str,
    kind: str,
    text: Mapping[str, str],
    outdated: Iterable[str],
    labels: Mapping[str, str] | None = None,
) -> str:
    content: dict[str, Any] = {
        "label": label,
        "kind": kind,
        "text": dict(text),
        "outdated": sorted(outdated),
    }
    if labels:  # only when it has some: the hashes of texts without them stay the same
        content["labels"] = dict(labels)
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def document_hash(document: Document, rows: list[ProvisionVersion]) -> str:
    return document_hash_of(document, [row.content() for row in rows])


def document_hash_of(document: Document, provisions: list[dict[str, Any]]) -> str:
    """The hash of the document with these provisions (each as ``ProvisionVersion.content``
    gives it, in reading order)."""
    content = {
        "slug": document.slug,
        "title": document.title,
        "languages": document.languages,
        "authoritative": document.authoritative,
        "provisions": provisions,
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


def revision_states(db: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, Any]]:
    """A revision's metadata as the audit chain records it (its text is covered by its hash,
    which ``check_revision_row`` recomputes)."""
    query = select(
        Revision.id,
        Revision.document_id,
        Revision.rev,
        Revision.created_at,
        Revision.author_id,
        Revision.kind,
        Revision.reason,
        Revision.amendment_id,
        Revision.hash,
    ).order_by(Revision.id)
    if ids is not None:
        query = query.where(Revision.id.in_(ids))
    for row in db.execute(query):
        yield (
            row.id,
            {
                "document": row.document_id,
                "rev": row.rev,
                "created_at": format_time(row.created_at),
                "author": row.author_id,
                "kind": row.kind,
                "reason": row.reason,
                "amendment": row.amendment_id,
                "hash": row.hash,
            },
        )
