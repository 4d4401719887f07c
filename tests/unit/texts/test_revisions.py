"""Import and editorial revisions: the tree, languages out of date, history that never changes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.errors import Forbidden, Invalid, NotFound
from constitution.settings import Settings
from constitution.texts import services
from constitution.texts.models import Document, Provision, ProvisionVersion, Revision
from constitution.texts.validation import Notices
from tests.factories import (
    ART_1_EN,
    ART_1_MY,
    ART_2_EN,
    ART_2_MY,
    at,
    current,
    edit_document,
    make_document,
    make_member,
    sample_body,
    small_body,
)

SMALL_ORDER = ["part-1", "art-1", "art-1-a", "art-1-b", "art-2", "part-2", "art-3"]


def assert_tree(rows: list[ProvisionVersion]) -> None:
    """Reading order: every parent comes before its children, and before the next sibling."""
    seen: set[str] = set()
    open_ancestors: list[str | None] = [None]
    for row in rows:
        assert row.parent_key is None or row.parent_key in seen, row.key
        # A row's parent is the last open ancestor: the tree is walked depth first.
        while open_ancestors[-1] != row.parent_key:
            open_ancestors.pop()
            assert open_ancestors, f"{row.key} does not follow its parent's subtree"
        open_ancestors.append(row.key)
        seen.add(row.key)


# ---- import -----------------------------------------------------------------------------


def test_import_creates_revision_1_with_all_provisions_in_reading_order(
    db: Session, document: Document
) -> None:
    assert document.current_rev == 1
    rows = services.versions_at(db, document, 1)
    assert [r.key for r in rows] == SMALL_ORDER
    assert_tree(rows)
    assert {r.key: r.parent_key for r in rows}["art-1-b"] == "art-1"
    art_1 = rows[1]
    assert (art_1.label, art_1.kind, art_1.version, art_1.rev_from, art_1.rev_to) == (
        "Article 1",
        "article",
        1,
        1,
        None,
    )
    assert art_1.text == {"my": ART_1_MY, "en": ART_1_EN}
    assert art_1.outdated == []
    [revision] = services.revisions(db, document)
    assert (revision.rev, revision.kind, revision.author_id) == (1, "import", None)
    assert len(revision.hash) == 64


def test_import_keeps_siblings_in_the_order_given_not_alphabetical(db: Session) -> None:
    body = small_body()
    # Siblings whose keys and labels sort the other way round, and a parent's children
    # listed after another parent's (still parent before child).
    body["provisions"] = [
        {**body["provisions"][0], "key": "z-part"},
        {**body["provisions"][5], "key": "a-part"},
        {**body["provisions"][1], "key": "z-art", "parent": "z-part", "label": "Article 9"},
        {**body["provisions"][4], "key": "b-art", "parent": "a-part", "label": "Article 2"},
        {**body["provisions"][6], "key": "a-art", "parent": "z-part", "label": "Article 1"},
    ]
    document = make_document(db, body)
    rows = services.versions_at(db, document, 1)
    assert [r.key for r in rows] == ["z-part", "z-art", "a-art", "a-part", "b-art"]
    assert_tree(rows)


def test_import_of_the_sample_draft_keeps_its_reading_order(db: Session) -> None:
    body = sample_body()
    assert body is not None, "constitution/sample_data/draft.json is missing"
    document = make_document(db, body)
    rows = services.versions_at(db, document, 1)
    assert [r.key for r in rows] == [p["key"] for p in body["provisions"]]
    assert_tree(rows)
    for row, given in zip(rows, body["provisions"], strict=True):
        assert row.parent_key == given["parent"]
        assert row.text == {lang: given["text"].get(lang, "") for lang in body["languages"]}


def test_a_translation_missing_at_import_is_marked_out_of_date(db: Session) -> None:
    body = small_body()
    del body["provisions"][2]["text"]["en"]
    document = make_document(db, body)
    row = current(db, document, "art-1-a")
    assert row.text["en"] == ""
    assert row.outdated == ["en"]


def test_only_the_secretariat_or_an_admin_may_import(db: Session, settings: Settings) -> None:
    member = make_member(db, settings, "member")
    with pytest.raises(Forbidden):
        make_document(db, small_body(), actor=member)
    admin = make_member(db, settings, "admin", ["member", "admin"])
    assert make_document(db, small_body(), actor=admin).current_rev == 1


# ---- replace and translations out of date -----------------------------------------------


def test_replacing_only_the_authoritative_text_marks_the_translation_out_of_date(
    db: Session, editor: Member, document: Document
) -> None:
    new = "ပြည်ထောင်စုသည် ဖက်ဒရယ်ဒီမိုကရေစီ သမ္မတနိုင်ငံ ဖြစ်သည်။"
    revision = edit_document(
        db, editor, document, {"op": "replace", "key": "art-1", "text": {"my": new}}
    )
    assert (revision.rev, revision.kind, revision.author_id) == (2, "editorial", editor.id)
    row = current(db, document, "art-1")
    assert row.text == {"my": new, "en": ART_1_EN}  # English kept as it was
    assert row.outdated == ["en"]
    assert (row.version, row.rev_from) == (2, 2)
    # Other provisions keep their version: nothing was rewritten for them.
    assert current(db, document, "art-2").version == 1


def test_replacing_only_a_translation_leaves_the_authoritative_text_and_nothing_outdated(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(
        db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "Corrected."}}
    )
    row = current(db, document, "art-2")
    assert row.text == {"my": ART_2_MY, "en": "Corrected."}
    assert row.outdated == []


def test_replacing_both_languages_marks_nothing_out_of_date(
    db: Session, editor: Member, document: Document
) -> None:
    text = {"my": "ပြည်ထောင်စု သမ္မတနိုင်ငံ", "en": "The Union republic"}
    edit_document(db, editor, document, {"op": "replace", "key": "art-1", "text": text})
    assert current(db, document, "art-1").outdated == []


def test_a_replace_giving_a_language_clears_it_from_outdated(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(db, editor, document, {"op": "replace", "key": "art-1", "text": {"my": "က ခ ဂ"}})
    assert current(db, document, "art-1").outdated == ["en"]
    edit_document(db, editor, document, {"op": "replace", "key": "art-1", "text": {"en": "A B C"}})
    row = current(db, document, "art-1")
    assert row.text == {"my": "က ခ ဂ", "en": "A B C"}
    assert row.outdated == []


def test_a_replace_giving_the_same_translation_again_still_clears_outdated(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(db, editor, document, {"op": "replace", "key": "art-1", "text": {"my": "က ခ ဂ"}})
    edit_document(db, editor, document, {"op": "replace", "key": "art-1", "text": {"en": ART_1_EN}})
    row = current(db, document, "art-1")
    assert (row.text["en"], row.outdated) == (ART_1_EN, [])


def test_confirm_clears_outdated_without_changing_the_text(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(db, editor, document, {"op": "replace", "key": "art-1", "text": {"my": "က ခ ဂ"}})
    before = current(db, document, "art-1").text
    revision = edit_document(
        db, editor, document, {"op": "confirm", "key": "art-1", "languages": ["en"]}
    )
    row = current(db, document, "art-1")
    assert revision.rev == 3
    assert row.text == before
    assert row.outdated == []
    # Confirming a translation that is not out of date is refused.
    with pytest.raises(Invalid) as error:
        edit_document(db, editor, document, {"op": "confirm", "key": "art-1", "languages": ["en"]})
    assert error.value.field == "changes[0].languages"


def test_changing_only_the_label(db: Session, editor: Member, document: Document) -> None:
    edit_document(db, editor, document, {"op": "replace", "key": "art-3", "label": "Article 30"})
    row = current(db, document, "art-3")
    assert row.label == "Article 30"
    assert row.text == at(db, document, 1)["art-3"]["text"]
    assert row.outdated == []
    assert at(db, document, 1)["art-3"]["label"] == "Article 3"


# ---- structure: insert, delete, move ----------------------------------------------------


def new(key: str, label: str, kind: str = "article", **extra: Any) -> dict[str, Any]:
    return {
        "op": "insert",
        "key": key,
        "label": label,
        "kind": kind,
        "text": {"my": f"{label} မြန်မာ", "en": f"{label} English"},
        **extra,
    }


def test_insert_after_a_sibling(db: Session, editor: Member, document: Document) -> None:
    edit_document(
        db, editor, document, new("art-1-bis", "Article 1A", parent="part-1", after="art-1")
    )
    keys = list(at(db, document))
    assert keys == [
        "part-1",
        "art-1",
        "art-1-a",
        "art-1-b",
        "art-1-bis",
        "art-2",
        "part-2",
        "art-3",
    ]
    assert current(db, document, "art-1-bis").outdated == []


def test_insert_after_the_last_sibling(db: Session, editor: Member, document: Document) -> None:
    edit_document(
        db, editor, document, new("art-2-bis", "Article 2A", parent="part-1", after="art-2")
    )
    assert list(at(db, document))[4:6] == ["art-2", "art-2-bis"]


def test_insert_as_first_child(db: Session, editor: Member, document: Document) -> None:
    edit_document(db, editor, document, new("art-0", "Article 0", parent="part-1"))
    edit_document(db, editor, document, new("preamble", "Preamble", "part"))
    keys = list(at(db, document))
    assert keys[:3] == ["preamble", "part-1", "art-0"]


def test_many_inserts_between_the_same_two_siblings_keep_their_order(
    db: Session, editor: Member, document: Document
) -> None:
    after = "art-1"
    for n in range(12):
        edit_document(
            db, editor, document, new(f"art-x{n}", f"Article X{n}", parent="part-1", after=after)
        )
        after = f"art-x{n}"
    keys = [k for k in at(db, document) if k.startswith("art-")]
    expected = ["art-1", "art-1-a", "art-1-b", *(f"art-x{n}" for n in range(12)), "art-2"]
    assert keys[: len(expected)] == expected


def test_insert_with_only_the_authoritative_text_marks_the_translation_out_of_date(
    db: Session, editor: Member, document: Document
) -> None:
    change = new("art-4", "Article 4", parent="part-2", after="art-3")
    change["text"] = {"my": "ပုဒ်မ ၄"}
    edit_document(db, editor, document, change)
    row = current(db, document, "art-4")
    assert row.text == {"my": "ပုဒ်မ ၄", "en": ""}
    assert row.outdated == ["en"]


def test_delete_removes_the_subtree(db: Session, editor: Member, document: Document) -> None:
    edit_document(db, editor, document, {"op": "delete", "key": "art-1"})
    assert list(at(db, document)) == ["part-1", "art-2", "part-2", "art-3"]
    # Gone for good: its key cannot come back, and it is unknown to later changes.
    with pytest.raises(Invalid) as error:
        edit_document(db, editor, document, new("art-1-a", "(a)", "clause", parent="art-2"))
    assert error.value.code == "duplicate_key"
    with pytest.raises(Invalid) as error:
        edit_document(
            db, editor, document, {"op": "replace", "key": "art-1-b", "text": {"en": "x"}}
        )
    assert (error.value.code, error.value.field) == ("unknown_provision", "changes[0].key")
    assert list(at(db, document, 1)) == SMALL_ORDER


def test_move_to_another_parent_keeps_the_subtree(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(
        db, editor, document, {"op": "move", "key": "art-1", "parent": "part-2", "after": "art-3"}
    )
    rows = services.versions_at(db, document, 2)
    assert [r.key for r in rows] == [
        "part-1",
        "art-2",
        "part-2",
        "art-3",
        "art-1",
        "art-1-a",
        "art-1-b",
    ]
    assert_tree(rows)
    moved = current(db, document, "art-1")
    assert (moved.parent_key, moved.text, moved.version) == (
        "part-2",
        at(db, document, 1)["art-1"]["text"],
        2,
    )
    # The clauses moved with their article without a new version of their own.
    assert current(db, document, "art-1-a").version == 1


def test_move_within_the_same_parent(db: Session, editor: Member, document: Document) -> None:
    edit_document(
        db,
        editor,
        document,
        {"op": "move", "key": "art-1-a", "parent": "art-1", "after": "art-1-b"},
    )
    assert list(at(db, document))[1:4] == ["art-1", "art-1-b", "art-1-a"]
    edit_document(
        db, editor, document, {"op": "move", "key": "art-1-a", "parent": "art-1", "after": None}
    )
    assert list(at(db, document))[1:4] == ["art-1", "art-1-a", "art-1-b"]


@pytest.mark.parametrize(
    ("key", "parent"),
    [("art-1", "art-1"), ("art-1", "art-1-a"), ("part-1", "art-1-b"), ("part-1", "art-1")],
)
def test_moving_under_itself_or_a_descendant_is_a_cycle(
    db: Session, editor: Member, document: Document, key: str, parent: str
) -> None:
    with pytest.raises(Invalid) as error:
        edit_document(db, editor, document, {"op": "move", "key": key, "parent": parent})
    assert (error.value.code, error.value.field) == ("cycle", "changes[0].parent")
    assert document.current_rev == 1


def test_several_changes_make_one_revision(db: Session, editor: Member, document: Document) -> None:
    revision = edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-2", "text": {"en": "Changed."}},
        {"op": "delete", "key": "art-3"},
        new("art-3-new", "Article 3", parent="part-2"),
        reason="Renumbering",
    )
    assert revision.rev == 2
    assert revision.reason == "Renumbering"
    assert [r.rev for r in services.revisions(db, document)] == [1, 2]
    assert list(at(db, document))[-1] == "art-3-new"


def test_only_the_secretariat_or_an_admin_may_edit(
    db: Session, settings: Settings, document: Document
) -> None:
    member = make_member(db, settings, "member")
    with pytest.raises(Forbidden):
        edit_document(db, member, document, {"op": "replace", "key": "art-2", "text": {"en": "x"}})


# ---- history ----------------------------------------------------------------------------


def test_every_revision_can_be_read_whole_and_earlier_ones_never_change(
    db: Session, editor: Member, document: Document
) -> None:
    snapshots = {1: at(db, document, 1)}
    hashes = {1: services.get_revision(db, document, 1).hash}
    rows_1 = {r.id: (r.rev_from, r.text, r.label) for r in services.versions_at(db, document, 1)}
    steps: list[dict[str, Any]] = [
        {"op": "replace", "key": "art-1", "text": {"my": "ပြင်ဆင်ပြီး စာသား"}},
        new("art-4", "Article 4", parent="part-2", after="art-3"),
        {"op": "move", "key": "art-2", "parent": "part-2"},
        {"op": "delete", "key": "art-1"},
        {"op": "replace", "key": "art-4", "label": "Article 40"},
    ]
    for step in steps:
        revision = edit_document(db, editor, document, step)
        snapshots[revision.rev] = at(db, document, revision.rev)
        hashes[revision.rev] = revision.hash
    assert document.current_rev == 6
    db.expire_all()
    for rev, snapshot in snapshots.items():
        assert at(db, document, rev) == snapshot, rev
        assert services.get_revision(db, document, rev).hash == hashes[rev]
    assert len(set(hashes.values())) == 6
    # The rows of revision 1 are the same rows, with the same text, only closed later.
    again = {r.id: (r.rev_from, r.text, r.label) for r in services.versions_at(db, document, 1)}
    assert again == rows_1
    assert snapshots[1]["art-1"]["text"]["my"] == ART_1_MY
    assert "art-1" not in snapshots[5] and "art-4" in snapshots[3]
    assert list(snapshots[4])[-4:] == ["part-2", "art-2", "art-3", "art-4"]
    with pytest.raises(NotFound):
        services.check_rev(document, 7)


def test_provision_history_lists_every_version(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "Two."}})
    edit_document(db, editor, document, {"op": "replace", "key": "art-1", "text": {"en": "One."}})
    edit_document(
        db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "Two again."}}
    )
    edit_document(db, editor, document, {"op": "delete", "key": "art-2"})
    history = services.provision_history(db, document, "art-2")
    assert [(v.version, v.rev_from, v.rev_to) for v in history] == [(1, 1, 2), (2, 2, 4), (3, 4, 5)]
    assert [v.text["en"] for v in history] == [ART_2_EN, "Two.", "Two again."]


def test_a_provision_keeps_one_identity_across_versions(
    db: Session, editor: Member, document: Document
) -> None:
    edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "Two."}})
    ids = set(
        db.scalars(select(ProvisionVersion.provision_id).where(ProvisionVersion.key == "art-2"))
    )
    assert len(ids) == 1
    identity = db.get(Provision, ids.pop())
    assert identity is not None and identity.created_rev == 1


def test_a_refused_change_writes_nothing(db: Session, editor: Member, document: Document) -> None:
    before = db.scalars(select(Revision.id)).all()
    with pytest.raises(Invalid):
        edit_document(
            db,
            editor,
            document,
            {"op": "replace", "key": "art-2", "text": {"en": "fine"}},
            {"op": "replace", "key": "nope", "text": {"en": "x"}},
        )
    assert db.scalars(select(Revision.id)).all() == before
    assert document.current_rev == 1


def test_notices_of_an_editorial_revision_name_the_field(
    db: Session, editor: Member, document: Document
) -> None:
    notices = Notices()
    zawgyi = "ျမန္မာႏိုင္ငံ"
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-2", "text": {"my": zawgyi}},
        notices=notices,
    )
    assert notices.items == [{"field": "changes[0].text.my", "code": "converted_from_zawgyi"}]
    assert current(db, document, "art-2").text["my"] == "မြန်မာနိုင်ငံ"


# ---- labels -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        # A sibling already has this label (case does not matter).
        ({"op": "replace", "key": "art-2", "label": "article 1"}, "changes[0].label"),
        ({"op": "replace", "key": "art-1-b", "label": "(A)"}, "changes[0].label"),
        (new("art-1-c", "(b)", "clause", parent="art-1", after="art-1-b"), "changes[0].label"),
        # Two articles anywhere in the document may not share a label.
        ({"op": "replace", "key": "art-3", "label": "Article 2"}, "changes[0].label"),
        (new("art-9", "Article 1", parent="part-2", after="art-3"), "changes[0].label"),
        ({"op": "move", "key": "art-1-a", "parent": "art-2"}, None),
    ],
)
def test_a_label_clash_is_refused(
    db: Session, editor: Member, document: Document, change: dict[str, Any], field: str | None
) -> None:
    if change["op"] == "move":
        # art-2 gets a clause (a) first, then art-1's clause (a) is moved beside it.
        edit_document(db, editor, document, new("art-2-a", "(a)", "clause", parent="art-2"))
        field = "changes[0].parent"
    before = document.current_rev
    with pytest.raises(Invalid) as error:
        edit_document(db, editor, document, change)
    assert (error.value.code, error.value.field) == ("label_clash", field)
    assert document.current_rev == before


def test_labels_can_be_renumbered_in_one_revision(
    db: Session, editor: Member, document: Document
) -> None:
    """Insert a new Article 2: the old one becomes Article 3 and the old 3 becomes 4."""
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-3", "label": "Article 4"},
        {"op": "replace", "key": "art-2", "label": "Article 3"},
        new("art-new", "Article 2", parent="part-1", after="art-1"),
    )
    labels = {k: v["label"] for k, v in at(db, document).items()}
    assert (labels["art-new"], labels["art-2"], labels["art-3"]) == (
        "Article 2",
        "Article 3",
        "Article 4",
    )


def test_emptying_a_translation_marks_it_out_of_date(
    db: Session, editor: Member, document: Document
) -> None:
    """As at import and insert: a missing translation is one to be done."""
    edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": ""}})
    row = current(db, document, "art-2")
    assert (row.text, row.outdated) == ({"my": ART_2_MY, "en": ""}, ["en"])
    with pytest.raises(Invalid) as error:
        edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": " "}})
    assert error.value.code == "unchanged"
    edit_document(db, editor, document, {"op": "replace", "key": "art-2", "text": {"en": "Back."}})
    assert current(db, document, "art-2").outdated == []


@pytest.mark.parametrize(
    "change",
    [
        {"op": "move", "key": "art-1-b", "parent": "art-1", "after": "art-1-a"},
        {"op": "move", "key": "art-1-a", "parent": "art-1", "after": None},
        {"op": "move", "key": "part-1", "parent": None},
    ],
)
def test_a_move_to_where_it_already_is_changes_nothing(
    db: Session, editor: Member, document: Document, change: dict[str, Any]
) -> None:
    with pytest.raises(Invalid) as error:
        edit_document(db, editor, document, change)
    assert (error.value.code, error.value.field) == ("unchanged", "changes[0].after")
    assert document.current_rev == 1
