"""Amendments to an amendment: proposed while the amendment is open, adopted into it (its
text changes, the document's does not), and then the amended amendment merges as amended."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.amendments import services
from constitution.amendments.models import Amendment, Status
from constitution.errors import Invalid, StateConflict
from constitution.settings import Settings
from constitution.texts.models import Document
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


ENGLISH = EN.replace("Every person", "Everyone")
BURMESE = MY.replace("လူတိုင်းသည်", "လူအားလုံးသည်")


def english_and_a_child(
    db: Session, settings: Settings, child_change: dict[str, Any]
) -> tuple[Amendment, Amendment]:
    """An amendment changing art-1's English (by aye), and one to it with ``child_change``
    (by bo)."""
    document = make_document(db, BODY)
    aye, bo = make_member(db, settings, "aye"), make_member(db, settings, "bo")
    parent = propose_amendment(
        db, settings, aye, document, {"op": "replace", "key": "art-1", "text": {"en": ENGLISH}},
        title="Equal",
    )  # fmt: skip
    body = {"title": "Of it", "amends": parent.id, "changes": [child_change]}
    return parent, services.propose(db, settings, bo, document, body, Notices())


def adopt_child(db: Session, settings: Settings, child: Amendment) -> Member:
    """The chair puts the amendment to an amendment to the vote and it passes."""
    chair = make_member(db, settings, "chair")
    services.transition(db, child, "submit", db.get_one(Member, child.proposer_id))
    services.transition(db, child, "schedule", chair)
    services.adopt_into_amendment(db, chair, child)
    return chair


def test_an_adopted_amendment_to_an_amendment_carries_the_labels_it_gives(
    db: Session, settings: Settings
) -> None:
    """Red when only its texts are carried: the rename it gives was accepted, then lost."""
    labels = {"my": "ပုဒ်မ ၁ က", "en": "Article 1A"}
    parent, child = english_and_a_child(
        db, settings, {"op": "replace", "key": "art-1", "labels": labels}
    )
    chair = adopt_child(db, settings, child)
    assert parent.changes[0].labels == labels
    services.transition(db, parent, "submit", db.get_one(Member, parent.proposer_id))
    services.transition(db, parent, "schedule", chair)
    services.adopt(db, chair, parent)
    adopted = current(db, db.get_one(Document, parent.document_id), "art-1")
    assert adopted.labels == labels
    assert adopted.text["en"] == ENGLISH


def test_an_amendment_to_an_amendment_of_another_language_keeps_the_amended_ones_change(
    db: Session, settings: Settings
) -> None:
    """Red when a replace's whole text is carried over: its English, the current one, undid
    the English change of the amendment it amends."""
    parent, child = english_and_a_child(
        db, settings, {"op": "replace", "key": "art-1", "text": {"my": BURMESE}}
    )
    adopt_child(db, settings, child)
    assert parent.changes[0].text == {"my": BURMESE, "en": ENGLISH}


def test_an_amendment_to_an_amendment_departs_only_in_what_it_changes(
    db: Session, settings: Settings
) -> None:
    """Its departure (the voting order's measure) counts the Burmese it changes, not the
    amended amendment's English change: red when the replace's whole text is taken."""
    from constitution.votes.services.order import departures

    _, child = english_and_a_child(
        db, settings, {"op": "replace", "key": "art-1", "text": {"my": BURMESE}}
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
