"""constitution.myanmar: NFC on input, Zawgyi detected and converted, control characters."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from constitution import myanmar

# ကျင့် as most keyboards type it (asat U+103A before dot below U+1037) and in NFC.
KYINT_TYPED = "\u1000\u103b\u1004\u103a\u1037"
KYINT_NFC = "\u1000\u103b\u1004\u1037\u103a"

# Real Zawgyi strings and their Unicode spelling.
ZAWGYI = [
    ("ျမန္မာႏိုင္ငံ", "မြန်မာနိုင်ငံ"),
    ("ဖြဲ႕စည္းပံုအေျခခံဥပေဒ", "ဖွဲ့စည်းပုံအခြေခံဥပဒေ"),
    ("လႊတ္ေတာ္ကိုယ္စားလွယ္", "လွှတ်တော်ကိုယ်စားလှယ်"),
    ("အမ်ိဳးသမီး", "အမျိုးသမီး"),
    ("ျပည္ေထာင္စုသမၼတ ျမန္မာႏိုင္ငံေတာ္", "ပြည်ထောင်စုသမ္မတ မြန်မာနိုင်ငံတော်"),
]

UNICODE_WORDS = [
    "ပြည်ထောင်စု",
    "သမ္မတ",
    "မြန်မာနိုင်ငံတော်",
    "ဖွဲ့စည်းပုံအခြေခံဥပဒေ",
    "ပုဒ်မ",
    "ပြင်ဆင်ချက်",
    "ကော်မတီ",
    "လွှတ်တော်ကိုယ်စားလှယ်",
    "အမျိုးသမီး",
    "သင်္ချိုင်း",
    "ကျင့်သုံးသည်",
    "၎င်း",
    "၁၂",
    "။",
    "၊",
]
LATIN_WORDS = ["Article", "12", "federal", "(a)", "-", "NUG", "2008"]


def test_nfc_puts_the_dot_below_before_the_asat() -> None:
    assert KYINT_TYPED != KYINT_NFC
    assert myanmar.nfc(KYINT_TYPED) == KYINT_NFC
    cleaned = myanmar.clean(KYINT_TYPED)
    assert cleaned.text == KYINT_NFC
    assert not cleaned.converted_from_zawgyi


def test_nfc_text_is_left_alone() -> None:
    text = "ပြည်ထောင်စုသမ္မတ မြန်မာနိုင်ငံတော် ဖွဲ့စည်းပုံအခြေခံဥပဒေ"
    assert myanmar.clean(text) == myanmar.CleanText(text, False)


@pytest.mark.parametrize(("zawgyi", "unicode"), ZAWGYI)
def test_zawgyi_is_detected_and_converted(zawgyi: str, unicode: str) -> None:
    assert myanmar.is_zawgyi(zawgyi)
    assert myanmar.zawgyi_probability(zawgyi) > 0.99
    assert myanmar.zawgyi_to_unicode(zawgyi) == unicode
    assert myanmar.clean(zawgyi) == myanmar.CleanText(unicode, True)


@pytest.mark.parametrize(("zawgyi", "unicode"), ZAWGYI)
def test_unicode_is_not_taken_for_zawgyi(zawgyi: str, unicode: str) -> None:
    assert not myanmar.is_zawgyi(unicode)
    assert myanmar.zawgyi_probability(unicode) < 0.05
    assert myanmar.clean(unicode) == myanmar.CleanText(unicode, False)


@pytest.mark.parametrize("text", ["", "Article 12 (a)", "federal democratic union", "2008"])
def test_text_without_myanmar_letters_is_not_zawgyi(text: str) -> None:
    assert myanmar.zawgyi_probability(text) == float("-inf")
    assert not myanmar.is_zawgyi(text)
    assert myanmar.clean(text) == myanmar.CleanText(text, False)


def test_zawgyi_inside_latin_text_is_converted() -> None:
    cleaned = myanmar.clean("Article 12: ျမန္မာႏိုင္ငံ")
    assert cleaned == myanmar.CleanText("Article 12: မြန်မာနိုင်ငံ", True)


def test_other_scripts_are_only_normalised() -> None:
    decomposed = "Cafe\u0301 \u0430\u0306"
    assert myanmar.clean(decomposed) == myanmar.CleanText("Caf\u00e9 \u04d1", False)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\x0b", "\x0c"])
def test_control_characters_are_found(char: str) -> None:
    assert myanmar.has_control_characters(f"ပုဒ်မ{char}၁၂")


@pytest.mark.parametrize("text", ["ပုဒ်မ ၁၂", "line one\nline two", "a\tb", "windows\r\n", ""])
def test_tab_newline_and_return_are_allowed(text: str) -> None:
    assert not myanmar.has_control_characters(text)


# Text as members write it: words of one encoding, in any order, with spaces or none.
_unicode_text = st.lists(
    st.sampled_from(UNICODE_WORDS + LATIN_WORDS + [KYINT_TYPED]), max_size=12
).map("".join)
_spaced_unicode_text = st.lists(st.sampled_from(UNICODE_WORDS + LATIN_WORDS), max_size=12).map(
    " ".join
)
_zawgyi_text = st.lists(
    st.sampled_from([z for z, _ in ZAWGYI] + LATIN_WORDS), min_size=1, max_size=6
).map(" ".join)
_any_text = st.text(
    st.one_of(
        st.characters(min_codepoint=0x1000, max_codepoint=0x109F),
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
    ),
    max_size=40,
)


@given(st.one_of(_unicode_text, _spaced_unicode_text, _zawgyi_text, _any_text))
def test_clean_is_idempotent_and_returns_nfc(text: str) -> None:
    once = myanmar.clean(text)
    assert unicodedata.is_normalized("NFC", once.text)
    assert myanmar.clean(once.text) == myanmar.CleanText(once.text, False)


def test_text_the_conversion_leaves_alone_is_not_reported_as_converted() -> None:
    word = "ဘာသာစကား"  # language: reads the same in both encodings, the model says 0.95
    assert myanmar.zawgyi_to_unicode(word) == word
    assert myanmar.clean(word) == myanmar.CleanText(word, False)


@pytest.mark.parametrize(
    "text",
    [
        "သမ္မတ ။ ။ ။ ။",  # a stacked consonant: U+1039 is the asat in Zawgyi
        "\u103b\u1071",  # malformed: a medial with no consonant, then a stacked ta
    ],
)
def test_unicode_taken_for_zawgyi_is_not_mangled(text: str) -> None:
    once = myanmar.clean(text)
    assert myanmar.clean(once.text).text == once.text
    if myanmar.is_zawgyi(myanmar.zawgyi_to_unicode(text)):
        assert once == myanmar.CleanText(myanmar.nfc(text), False)
