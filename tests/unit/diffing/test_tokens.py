from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constitution.diffing.tokens import (
    MARK_RANGES,
    common_prefix,
    common_suffix,
    cut_after,
    cut_before,
    tokenize,
)

from .strategies import (
    PROPERTY,
    any_text,
    burmese,
    burmese_raw,
    english,
    is_mark,
    mixed,
    myanmar_chars,
)


def split(text: str) -> str:
    return "|".join(tokenize(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The checked examples of MYANMAR.md.
        ("ကိုယ်စားလှယ်", "ကိုယ်|စား|လှယ်"),
        ("သမ္မတ", "သမ္မ|တ"),
        ("သင်္ချိုင်း", "သင်္ချိုင်း"),
        ("ကျင့်သုံးသည်", "ကျင့်|သုံး|သည်"),
    ],
)
def test_myanmar_examples(text: str, expected: str) -> None:
    assert unicodedata.is_normalized("NFC", text)
    assert split(text) == expected


def test_dot_below_before_or_after_asat_is_one_syllable() -> None:
    typed = "\u1000\u103b\u1004\u103a\u1037"  # asat, then dot below: as people type it
    nfc = unicodedata.normalize("NFC", typed)
    assert nfc == "\u1000\u103b\u1004\u1037\u103a"
    assert tokenize(typed) == [typed]
    assert tokenize(nfc) == [nfc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ပြည်ထောင်စုသမ္မတ", "ပြည်|ထောင်|စု|သမ္မ|တ"),
        ("ဥက္ကဋ္ဌ", "ဥက္ကဋ္ဌ"),  # stacked consonants stay in one syllable
        ("ဗုဒ္ဓ", "ဗုဒ္ဓ"),
        ("အင်္ဂလိပ်", "အင်္ဂ|လိပ်"),  # kinzi stays attached
        ("ဆက်", "ဆက်"),  # a consonant with asat closes the syllable before it
        ("၎င်း", "၎င်း"),  # ၎ is a symbol that starts a syllable
        ("သည်၎င်း", "သည်|၎င်း"),
        ("၏ ၍ ၌", "၏| |၍| |၌"),
        ("ဦးသိန်း", "ဦး|သိန်း"),
        ("လွှတ်တော်၊ အစိုးရ။", "လွှတ်|တော်|၊| |အ|စိုး|ရ|။"),
        ("၁၂", "၁၂"),  # Myanmar digits make a number
        ("ပုဒ်မ ၁၂(က)", "ပုဒ်|မ| |၁၂|(|က|)"),
        ("၂၀၀၈ ခုနှစ်", "၂၀၀၈| |ခု|နှစ်"),
        ("၀န်ကြီး", "၀န်|ကြီး"),  # the digit zero typed for ဝ, used as a letter
        ("ၵႂၢမ်းတႆး", "ၵႂၢမ်း|တႆး"),  # Shan
        ("ကညီ", "က|ညီ"),  # S'gaw Karen
        ("ဘာသာမန်", "ဘာ|သာ|မန်"),  # Mon
        ("႑႒", "႑႒"),  # Shan digits
        ("ꩠꩡ", "ꩠ|ꩡ"),  # Khamti letters (U+AA60…)
        ("ꧠꧡ", "ꧠ|ꧡ"),  # Tai Laing letters (U+A9E0…)
    ],
)
def test_myanmar_script(text: str, expected: str) -> None:
    assert split(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Union shall be federal.", "The| |Union| |shall| |be| |federal|."),
        ("Article 12(b), 2008", "Article| |12|(|b|)|,| |2008"),
        ("member's", "member|'|s"),
        ("naïve e\u0301tat", "naïve| |e\u0301tat"),  # letters keep their combining marks
        ("a  \n\n b", "a|  \n\n |b"),
        ("Section 5 ပုဒ်မ ၅", "Section| |5| |ပုဒ်|မ| |၅"),
        ("abcက", "abc|က"),
        ("Ελλάδα Россия", "Ελλάδα| |Россия"),
        ("😀x", "😀|x"),
        ("\ue000\ue001", "\ue000|\ue001"),  # private-use characters are tokens like others
    ],
)
def test_other_scripts(text: str, expected: str) -> None:
    assert split(text) == expected


