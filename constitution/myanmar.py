"""Text input rules for Burmese and every other language (see shared MYANMAR.md).

All text is NFC-normalised on input. Text in Zawgyi encoding is detected with Google's
myanmar-tools model and converted to Unicode with ICU's ``Zawgyi-my`` transliterator, but
only when it breaks Unicode's storage order for Burmese in a way the conversion repairs:
genuine Unicode Burmese is never converted (the model alone takes about one short phrase in
1,700 for Zawgyi). ICU's conversion takes time quadratic in a run of combining marks, so
fields refuse long runs of marks (:func:`has_mark_run`) and the conversion works on pieces
of at most :data:`MAX_PIECE` code points.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from constitution.diffing.tokens import MARK_RANGES, tokenize

MYANMAR_CHAR = re.compile("[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]")
# Above this probability a string is taken as Zawgyi (the model gives ~1.0 for Zawgyi).
ZAWGYI_THRESHOLD = 0.95
# C0/C1 controls other than tab, newline and carriage return are refused in text fields.
# Bidirectional embeddings, overrides and isolates are refused too: they can make one name
# or passage look like another.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Invisible characters and direction marks, refused in single-line fields (names, titles,
# labels, reasons), where they only serve to make one name look like another: soft hyphen,
# Arabic letter mark, Mongolian vowel separator, zero width space, non-joiner and joiner
# (Burmese and English names need neither), left-to-right and right-to-left marks, line and
# paragraph separators, word joiner and invisible operators, byte order mark.
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u2060-\u2064\ufeff]")

# No Burmese syllable has more than about eight dependent signs in a row (medials, vowels,
# tones, asat); no other script needs more than a few combining marks on one letter.
MAX_MARKS = 12
# The longest piece of text handed to ICU's transliterator at once.
MAX_PIECE = 200


def _mark_class() -> str:
    parts = []
    for item in MARK_RANGES.split():
        first, _, last = item.partition("-")
        parts.append(f"\\U{int(first, 16):08X}")
        if last:
            parts.append(f"-\\U{int(last, 16):08X}")
    # Invisible joiners and spaces between marks do not end a run of them.
    return "[" + "".join(parts) + "\\u200b-\\u200d\\u2060]"


_MARK_RUN = re.compile(f"{_mark_class()}{{{MAX_MARKS + 1}}}")

# ---- Unicode storage order ------------------------------------------------------------

# A Burmese letter (consonant, independent vowel, great sa), a digit written for a letter,
# or one of the symbols ၌ ၍ ၎ ၏.
_LETTER = "[\u1000-\u102a\u103f\u1040-\u1049\u104c-\u104f]"
# The letter's dependent signs in Unicode's storage order (UTN #11, after NFC): medial ya or
# ra, wa, ha; vowel sign E; an upper vowel; a lower vowel; aa; anusvara; dot below; asat
# (with the ု of ကျွန်ုပ်); visarga.
_SIGNS = (
    "[\u103b\u103c]?\u103d?\u103e?\u1031?[\u102d\u102e\u1032]?[\u102f\u1030]?"
    "[\u102b\u102c]?\u1036?\u1037?(?:\u103a\u102f?)?\u1038?"
)
# A letter with the letters stacked under it by a virama (or a kinzi), then its signs.
_STACK = f"{_LETTER}(?:\u103a?\u1039{_LETTER})*{_SIGNS}"
# A syllable token: letters closed by an asat join it; or a section mark.
_VALID_TOKEN = re.compile(f"(?:{_STACK})+|[\u104a\u104b]")
# A consonant stacked under another of a different row of the alphabet (``န္ယ``): Pali
# stacks stay in one row (``က္ခ``, ``ဋ္ဌ``, ``န္ဒ``, ``မ္ဘ``) or double a letter (``လ္လ``).
# Zawgyi types its asat as a virama, so ``တာဝန္ယူ`` is Zawgyi; a few foreign names in
# Unicode have such stacks too, so they are weak evidence only.
_ROWS = ("\u1000-\u1004", "\u1005-\u100a", "\u100b-\u100f", "\u1010-\u1014", "\u1015-\u1019")
_ODD_STACK = re.compile(
    "|".join(f"[{row}]\u1039(?![{row}])[\u1000-\u1021]" for row in _ROWS)
    + "|([\u101a-\u1021])\u1039(?!\\1)[\u1000-\u1021]"
)


def unicode_violations(text: str) -> int:
    """How many syllables of ``text`` break Unicode's storage order for Burmese.

    A vowel sign E or a medial before its consonant, a virama with no consonant after it,
    an asat followed by a vowel, Zawgyi's stacked forms (U+1060 to U+1097 after a Burmese
    letter): all of these are Zawgyi's visual order or code points, and none is valid
    Unicode Burmese. Text in other Myanmar-script languages (Shan, Mon, Karen) counts too;
    it is only ever converted when the model also takes it for Zawgyi.
    """
    return sum(
        1
        for token in tokenize(text)
        if MYANMAR_CHAR.search(token) and not _VALID_TOKEN.fullmatch(token)
    )


def odd_stacks(text: str) -> int:
    """How many consonants of ``text`` are stacked under one of another row (weak evidence
    of Zawgyi, see ``_ODD_STACK``)."""
    return len(_ODD_STACK.findall(text))


def syllable_count(text: str) -> int:
    return sum(1 for token in tokenize(text) if MYANMAR_CHAR.match(token))


@functools.cache
def _detector() -> Any:
    from myanmartools import ZawgyiDetector

    # myanmartools loads its model with importlib.resources.open_binary, which warns as
    # deprecated on Python 3.11+; the warning concerns the library, not this code.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return ZawgyiDetector()


@functools.cache
def _converter() -> Any:
    import icu

    return icu.Transliterator.createInstance("Zawgyi-my")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def has_mark_run(text: str) -> bool:
    """True when ``text`` has more than :data:`MAX_MARKS` combining marks in a row."""
    return _MARK_RUN.search(text) is not None


def has_invisible_characters(text: str) -> bool:
    return bool(INVISIBLE.search(text))


def zawgyi_probability(text: str) -> float:
    """Probability that ``text`` is Zawgyi; -inf when it has no Myanmar characters."""
    if not MYANMAR_CHAR.search(text):
        return float("-inf")
    return float(_detector().get_zawgyi_probability(text))


def is_zawgyi(text: str) -> bool:
    return zawgyi_probability(text) >= ZAWGYI_THRESHOLD


# Words with the whitespace after them.
_WORD = re.compile(r"\S*\s*")
# Where a Zawgyi word may be cut: before a consonant, a vowel sign E or a medial ra (which
# Zawgyi types before their consonant), unless one of those prefixes or an asat comes just
# before it.
_CUT = re.compile(
    "(?<![\u1031\u103b\u107e-\u1084\u1039])(?=[\u1000-\u1021\u1031\u103b\u107e-\u1084])"
)


def _split_word(word: str) -> Iterator[str]:
    """A word longer than :data:`MAX_PIECE` cut at syllable starts (anywhere if need be)."""
    cuts = [m.start() for m in _CUT.finditer(word)]
    start = 0
    while len(word) - start > MAX_PIECE:
        index = bisect.bisect_right(cuts, start + MAX_PIECE) - 1
        end = cuts[index] if index >= 0 and cuts[index] > start else start + MAX_PIECE
        yield word[start:end]
        start = end
    yield word[start:]


def pieces(text: str) -> Iterator[str]:
    """``text`` in pieces of at most :data:`MAX_PIECE` code points, cut after whitespace
    (or inside long words at syllable starts); joined, they give ``text`` back."""
    piece = ""
    for match in _WORD.finditer(text):
        word = match.group()
        if len(piece) + len(word) <= MAX_PIECE:
            piece += word
            continue
        if piece:
            yield piece
        piece = ""
        if len(word) <= MAX_PIECE:
            piece = word
        else:
            *whole, piece = _split_word(word)
            yield from whole
    if piece:
        yield piece


# Characters of context on each side of a piece that ICU's rules may look at (they look a
# few characters back and ahead: ``၄`` at the start of a text is ``၎``).
CONTEXT = 16


def zawgyi_to_unicode(text: str) -> str:
    """ICU's conversion, piece by piece (its time grows with the square of a piece), each
    piece converted with the text around it as context, as the whole text would be."""
    import icu

    converter = _converter()
    result = []
    start = 0
    for piece in pieces(text):
        end = start + len(piece)
        before = max(0, start - CONTEXT)
        window = icu.UnicodeString(text[before : end + CONTEXT])
        position = icu.UTransPosition(0, len(window), start - before, end - before)
        converter.finishTransliteration(window, position)
        result.append(str(window)[start - before : position.limit])
        start = end
    return nfc("".join(result))


@dataclass(frozen=True)
class CleanText:
    text: str
    converted_from_zawgyi: bool


# Fewer syllables than this: a conversion must give text with no violation at all.
SHORT = 12
# Text whose only evidence is odd stacks is converted only when the model is this sure.
ODD_STACK_THRESHOLD = 0.999


def _evidence(text: str) -> tuple[int, int]:
    return unicode_violations(text), odd_stacks(text)


def _repairs(before: tuple[int, int], converted: str) -> bool:
    """True when the conversion clearly gives better Unicode than the input had: none of
    the input's faults left, for short text or text with odd stacks only; otherwise fewer
    than half as many, and nothing the model still takes for Zawgyi (so that cleaning the
    result again leaves it alone)."""
    after = _evidence(converted)
    if after == (0, 0):
        return True
    if before[0] == 0 or syllable_count(converted) < SHORT:
        return False
    return 2 * sum(after) < sum(before) and not is_zawgyi(converted)


def clean(text: str) -> CleanText:
    """Convert Zawgyi to Unicode when detected, then NFC-normalise.

    Text valid in Unicode's storage order is only normalised: the model alone takes some
    Unicode for Zawgyi (``နေရာအားလုံး၏``, ``သမ္မတ ။ ။ ။``), and converting it mangles it. A
    conversion is kept only when the model takes the text for Zawgyi, the text breaks the
    storage order (or stacks consonants as only Zawgyi's asat does, and the model is sure),
    and the conversion repairs it (entirely, for short text). Cleaning clean text changes
    nothing.

    Callers bound the text first (see :func:`has_mark_run`): the model and the conversion
    take time in proportion to its length.
    """
    normal = nfc(text)
    if not MYANMAR_CHAR.search(normal):
        return CleanText(normal, False)
    before = _evidence(normal)
    if before == (0, 0):
        return CleanText(normal, False)
    threshold = ZAWGYI_THRESHOLD if before[0] else ODD_STACK_THRESHOLD
    for candidate in dict.fromkeys((text, normal)):
        if zawgyi_probability(candidate) >= threshold:
            converted = zawgyi_to_unicode(candidate)
            if converted != normal and _repairs(before, converted):
                return CleanText(converted, True)
    return CleanText(normal, False)


def has_control_characters(text: str) -> bool:
    return bool(CONTROL.search(text))
