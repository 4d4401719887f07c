"""Hypothesis strategies: Burmese built from real syllable parts, English, mixed, anything."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Settings of the property tests: no deadline and no complaint about slow generation, which a
# loaded test machine would turn into failures.
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

CONSONANTS = [chr(c) for c in range(0x1000, 0x1022)]  # က … အ
# Medials in the order Unicode stores them: ya or ra, then wa, then ha.
MEDIAL_SETS = ["", "ျ", "ြ", "ွ", "ှ", "ျွ", "ြွ", "ွှ", "ျှ", "ြှ"]
VOWELS = ["", "ါ", "ာ", "ိ", "ီ", "ု", "ူ", "ေ", "ဲ", "ို", "ော", "ေါ", "ော်", "ံ", "ုံ"]
FINALS = ["", "က်", "င်", "စ်", "ည်", "တ်", "န်", "ပ်", "မ်", "ယ်", "ဉ်", "ဏ်"]
# The dot below is typed here after the asat, as people type it; NFC moves it before.
TONES = ["", "့", "း", "့်"]
STACKS = ["", "္က", "္ခ", "္တ", "္ထ", "္မ", "္ဗ", "္လ", "္ဓ"]
KINZI = "င်္"
# Whole words from the 2008 constitution and common particles, and the symbols.
WORDS = [
    "ပြည်ထောင်စု",
    "သမ္မတ",
    "မြန်မာနိုင်ငံတော်",
    "ဖွဲ့စည်းပုံ",
    "အခြေခံဥပဒေ",
    "ကိုယ်စားလှယ်",
    "ကျင့်သုံးသည်",
    "လွှတ်တော်",
    "တိုင်းဒေသကြီး",
    "ပြည်နယ်",
    "သင်္ချိုင်း",
    "ဥက္ကဋ္ဌ",
    "၎င်း",
    "၏",
    "၍",
    "၌",
    "ဦး",
    "ဤ",
    "ဧ",
    "၀န်ကြီး",
    "အမျိုးသမီး",
    "ဖက်ဒရယ်",
    "ဒီမိုကရေစီ",
]
SEPARATORS = ["", "", "", " ", " ", "၊ ", "။ ", "\n", "\n\n", "(", ")", ","]
ENGLISH = [
    "the",
    "The",
    "Union",
    "shall",
    "be",
    "President",
    "Assembly",
    "member",
    "members",
    "women",
    "law",
    "federal",
    "democratic",
    "constitution",
    "Article",
    "elected",
    "of",
    "and",
    "12",
    "2008",
    "naïve",
    "e\u0301tat",
]
ENGLISH_SEPARATORS = [" ", " ", " ", ", ", ". ", "; ", "\n", "\n\n", " (", ") ", "'s "]

# Marks the tests look for at the start of a piece: categories Mn, Mc (and Me).
MYANMAR_DEPENDENT = set("\u1037\u1039\u103a")


def is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M" or char in MYANMAR_DEPENDENT


@st.composite
def syllables(draw: st.DrawFn) -> str:
    """A Burmese syllable: consonant, medials, vowel, final, tone, maybe a stack or kinzi."""
    kinzi = KINZI if draw(st.integers(0, 20)) == 0 else ""
    consonant = draw(st.sampled_from(CONSONANTS))
    stack = draw(st.sampled_from(STACKS))
    medials = draw(st.sampled_from(MEDIAL_SETS))
    vowel = draw(st.sampled_from(VOWELS))
    final = draw(st.sampled_from(FINALS))
    tone = draw(st.sampled_from(TONES))
    if kinzi:
        # Kinzi sits on the consonant after it: …င်္ + consonant.
        return draw(st.sampled_from(CONSONANTS)) + vowel + kinzi + consonant + medials + tone
    return consonant + stack + medials + vowel + final + tone


burmese_pieces = st.one_of(syllables(), syllables(), st.sampled_from(WORDS))


@st.composite
def burmese_raw(draw: st.DrawFn, min_pieces: int = 0, max_pieces: int = 30) -> str:
    """Burmese text as typed: not necessarily NFC."""
    pieces = draw(st.lists(burmese_pieces, min_size=min_pieces, max_size=max_pieces))
    out = []
    for piece in pieces:
        out.append(piece)
        out.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(out)


def burmese(min_pieces: int = 0, max_pieces: int = 30) -> st.SearchStrategy[str]:
    """NFC Burmese text, as the platform stores it."""
    return burmese_raw(min_pieces, max_pieces).map(lambda t: unicodedata.normalize("NFC", t))


@st.composite
def english(draw: st.DrawFn, min_words: int = 0, max_words: int = 30) -> str:
    words = draw(st.lists(st.sampled_from(ENGLISH), min_size=min_words, max_size=max_words))
    out = []
    for word in words:
        out.append(word)
        out.append(draw(st.sampled_from(ENGLISH_SEPARATORS)))
    return "".join(out)


@st.composite
def mixed(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(burmese(0, 5), english(0, 5)), max_size=6))
    return unicodedata.normalize("NFC", " ".join(parts))


# Any character of the Myanmar blocks, including the Shan, Karen, Mon extensions.
myanmar_chars = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x1000, max_codepoint=0x109F),
        st.characters(min_codepoint=0xAA60, max_codepoint=0xAA7F),
        st.characters(min_codepoint=0xA9E0, max_codepoint=0xA9FF),
        st.sampled_from(" \n၊။a\u200c\u200d\ue000"),
    ),
    max_size=40,
)

any_text = st.one_of(
    burmese(),
    burmese_raw(),
    english(),
    mixed(),
    myanmar_chars,
    st.text(max_size=40),
)


def variant(draw: Callable[..., Any], text: str) -> str:
    """An edit of ``text``: some tokens replaced, removed or added."""
    from constitution.diffing.tokens import tokenize

    tokens = tokenize(text)
    extra = st.one_of(burmese_pieces, st.sampled_from(ENGLISH), st.sampled_from(SEPARATORS))
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["replace", "delete", "insert"]))
        if action == "insert" or not tokens:
            tokens.insert(draw(st.integers(0, len(tokens))), draw(extra))
            continue
        index = draw(st.integers(0, len(tokens) - 1))
        if action == "delete":
            del tokens[index]
        else:
            tokens[index] = draw(extra)
    return unicodedata.normalize("NFC", "".join(tokens))


@st.composite
def text_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two texts: a text and an edit of it, or two unrelated texts."""
    old = draw(any_text)
    if draw(st.booleans()):
        return old, variant(draw, old)
    return old, draw(any_text)