@pytest.mark.parametrize("text", ["\u103aက", "\u0301a", "\u1039က", "\u200dx"])
def test_a_text_may_start_with_a_mark(text: str) -> None:
    assert "".join(tokenize(text)) == text
    assert len(tokenize(text)) <= 2


@pytest.mark.parametrize("text", ["( ်", "a\u103a b", " \u0301", "၊\u103a", "1\u0301"])
def test_a_mark_never_starts_a_token_after_the_first(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(tokens) == text
    assert not any(is_mark(token[0]) for token in tokens[1:])


def test_empty() -> None:
    assert tokenize("") == []


def test_mark_ranges_match_unicodedata() -> None:
    listed: set[int] = set()
    for item in MARK_RANGES.split():
        first, _, last = item.partition("-")
        listed.update(range(int(first, 16), int(last or first, 16) + 1))
    actual = {c for c in range(0x110000) if unicodedata.category(chr(c))[0] == "M"}
    assert listed == actual, "regenerate MARK_RANGES for this Python's Unicode version"


MYANMAR = {chr(c) for c in [*range(0x1000, 0x10A0), *range(0xAA60, 0xAA80), *range(0xA9E0, 0xAA00)]}
MY_LETTER = {c for c in MYANMAR if unicodedata.category(c) in ("Lo", "Lm")}
# Myanmar characters that start a syllable: all but the marks and the punctuation ၊ ။.
MY_STARTER = {c for c in MYANMAR if not is_mark(c)} - {"\u104a", "\u104b"}


@settings(PROPERTY, max_examples=200)
@given(any_text)
def test_tokenize_round_trips(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(tokens) == text
    assert all(tokens)


@settings(PROPERTY, max_examples=200)
@given(st.one_of(burmese(), burmese_raw(), myanmar_chars, st.text()))
def test_no_boundary_inside_a_syllable(text: str) -> None:
    tokens = tokenize(text)
    # A dependent sign never starts a token (except at the start of the text) …
    assert not any(is_mark(token[0]) for token in tokens[1:])
    for before, token in itertools.pairwise(tokens):
        if before[0] in MY_STARTER and token[0] in MY_LETTER:
            # … nor does a stacked consonant, or a consonant closed by an asat or virama.
            assert before[-1] != "\u1039", tokens
            assert token[1:].lstrip("\u1037")[:1] not in ("\u103a", "\u1039"), tokens


@settings(PROPERTY)
@given(burmese())
def test_burmese_syllables_start_with_a_letter_digit_or_symbol(text: str) -> None:
    for token in tokenize(text):
        assert not is_mark(token[0])


@settings(PROPERTY, max_examples=200)
@given(
    st.one_of(burmese(), english(), mixed(), st.text(alphabet=" \n\tab\u0301က်္"), st.text()),
    st.data(),
)
def test_a_text_cut_at_whitespace_tokenizes_in_two_parts(text: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(text)))
    for cut in (cut_before(text, position), cut_after(text, position)):
        assert 0 <= cut <= len(text)
        assert tokenize(text) == tokenize(text[:cut]) + tokenize(text[cut:])
    assert cut_before(text, position) <= max(position - 1, 0)
    assert cut_after(text, position) > position or cut_after(text, position) == len(text)


def test_cuts() -> None:
    text = "ab  cd\nef"
    assert cut_before(text, 9) == 6
    assert cut_before(text, 6) == 2
    assert cut_before(text, 2) == 0
    assert cut_after(text, 0) == 2
    assert cut_after(text, 2) == 6
    assert cut_after(text, 6) == 9
    assert cut_before("ကျင့်သုံးသည်", 5) == 0
    assert cut_after("ကျင့်သုံးသည်", 5) == len("ကျင့်သုံးသည်")


@pytest.mark.parametrize(
    ("one", "two", "prefix", "suffix"),
    [
        ("", "", 0, 0),
        ("abc", "abd", 2, 0),
        ("xbc", "abc", 0, 2),
        ("ab", "abab", 2, 2),
        ("က", "ခ", 0, 0),
    ],
)
def test_common_prefix_and_suffix(one: str, two: str, prefix: int, suffix: int) -> None:
    assert common_prefix(one, two) == prefix
    assert common_suffix(one, two) == suffix
