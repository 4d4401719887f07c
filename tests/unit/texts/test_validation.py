"""Input checking: Zawgyi converted and reported, NFC on input, every error names its field."""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

import pytest
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.errors import Invalid
from constitution.texts.models import Document
from constitution.texts.validation import MAX_TEXT, Notices, clean_document
from tests.factories import at, current, edit_document, make_document, small_body

# Real Zawgyi and the Unicode it must become (as in tests/unit/test_myanmar.py).
ZAWGYI_TITLE = "ျပည္ေထာင္စုသမၼတ ျမန္မာႏိုင္ငံေတာ္"
UNICODE_TITLE = "ပြည်ထောင်စုသမ္မတ မြန်မာနိုင်ငံတော်"
ZAWGYI_TEXT = "လႊတ္ေတာ္ကိုယ္စားလွယ္ အမ်ိဳးသမီး"
UNICODE_TEXT = "လွှတ်တော်ကိုယ်စားလှယ် အမျိုးသမီး"
# "ကျင့်သုံးသည်" typed asat before dot below: not NFC.
NOT_NFC = "\u1000\u103b\u1004\u103a\u1037\u101e\u102f\u1036\u1038\u101e\u100a\u103a"


def test_zawgyi_is_converted_and_each_field_reported() -> None:
    body = small_body()
    body["title"]["my"] = ZAWGYI_TITLE
    body["provisions"][3]["text"]["my"] = ZAWGYI_TEXT
    notices = Notices()
    data = clean_document(body, notices)
    assert data.title["my"] == UNICODE_TITLE
    assert data.provisions[3].text["my"] == UNICODE_TEXT
    assert notices.items == [
        {"field": "title.my", "code": "converted_from_zawgyi"},
        {"field": "provisions[3].text.my", "code": "converted_from_zawgyi"},
    ]


def test_unicode_burmese_is_not_reported() -> None:
    notices = Notices()
    clean_document(small_body(), notices)
    assert notices.items == []


def test_zawgyi_is_stored_as_unicode(db: Session) -> None:
    body = small_body()
    body["provisions"][1]["text"]["my"] = ZAWGYI_TEXT
    document = make_document(db, body)
    assert at(db, document)["art-1"]["text"]["my"] == UNICODE_TEXT


def test_text_is_stored_nfc_and_trimmed(db: Session, editor: Member) -> None:
    body = small_body()
    body["provisions"][1]["text"]["my"] = f"  {NOT_NFC}\r\nဒုတိယ\r "
    document = make_document(db, body)
    stored = at(db, document)["art-1"]["text"]["my"]
    assert stored == unicodedata.normalize("NFC", NOT_NFC) + "\nဒုတိယ"
    assert unicodedata.is_normalized("NFC", stored)
    # An edit that differs only in normalisation is no change at all.
    with pytest.raises(Invalid) as error:
        edit_document(
            db,
            editor,
            document,
            {"op": "replace", "key": "art-1", "text": {"my": f"{NOT_NFC}\nဒုတိယ"}},
        )
    assert error.value.code == "unchanged"


def test_a_zawgyi_label_in_an_insert_is_converted(
    db: Session, editor: Member, document: Document
) -> None:
    notices = Notices()
    edit_document(
        db,
        editor,
        document,
        {
            "op": "insert",
            "key": "art-9",
            "label": ZAWGYI_TEXT,
            "kind": "article",
            "parent": "part-2",
            "text": {"my": ZAWGYI_TITLE, "en": "Nine"},
        },
        notices=notices,
    )
    assert notices.items == [
        {"field": "changes[0].label", "code": "converted_from_zawgyi"},
        {"field": "changes[0].text.my", "code": "converted_from_zawgyi"},
    ]
    row = current(db, document, "art-9")
    assert (row.label, row.text["my"]) == (UNICODE_TEXT, UNICODE_TITLE)


def mutate(path: str, value: Any) -> dict[str, Any]:
    """small_body() with the value at a dotted path (list indexes as numbers) replaced."""
    body = copy.deepcopy(small_body())
    target: Any = body
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if value is DELETE:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return body


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "code"),
    [
        ("provisions.1.parent", "nowhere", "provisions[1].parent", "invalid"),
        ("provisions.4.key", "art-1", "provisions[4].key", "duplicate_key"),
        ("provisions.0.parent", "part-1", "provisions[0].parent", "cycle"),
        ("provisions.1.parent", "art-1-a", "provisions[1].parent", "cycle"),
        ("provisions.4.parent", "part-2", "provisions[4].parent", "invalid"),  # after its child
        ("provisions.1.text.my", "", "provisions[1].text.my", "invalid"),
        ("provisions.1.text.my", "   ", "provisions[1].text.my", "invalid"),
        ("provisions.1.text.my", DELETE, "provisions[1].text.my", "invalid"),
        ("provisions.1.text.fr", "Bonjour", "provisions[1].text.fr", "invalid"),
        ("provisions.4.label", "ARTICLE 1", "provisions[4].label", "label_clash"),
        ("provisions.6.label", "Article 2", "provisions[6].label", "label_clash"),
        ("provisions.1.text.en", "x" * (MAX_TEXT + 1), "provisions[1].text.en", "invalid"),
        ("provisions.1.text.en", "bell\x07", "provisions[1].text.en", "invalid"),
        ("provisions.1.label", "Article\n1", "provisions[1].label", "invalid"),
        ("provisions.1.kind", "paragraph", "provisions[1].kind", "invalid"),
        ("provisions.0.kind", "clause", "provisions[1].kind", "invalid"),  # article under a clause
        ("provisions.1.key", "Art 1", "provisions[1].key", "invalid"),
        ("provisions.1", "art-1", "provisions[1]", "invalid"),
        ("provisions", [], "provisions", "invalid"),
        ("languages", ["my", "my"], "languages", "invalid"),
        ("languages", ["my", "english"], "languages[1]", "invalid"),
        ("authoritative", "shn", "authoritative", "invalid"),
        ("slug", "Not A Slug", "slug", "invalid"),
        ("title.my", "", "title.my", "invalid"),
    ],
)
def test_each_error_names_its_field(path: str, value: Any, field: str, code: str) -> None:
    with pytest.raises(Invalid) as error:
        clean_document(mutate(path, value), Notices())
    assert (error.value.field, error.value.code) == (field, code)
    assert error.value.message


def test_text_at_the_size_limit_is_accepted() -> None:
    data = clean_document(mutate("provisions.1.text.en", "x" * MAX_TEXT), Notices())
    assert len(data.provisions[1].text["en"]) == MAX_TEXT
