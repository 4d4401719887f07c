"""Interface translations: gettext catalogs read from the .po files under translations/.

The interface language lives in a context variable set for each request; templates and
views call ``gettext`` (``_``) which reads it. English is the source language.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
LANGUAGES = ("my", "en")
DEFAULT_LANGUAGE = "my"
LANGUAGE_NAMES = {"my": "မြန်မာ", "en": "English"}

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


@functools.cache
def catalog(language: str) -> dict[str, str]:
    """msgid -> msgstr for one language; fuzzy and empty entries are left out."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {
        str(m.id): str(m.string)
        for m in po
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


@functools.cache
def plurals(language: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """(singular, plural) -> the catalogue's forms, for the entries with a plural."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for m in po:
        forms = m.string
        if not isinstance(m.id, (tuple, list)) or not isinstance(forms, (tuple, list)):
            continue
        if not m.fuzzy and all(forms):
            found[(str(m.id[0]), str(m.id[1]))] = tuple(str(s) for s in forms)
    return found


def plural_index(language: str, n: int) -> int:
    """Which plural form ``n`` takes: Burmese has one form, English two."""
    return 0 if language == "my" or n == 1 else 1


def gettext(message: str) -> str:
    language = current_language.get()
    if language == "en":
        return message
    return catalog(language).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The catalogue's plural form for ``n`` (English: singular for 1, else plural)."""
    language = current_language.get()
    forms = plurals(language).get((singular, plural)) if language != "en" else None
    if forms:
        return forms[min(plural_index(language, n), len(forms) - 1)]
    return singular if n == 1 else plural


TO_MYANMAR_DIGITS = str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉")


def localize_digits(value: Any, language: str) -> str:
    """``value`` as text, its Latin digits written as Myanmar digits on a Burmese page."""
    text = str(value)
    return text.translate(TO_MYANMAR_DIGITS) if language == "my" else text


def localized(variables: dict[str, Any], language: str) -> dict[str, Any]:
    """A message's variables with its numbers written in ``language``'s digits."""
    return {
        name: localize_digits(value, language)
        if isinstance(value, int) and not isinstance(value, bool)
        else value
        for name, value in variables.items()
    }


def negotiate(accept_language: str | None) -> str:
    """Pick my or en from an Accept-Language header; Burmese when nothing says otherwise."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in accept_language.split(",")[:20]:
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower().split("-")[0]
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag in LANGUAGES and q > 0 and q > best_q:  # q=0: "not acceptable"
            best, best_q = tag, q
    return best
