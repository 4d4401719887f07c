"""Substring search: Burmese of any length, Latin in any case, both digit systems, literal %, _."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.errors import Invalid
from constitution.texts.models import Document
from constitution.texts.search import (
    MAX_QUERY,
    Query,
    clean_query,
    fold,
    label_matches,
    make_snippet,
    search,
)
from tests.factories import edit_document, make_document, provision, small_body

# "ကျင့်" as most people type it: asat before dot below, which is not NFC.
KYINT_TYPED = "\u1000\u103b\u1004\u103a\u1037"
TO_MY = str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉")


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


# ---- snippets on syllable boundaries (hypothesis) ---------------------------------------

# The syllable rule of MYANMAR.md, written here on its own (not the tokenizer's): a letter,
# digit or symbol starts a syllable unless it is stacked under a virama (U+1039) or closed by
# an asat or virama (an NFC dot below U+1037 may come between); a dependent sign never starts
# one; anything outside the Myanmar block starts one and ends the one before.
_STARTER = "[\u1000-\u102a\u103f\u1040-\u104f]"
_SYLLABLE_START = re.compile(f"(?<!\u1039){_STARTER}(?!\u1037?[\u103a\u1039])|[^\u1000-\u109f]")


def syllable_boundaries(text: str) -> set[int]:
    found = {0, len(text)}
    for match in _SYLLABLE_START.finditer(text):
        found.add(match.start())
        if not "\u1000" <= match.group() <= "\u109f":
            found.add(match.end())  # a character outside the script ends its syllable
    return found


# Real words and syllables: stacked consonants, kinzi, medials, dot below before asat, ၎င်း,
# digits, punctuation, Latin, spaces.
BURMESE_PIECES = [
    "ကိုယ်စားလှယ်",
    "သမ္မတ",
    "သင်္ချိုင်း",
    "ကျင့်သုံးသည်",
    "ရှင်သန်ခွင့်",
    "ပြည်ထောင်စု",
    "မြန်မာနိုင်ငံတော်",
    "ဖွဲ့စည်းပုံ",
    "အခြေခံဥပဒေ",
    "၎င်း",
    "ဤ",
    "အမျိုးသမီးများ၏",
    "လွှတ်တော်",
    "ကြောင်း",
    "ပုဒ်မ",
    "၁၂",
    "၊",
    "။",
    " ",
    "\n",
    "Union",
    "(က)",
]

burmese_texts = st.lists(st.sampled_from(BURMESE_PIECES), min_size=1, max_size=80).map("".join)


@st.composite
def text_and_query(draw: st.DrawFn) -> tuple[str, str]:
    text = draw(burmese_texts)
    if draw(st.booleans()):
        # Any run of code points of the text: it may start or end inside a syllable.
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 12)))
        return text, text[start:end]
    return text, draw(st.sampled_from(BURMESE_PIECES))


@given(text_and_query(), st.integers(0, 80))
@settings(max_examples=400, deadline=None)
def test_no_snippet_starts_or_ends_inside_a_syllable(case: tuple[str, str], context: int) -> None:
    text, query = case
    needle = fold(query)
    snippet = make_snippet(text, needle, context)
    cuts = syllable_boundaries(text)
    assert snippet.start in cuts and snippet.end in cuts
    assert "".join(piece for piece, _ in snippet.parts) == text[snippet.start : snippet.end]
    at = snippet.start
    for piece, _ in snippet.parts:
        assert at in cuts, (text, query, snippet)
        at += len(piece)
    assert at == snippet.end
    if needle.strip() and needle in fold(text):
        marked = "".join(piece for piece, matched in snippet.parts if matched)
        assert needle in fold(marked) or any(
            needle in fold(piece) for piece, matched in snippet.parts if matched
        )


def test_a_snippet_never_begins_with_a_dependent_sign() -> None:
    # The case: the match is preceded by more context than the snippet keeps.
    text = "နိုင်ငံသားတိုင်းသည် " * 4 + "အသက်ရှင်သန်ခွင့်ရှိသည်။"
    snippet = make_snippet(text, fold("သန်ခွင့်"), 5)
    shown = "".join(piece for piece, _ in snippet.parts)
    assert not unicodedata.category(shown[0]).startswith("M")
    assert ("ရှင်", False) not in snippet.parts or shown.startswith("ရှင်")
    assert ("သန်ခွင့်", True) in snippet.parts


def test_a_match_inside_a_syllable_highlights_the_whole_syllable() -> None:
    snippet = make_snippet("အသက်ရှင်သန်ခွင့်", fold("\u103e\u1004\u103a"))  # ှင် of ရှင်
    assert ("ရှင်", True) in snippet.parts
    assert snippet.text == "အသက်ရှင်သန်ခွင့်"
    assert snippet.highlights() == [(4, 8)]


def test_every_match_in_the_snippet_is_highlighted() -> None:
    snippet = make_snippet("The Union and the union.", "union")
    assert [piece for piece, matched in snippet.parts if matched] == ["Union", "union"]


# ---- queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["\u103e", "\u1037\u103a", "ိ ု", "\u0301\u200d"])
def test_a_query_of_combining_marks_only_is_refused_clearly(query: str) -> None:
    with pytest.raises(Invalid) as error:
        clean_query(query)
    assert (error.value.field, error.value.code) == ("q", "marks_only")


def test_a_query_typed_in_zawgyi_is_converted(db: Session, searchable: Document) -> None:
    query = clean_query("ျပည္နယ္")  # ပြည်နယ် typed in Zawgyi
    assert (query.text, query.converted_from_zawgyi) == ("ပြည်နယ်", True)
    assert keys(db, searchable, "ျပည္နယ္") == keys(db, searchable, "ပြည်နယ်") != set()


def test_a_unicode_query_is_left_as_it_is() -> None:
    assert clean_query("ပြည်နယ်") == Query("ပြည်နယ်", "ပြည်နယ်", False)


@pytest.fixture
def labelled(db: Session) -> Document:
    body = small_body("labelled-draft")
    names = {"part": ("အပိုင်း", "Part"), "article": ("ပုဒ်မ", "Article")}
    for item in body["provisions"]:
        number = item["label"].split()[-1]
        if item["kind"] in names:
            my, en = names[item["kind"]]
            item["labels"] = {"my": f"{my} {number.translate(TO_MY)}", "en": f"{en} {number}"}
    body["provisions"].append(
        provision("art-12", "Article 12", "article", "part-2", "ဤပုဒ်မသည် နောက်ဆုံးဖြစ်သည်။")
    )
    body["provisions"][-1]["labels"] = {"my": "ပုဒ်မ ၁၂", "en": "Article 12"}
    return make_document(db, body)


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ("Article 12", "en"),
        ("article ၁၂", "en"),
        ("ပုဒ်မ ၁၂", "my"),
        ("ပုဒ်မ12", "my"),
        ("12", "my"),
        ("၁၂", "my"),
    ],
)
def test_a_provision_is_found_by_its_label_in_either_language_and_digits(
    db: Session, labelled: Document, query: str, language: str
) -> None:
    hits = search(db, labelled.id, query, language="my")
    first = hits[0]
    assert (first.key, first.by_label) == ("art-12", True)
    assert first.language == language or first.language == "my"
    assert first.labels == {"my": "ပုဒ်မ ၁၂", "en": "Article 12"}
    # Article 2 is not found by "12", nor Article 1 by "Article 12".
    assert not any(h.by_label and h.key != "art-12" for h in hits)


def test_a_number_finds_the_article_before_the_part_of_that_number(
    db: Session, labelled: Document
) -> None:
    hits = [h for h in search(db, labelled.id, "2") if h.by_label]
    assert [h.key for h in hits] == ["art-2", "part-2"]


def test_label_matches() -> None:
    assert label_matches("article 12", "Article 12")
    assert label_matches("12", "ပုဒ်မ ၁၂")
    assert not label_matches("1", "Article 12")
    assert not label_matches("12", "(a)")
    assert not label_matches("article", "Article 12")
