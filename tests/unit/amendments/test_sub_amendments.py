"""Amendments to an amendment: proposed while the amendment is open, adopted into it (its
text changes, the document's does not), and then the amended amendment merges as amended."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from constitution.amendments import services
from constitution.amendments.models import Status
from constitution.errors import Invalid, StateConflict
from constitution.settings import Settings
from constitution.texts.validation import Notices
from tests.factories import (
    current,
    document_body,
    make_document,
    make_member,
    propose_amendment,
    provision,
)

EN = "Every person is equal before the law."
MY = "လူတိုင်းသည် ဥပဒေရှေ့မှောက်တွင် တန်းတူဖြစ်သည်။"
BODY = document_body(
    "sub-amendments",
    [
        provision("part-1", "Part 1", "part", None, "အခြေခံ", "Basics"),
        provision("art-1", "Article 1", "article", "part-1", MY, EN),
        provision("art-2", "Article 2", "article", "part-1", "ဒုတိယ", "Second"),
    ],
    title={"my": "စမ်းသပ်", "en": "Test"},
)


def test_an_adopted_amendment_to_an_amendment_changes_it_and_then_the_text(
    db: Session, settings: Settings
) -> None:
    document = make_document(db, BODY)
    aye, bo, chair = (make_member(db, settings, n) for n in ("aye", "bo", "chair"))
    parent = propose_amendment(
        db,
        settings,
        aye,
        document,
        {"op": "replace", "key": "art-1", "text": {"en": EN.replace("Every person", "Everyone")}},
        title="Equal",
    )
    child = services.propose(
        db,
        settings,
        bo,
        document,
        {
            "title": "All people",
            "amends": parent.id,
            "changes": [
                {
                    "op": "replace",
                    "key": "art-1",
                    "text": {
                        "en": EN.replace("Every person", "All people are").replace(
                            "is equal", "equal"
                        )
                    },
                }
            ],
        },
        Notices(),
    )
    assert child.amends_id == parent.id
    assert services.conflicts_of(db, child) == []  # it overlaps its amendment by design

    services.transition(db, child, "submit", bo)
    services.transition(db, child, "schedule", chair)
    with pytest.raises(StateConflict):
        services.adopt(db, chair, child)  # not into the text
    services.adopt_into_amendment(db, chair, child)
    assert child.status == Status.ADOPTED
    assert parent.changes[0].text["en"] == "All people are equal before the law."
    assert current(db, document, "art-1").text["en"] == EN  # the text is untouched

    services.transition(db, parent, "submit", aye)
    services.transition(db, parent, "schedule", chair)
    revision = services.adopt(db, chair, parent)
    assert current(db, document, "art-1").text["en"] == "All people are equal before the law."
    assert parent.adopted_rev == revision.rev


def test_an_adopted_amendment_to_an_amendment_carries_the_labels_it_gives(
    db: Session, settings: Settings
) -> None:
    """Red when only its texts are carried: the rename it gives was accepted, then lost."""
    document = make_document(db, BODY)
    aye, bo, chair = (make_member(db, settings, n) for n in ("aye", "bo", "chair"))
    parent = propose_amendment(
        db, settings, aye, document,
        {"op": "replace", "key": "art-1", "text": {"en": EN.replace("Every person", "Everyone")}},
        title="Equal",
    )  # fmt: skip
    child = services.propose(
        db,
        settings,
        bo,
        document,
        {
            "title": "And a new number",
            "amends": parent.id,
            "changes": [
                {"op": "replace", "key": "art-1", "labels": {"my": "ပုဒ်မ ၁ က", "en": "Article 1A"}}
            ],
        },
        Notices(),
    )
    services.transition(db, child, "submit", bo)
    services.transition(db, child, "schedule", chair)
    services.adopt_into_amendment(db, chair, child)
    assert parent.changes[0].labels == {"my": "ပုဒ်မ ၁ က", "en": "Article 1A"}
    services.transition(db, parent, "submit", aye)
    services.transition(db, parent, "schedule", chair)
    services.adopt(db, chair, parent)
    adopted = current(db, document, "art-1")
    assert adopted.labels == {"my": "ပုဒ်မ ၁ က", "en": "Article 1A"}
    assert adopted.text["en"] == EN.replace("Every person", "Everyone")


def test_an_amendment_to_an_amendment_of_another_language_keeps_the_amended_ones_change(
    db: Session, settings: Settings
) -> None:
    """Red when a replace's whole text is carried over: its English, the current one, undid
    the English change of the amendment it amends."""
    document = make_document(db, BODY)
    aye, bo, chair = (make_member(db, settings, n) for n in ("aye", "bo", "chair"))
    english = EN.replace("Every person", "Everyone")
    parent = propose_amendment(
        db, settings, aye, document, {"op": "replace", "key": "art-1", "text": {"en": english}},
        title="Equal",
    )  # fmt: skip
    burmese = MY.replace("လူတိုင်းသည်", "လူအားလုံးသည်")
    child = services.propose(
        db,
        settings,
        bo,
        document,
        {
            "title": "In Burmese too",
            "amends": parent.id,
            "changes": [{"op": "replace", "key": "art-1", "text": {"my": burmese}}],
        },
        Notices(),
    )
    services.transition(db, child, "submit", bo)
    services.transition(db, child, "schedule", chair)
    services.adopt_into_amendment(db, chair, child)
    assert parent.changes[0].text == {"my": burmese, "en": english}


def test_an_amendment_to_an_amendment_departs_only_in_what_it_changes(
    db: Session, settings: Settings
) -> None:
    """Its departure (the voting order's measure) counts the Burmese it changes, not the
    amended amendment's English change: red when the replace's whole text is taken."""
    from constitution.votes.services.order import departures

    document = make_document(db, BODY)
    aye, bo = make_member(db, settings, "aye"), make_member(db, settings, "bo")
    parent = propose_amendment(
        db, settings, aye, document,
        {"op": "replace", "key": "art-1", "text": {"en": "Our Union is one union."}},
    )  # fmt: skip
    burmese = MY.replace("လူတိုင်းသည်", "လူအားလုံးသည်")
    child = services.propose(
        db,
        settings,
        bo,
        document,
        {
            "title": "In Burmese",
            "amends": parent.id,
            "changes": [{"op": "replace", "key": "art-1", "text": {"my": burmese}}],
        },
        Notices(),
    )
    found = departures(db, [child])[child.id]
    assert 0 < found.authoritative < 1
    assert found.largest == found.authoritative  # nothing departs in English


def test_an_amendment_to_an_amendment_changes_only_what_it_changes(
    db: Session, settings: Settings
) -> None:
    document = make_document(db, BODY)
    aye, bo = make_member(db, settings, "aye"), make_member(db, settings, "bo")
    parent = propose_amendment(
        db,
        settings,
        aye,
        document,
        {"op": "replace", "key": "art-1", "text": {"en": "New."}},
        title="One",
    )
    with pytest.raises(Invalid) as refused:
        services.propose(
            db,
            settings,
            bo,
            document,
            {
                "title": "Other",
                "amends": parent.id,
                "changes": [{"op": "replace", "key": "art-2", "text": {"en": "Other."}}],
            },
            Notices(),
        )
    assert refused.value.field == "changes[0].key"


def test_once_the_amendment_goes_to_a_vote_it_can_no_longer_be_amended(
    db: Session, settings: Settings
) -> None:
    document = make_document(db, BODY)
    aye, bo, chair = (make_member(db, settings, n) for n in ("aye", "bo", "chair"))
    parent = propose_amendment(
        db,
        settings,
        aye,
        document,
        {"op": "replace", "key": "art-1", "text": {"en": "New."}},
        title="One",
    )
    services.transition(db, parent, "submit", aye)
    services.transition(db, parent, "schedule", chair)
    with pytest.raises(StateConflict) as refused:
        services.propose(
            db,
            settings,
            bo,
            document,
            {
                "title": "Late",
                "amends": parent.id,
                "changes": [{"op": "replace", "key": "art-1", "text": {"en": "Newer."}}],
            },
            Notices(),
        )
    assert refused.value.code == "not_amendable"
