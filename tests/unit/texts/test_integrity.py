"""Revision hashes: stable, documented, and checked by ``constitution verify``."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.audit.models import AuditEvent
from constitution.audit.services import ROW_CHECKS, verify
from constitution.texts import services
from constitution.texts.models import Document, ProvisionVersion, Revision
from tests.factories import at, edit_document, make_document, small_body


def expected_hash(document: Document, rev: int, db: Session) -> str:
    """SHA-256 of the canonical JSON of the whole document at ``rev``, as documented."""
    content = {
        "slug": document.slug,
        "title": document.title,
        "languages": document.languages,
        "authoritative": document.authoritative,
        "provisions": list(at(db, document, rev).values()),
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def revision_events(db: Session) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "revision.created")
    return list(db.scalars(query.order_by(AuditEvent.seq)))


def test_the_revision_check_is_registered() -> None:
    assert "revision.created" in ROW_CHECKS


def test_revision_hashes_are_the_hash_of_the_whole_text_and_stay_the_same(
    db: Session, editor: Member, document: Document
) -> None:
    first = services.get_revision(db, document, 1).hash
    assert first == expected_hash(document, 1, db)
    edit_document(
        db, editor, document, {"op": "replace", "key": "art-2", "text": {"my": "ပြင်ဆင်သည်။"}}
    )
    edit_document(db, editor, document, {"op": "delete", "key": "art-1-a"})
    db.expire_all()
    assert services.get_revision(db, document, 1).hash == first
    for rev in (1, 2, 3):
        assert services.get_revision(db, document, rev).hash == expected_hash(document, rev, db)
    # The same text gives the same hash: an identical document imported elsewhere agrees.
    assert services.document_hash(document, services.versions_at(db, document, 1)) == first


def test_each_revision_is_recorded_in_the_audit_chain_with_its_hash(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "Two."}})
    events = revision_events(db)
    assert [e.payload["rev"] for e in events] == [1, 2]
    assert [e.payload["hash"] for e in events] == [r.hash for r in services.revisions(db, document)]
    assert events[1].payload["keys"] == ["art-2"]
    assert events[1].actor_id == editor.id
    assert events[1].object == f"document:{document.slug}"


def test_verify_passes_after_imports_and_edits(
    db: Session, editor: Member, document: Document
) -> None:
    make_document(db, small_body("second-draft"))
    edit_document(db, editor, document, {"op": "move", "key": "art-1", "parent": "part-2"})
    edit_document(
        db, editor, document, {"op": "replace", "key": "art-1", "text": {"my": "ကျင့်သုံးသည်"}}
    )
    edit_document(db, editor, document, {"op": "confirm", "key": "art-1", "languages": ["en"]})
    edit_document(db, editor, document, {"op": "delete", "key": "part-1"})
    result = verify(db)
    assert result.ok, result


def test_verify_fails_naming_the_event_when_a_version_text_is_altered(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "Two."}})
    assert verify(db).ok
    # Someone with access to the database rewrites a clause that revision 1 and 2 both show.
    db.execute(
        update(ProvisionVersion)
        .where(ProvisionVersion.document_id == document.id, ProvisionVersion.key == "art-1-a")
        .values(text={"my": "အတုအယောင်", "en": "Forged."})
    )
    db.expire_all()
    result = verify(db)
    assert not result.ok
    first = revision_events(db)[0]
    assert result.failed_seq == first.seq
    assert "revision" in result.reason


def test_verify_fails_on_an_altered_later_version(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "Two."}})
    db.execute(
        update(ProvisionVersion)
        .where(ProvisionVersion.key == "art-2", ProvisionVersion.rev_from == 2)
        .values(text={"my": "x", "en": "Forged."})
    )
    db.expire_all()
    result = verify(db)
    assert (result.ok, result.failed_seq) == (False, revision_events(db)[1].seq)


def test_verify_fails_when_a_revision_hash_is_altered(db: Session, document: Document) -> None:
    db.execute(update(Revision).where(Revision.document_id == document.id).values(hash="0" * 64))
    db.expire_all()
    result = verify(db)
    assert (result.ok, result.failed_seq) == (False, revision_events(db)[0].seq)
