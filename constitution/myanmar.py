"""Text input rules for Burmese and every other language (see shared MYANMAR.md).

All text is NFC-normalised on input. Text in Zawgyi encoding is detected with Google's
myanmar-tools model and converted to Unicode with ICU's ``Zawgyi-my`` transliterator.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

MYANMAR_CHAR = re.compile("[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]")
# Above this probability a string is taken as Zawgyi (the model gives ~1.0 for Zawgyi).
ZAWGYI_THRESHOLD = 0.95
# C0/C1 controls other than tab, newline and carriage return are refused in text fields.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@functools.cache
def _detector() -> Any:
    from myanmartools import ZawgyiDetector

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
    """Convert Zawgyi to Unicode when detected, then NFC-normalise."""
    if is_zawgyi(text):
        return CleanText(zawgyi_to_unicode(text), True)
    return CleanText(nfc(text), False)


def has_control_characters(text: str) -> bool:
    return bool(CONTROL.search(text))
