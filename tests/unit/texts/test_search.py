"""Substring search: Burmese of any length, Latin in any case, both digit systems, literal %, _."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.errors import Invalid
from constitution.texts.models import Document
from constitution.texts.search import MAX_QUERY, fold, search
from tests.factories import edit_document, make_document, provision, small_body

# "ကျင့်" as most people type it: asat before dot below, which is not NFC.
KYINT_TYPED = "\u1000\u103b\u1004\u103a\u1037"


@pytest.fixture
def searchable(db: Session) -> Document:
    body = small_body("search-draft")
    body["provisions"] += [
        provision(
            "art-4",
            "Article 4",
            "article",
            "part-2",
            "ပြည်နယ်လွှတ်တော် နေရာ၏ ၃၀% ကို အမျိုးသမီးများအတွက် ထားရှိသည်။",
            "At least 30% of seats in a State Hluttaw are kept for women.",
        ),
        provision(
            "art-5",
            "Article 5",
            "article",
            "part-2",
            "ဤဥပဒေကို ပြည်ထောင်စုက ကျင့်သုံးသည်။",
            "The Union applies this law (see state_law\\rules).",
        ),
    ]
    return make_document(db, body)


def keys(db: Session, document: Document, query: str) -> set[tuple[str, str]]:
    return {(h.key, h.language) for h in search(db, document.id, query)}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("ဥ", {("art-3", "my"), ("art-5", "my")}),  # one code point
        ("နိ", {("art-1", "my")}),  # two code points: consonant and vowel sign
        ("ရှ", {("art-3", "my"), ("art-4", "my")}),
        ("ကိုယ်ပိုင်", {("art-3", "my")}),
        ("ဖက်ဒရယ်ဒီမိုကရေစီ", {("art-1", "my")}),
        ("ပြည်နယ်", {("part-2", "my"), ("art-3", "my"), ("art-4", "my")}),
    ],
)
def test_a_burmese_substring_finds_its_provision(
    db: Session, searchable: Document, query: str, found: set[tuple[str, str]]
) -> None:
    assert keys(db, searchable, query) == found


def test_latin_search_ignores_case(db: Session, searchable: Document) -> None:
    expected = {("art-1", "en"), ("art-5", "en")}
    assert keys(db, searchable, "union") == expected
    assert keys(db, searchable, "UNION") == expected
    assert keys(db, searchable, "The union IS") == {("art-1", "en")}


def test_latin_digits_find_myanmar_digits_and_the_other_way_round(
    db: Session, searchable: Document
) -> None:
    both = {("art-2", "my"), ("art-2", "en")}
    assert keys(db, searchable, "12") == both
    assert keys(db, searchable, "၁၂") == both
    assert keys(db, searchable, "ပုဒ်မ 12") == {("art-2", "my")}
    assert keys(db, searchable, "Article ၁၂") == {("art-2", "en")}
    assert keys(db, searchable, "30%") == keys(db, searchable, "၃၀%")


def test_percent_underscore_and_backslash_are_literal(db: Session, searchable: Document) -> None:
    assert keys(db, searchable, "%") == {("art-4", "my"), ("art-4", "en")}
    assert keys(db, searchable, "_") == {("art-5", "en")}
    assert keys(db, searchable, "e_l") == {("art-5", "en")}
    assert keys(db, searchable, "state_law\\r") == {("art-5", "en")}
    assert keys(db, searchable, "\\") == {("art-5", "en")}
    assert keys(db, searchable, "0%") == {("art-4", "my"), ("art-4", "en")}
    assert keys(db, searchable, "%%") == set()
    assert keys(db, searchable, "S_ate") == set()  # "_" is not "any character"


def test_a_query_typed_out_of_nfc_order_still_matches(db: Session, searchable: Document) -> None:
    assert keys(db, searchable, KYINT_TYPED) == {("art-5", "my")}


def test_hits_carry_the_label_language_and_a_snippet(db: Session, searchable: Document) -> None:
    [hit] = search(db, searchable.id, "ဥပဒေကို")
    assert (hit.key, hit.label, hit.language) == ("art-5", "Article 5", "my")
    assert "ဥပဒေကို" in hit.snippet


def test_a_long_text_gets_a_short_snippet_around_the_match(
    db: Session, editor: Member, searchable: Document
) -> None:
    long = "စာ " * 300 + "ရှာဖွေရန်စကားလုံး" + " စာ" * 300
    edit_document(db, editor, searchable, {"op": "replace", "key": "art-3", "text": {"my": long}})
    [hit] = search(db, searchable.id, "ရှာဖွေရန်")
    assert "ရှာဖွေရန်စကားလုံး" in hit.snippet
    assert len(hit.snippet) < 200
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")


def test_search_finds_the_current_text_only(
    db: Session, editor: Member, searchable: Document
) -> None:
    edit_document(
        db,
        editor,
        searchable,
        {"op": "replace", "key": "art-3", "text": {"en": "Each State makes its own law."}},
        {"op": "delete", "key": "art-1"},
    )
    assert keys(db, searchable, "its own constitution") == set()
    assert keys(db, searchable, "its own law") == {("art-3", "en")}
    assert keys(db, searchable, "ဖက်ဒရယ်") == set()  # art-1 was deleted
    assert keys(db, searchable, "တန်းတူ") == set()  # and its clauses with it
    assert ("art-3", "my") in keys(db, searchable, "ကိုယ်ပိုင်")  # unchanged language stays


def test_search_stays_within_its_document(db: Session, searchable: Document) -> None:
    other = make_document(db, small_body("other-draft"))
    assert keys(db, other, "%") == set()
    assert keys(db, other, "12") == {("art-2", "my"), ("art-2", "en")}


@pytest.mark.parametrize("query", ["", "   ", "x" * (MAX_QUERY + 1)])
def test_an_empty_or_too_long_query_is_refused(
    db: Session, searchable: Document, query: str
) -> None:
    with pytest.raises(Invalid) as error:
        search(db, searchable.id, query)
    assert error.value.field == "q"


def test_fold() -> None:
    assert fold("Article ၁၂") == "article 12"
    assert fold(KYINT_TYPED) == "\u1000\u103b\u1004\u1037\u103a"
