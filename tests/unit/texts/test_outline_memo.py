"""The outlines each process remembers (``outline_at``): always the outline the rows give,
for every revision, also when a revision was written in a transaction that was rolled back
and then written again, otherwise or the same."""

from __future__ import annotations

from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.texts.models import Document
from constitution.texts.services import reading
from tests.factories import edit_document

CLAUSE = {
    "op": "insert",
    "key": "art-2-a",
    "parent": "art-2",
    "after": None,
    "label": "(a)",
    "kind": "clause",
    "text": {"my": "ပြည်သူတိုင်း မဲပေးခွင့်ရှိသည်။", "en": "Everyone may vote."},
}


def fresh(db: Session, document: Document, rev: int) -> list[reading.Outline]:
    return reading._read_outline(db, document, rev)


def test_the_remembered_outline_is_the_rows_outline_after_a_rolled_back_revision(
    db: Session, editor: Member, document: Document
) -> None:
    """Red with the document and revision number alone as the key (checked in a scratch
    copy): the rolled-back revision 2's outline was served for the one written after."""
    db.commit()
    first = reading.outline_at(db, document, 1)
    assert first == fresh(db, document, 1)
    assert reading.outline_at(db, document, 1) == first  # remembered

    # Revision 2 deletes an article, is read, and is rolled back.
    savepoint = db.begin_nested()
    edit_document(db, editor, document, {"op": "delete", "key": "art-3"})
    gone = reading.outline_at(db, document, 2)
    assert "art-3" not in {row.key for row in gone}
    savepoint.rollback()

    # Revision 2 written otherwise: the remembered one is not served.
    db.expire_all()
    edit_document(db, editor, document, CLAUSE)
    db.commit()
    second = reading.outline_at(db, document, 2)
    assert second == fresh(db, document, 2)
    assert {"art-2-a", "art-3"} <= {row.key for row in second}
    assert reading.outline_at(db, document, 1) == fresh(db, document, 1)


def test_a_revision_written_again_the_same_way_has_its_own_rows(
    db: Session, editor: Member, document: Document
) -> None:
    """The same change, rolled back and written again, gives the same revision hash but new
    provision version rows: the outline carries the new rows' ids. (Red on PostgreSQL with
    the revision's hash alone in the key, checked in a scratch copy; SQLite gives the new
    rows the ids the rolled-back ones had.)"""
    db.commit()
    savepoint = db.begin_nested()
    edit_document(db, editor, document, CLAUSE)
    before = reading.outline_at(db, document, 2)
    savepoint.rollback()
    db.expire_all()
    edit_document(db, editor, document, CLAUSE)
    db.commit()
    again = reading.outline_at(db, document, 2)
    assert again == fresh(db, document, 2)
    assert [row.key for row in again] == [row.key for row in before]


def test_the_memo_holds_a_bounded_number_of_outlines(
    db: Session, editor: Member, document: Document
) -> None:
    db.commit()
    for n in range(reading.OUTLINE_MEMO_SIZE + 5):
        edit_document(
            db, editor, document, {"op": "replace", "key": "art-1", "text": {"en": f"Text {n}."}}
        )
        db.commit()
        reading.outline_at(db, document, document.current_rev)
    assert len(reading._outlines) <= reading.OUTLINE_MEMO_SIZE
