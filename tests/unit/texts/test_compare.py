"""Comparing two revisions: added, removed, moved, modified, with diffs in every language."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.errors import NotFound
from constitution.texts.compare import Change, compare
from constitution.texts.models import Document
from tests.factories import ART_1_EN, ART_1_MY, ART_2_MY, at, edit_document

SYLLABLE_START = {"Mn", "Mc"}  # a diff piece never begins with a combining mark


def old_of(pairs: list[tuple[int, str]]) -> str:
    return "".join(text for op, text in pairs if op in (0, -1))


def new_of(pairs: list[tuple[int, str]]) -> str:
    return "".join(text for op, text in pairs if op in (0, 1))


def by_key(changes: list[Change]) -> dict[str, Change]:
    return {c.key: c for c in changes}


def test_comparing_a_revision_with_itself_finds_nothing(db: Session, document: Document) -> None:
    assert compare(db, document, 1, 1) == []


def test_compare_lists_added_removed_moved_and_modified_and_skips_the_rest(
    db: Session, editor: Member, document: Document
) -> None:
    new_my = "ပြည်ထောင်စုသည် ဖက်ဒရယ်ဒီမိုကရေစီ သမ္မတနိုင်ငံ ဖြစ်သည်။"
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {"my": new_my, "en": "The Union is a republic."}},
        {"op": "delete", "key": "art-1-b"},
        {"op": "move", "key": "art-2", "parent": "part-2", "after": "art-3"},
        {
            "op": "insert",
            "key": "art-4",
            "label": "Article 4",
            "kind": "article",
            "parent": "part-2",
            "after": "art-3",
            "text": {"my": "ပုဒ်မ ၄", "en": "Article four"},
        },
    )
    changes = compare(db, document, 1, 2)
    found = by_key(changes)
    assert {k: c.change for k, c in found.items()} == {
        "art-1": "modified",
        "art-1-b": "removed",
        "art-2": "moved",
        "art-4": "added",
    }
    # In reading order of the newer revision, the removed ones after.
    assert [c.key for c in changes] == ["art-1", "art-4", "art-2", "art-1-b"]
    for change in changes:
        assert set(change.diff) == {"my", "en"}
    modified = found["art-1"]
    assert (old_of(modified.diff["my"]), new_of(modified.diff["my"])) == (ART_1_MY, new_my)
    assert (old_of(modified.diff["en"]), new_of(modified.diff["en"])) == (
        ART_1_EN,
        "The Union is a republic.",
    )
    assert {op for op, _ in modified.diff["my"]} == {0, 1}  # "သမ္မတ" was inserted
    assert {op for op, _ in modified.diff["en"]} == {-1, 0, 1}
    assert not modified.moved
    assert found["art-4"].diff["my"] == [(1, "ပုဒ်မ ၄")]
    assert found["art-1-b"].diff["en"] == [(-1, "All ethnic nationalities are equal.")]
    assert found["art-2"].diff["my"] == [(0, ART_2_MY)] and found["art-2"].moved
    # Backwards, the same changes the other way round.
    back = by_key(compare(db, document, 2, 1))
    assert {k: c.change for k, c in back.items()} == {
        "art-1": "modified",
        "art-1-b": "added",
        "art-2": "moved",
        "art-4": "removed",
    }
    assert new_of(back["art-1"].diff["my"]) == ART_1_MY


def test_a_burmese_diff_never_splits_a_syllable(
    db: Session, editor: Member, document: Document
) -> None:
    # One vowel sign and one medial change: a character diff would cut syllables apart.
    old = at(db, document)["art-2"]["text"]["my"]
    new = old.replace("ရွေးကောက်", "ရွေးချယ်").replace("များကို", "များအား")
    edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"my": new}})
    [change] = compare(db, document, 1, 2)
    pairs = change.diff["my"]
    assert (old_of(pairs), new_of(pairs)) == (old, new)
    assert change.diff["en"] == [(0, at(db, document)["art-2"]["text"]["en"])]
    for op, text in pairs:
        assert text, pairs
        if op != 0:
            assert unicodedata.category(text[0]) not in SYLLABLE_START, pairs


def test_a_moved_and_modified_provision_is_modified_and_marked_moved(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(
        db,
        editor,
        document,
        {"op": "move", "key": "art-1-a", "parent": "art-2"},
        {"op": "replace", "key": "art-1-a", "text": {"en": "Women's rights are guaranteed."}},
    )
    [change] = compare(db, document, 1, 2)
    assert (change.key, change.change, change.moved) == ("art-1-a", "modified", True)


def test_compare_across_several_revisions_shows_the_net_change(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(
        db, editor, document, {"op": "replace", "key": "art-3", "text": {"en": "Changed."}}
    )
    edit_document(
        db, editor, document, {"op": "replace", "key": "art-3", "text": {"en": "Changed again."}}
    )
    edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "Other."}})
    changes = by_key(compare(db, document, 2, 4))
    assert set(changes) == {"art-2", "art-3"}
    assert old_of(changes["art-3"].diff["en"]) == "Changed."
    assert new_of(changes["art-3"].diff["en"]) == "Changed again."


def test_compare_with_a_revision_that_does_not_exist_is_not_found(
    db: Session, document: Document
) -> None:
    with pytest.raises(NotFound):
        compare(db, document, 1, 2)
    with pytest.raises(NotFound):
        compare(db, document, 0, 1)
