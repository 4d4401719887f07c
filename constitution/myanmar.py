"""Text input rules for Burmese and every other language (see shared MYANMAR.md).

All text is NFC-normalised on input. Text in Zawgyi encoding is detected with Google's
myanmar-tools model and converted to Unicode with ICU's ``Zawgyi-my`` transliterator.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any

MYANMAR_CHAR = re.compile("[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]")
# Above this probability a string is taken as Zawgyi (the model gives ~1.0 for Zawgyi).
ZAWGYI_THRESHOLD = 0.95
# C0/C1 controls other than tab, newline and carriage return are refused in text fields.
# Bidirectional embeddings, overrides and isolates are refused too: they can make one name
# or passage look like another.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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


def zawgyi_probability(text: str) -> float:
    """Probability that ``text`` is Zawgyi; -inf when it has no Myanmar characters."""
    if not MYANMAR_CHAR.search(text):
        return float("-inf")
    return float(_detector().get_zawgyi_probability(text))


def is_zawgyi(text: str) -> bool:
    return zawgyi_probability(text) >= ZAWGYI_THRESHOLD


def zawgyi_to_unicode(text: str) -> str:
    return nfc(str(_converter().transliterate(text)))


@dataclass(frozen=True)
class CleanText:
    text: str
    converted_from_zawgyi: bool


def clean(text: str) -> CleanText:
    """Convert Zawgyi to Unicode when detected, then NFC-normalise.

    A conversion is kept only when it changes the text and its result no longer looks like
    Zawgyi. The model takes some Unicode for Zawgyi (`သမ္မတ ။ ။ ။`, `ဘာသာစကား`); such text
    is left as it is instead of being mangled, and cleaning clean text changes nothing.
    """
    normal = nfc(text)
    for candidate in dict.fromkeys((text, normal)):
        if is_zawgyi(candidate):
            converted = zawgyi_to_unicode(candidate)
            if converted != normal and not is_zawgyi(converted):
                return CleanText(converted, True)
    return CleanText(normal, False)


def has_control_characters(text: str) -> bool:
    return bool(CONTROL.search(text))
