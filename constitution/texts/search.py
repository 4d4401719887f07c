"""Substring search in every language, Burmese included, on SQLite and PostgreSQL.

Word-based full-text search splits Burmese wrongly (MYANMAR.md), so search is a substring
match on a folded copy of each current text: NFC, case-folded, Myanmar digits as Latin
digits, so "12" finds "၁၂" and the other way round. PostgreSQL serves it from a pg_trgm
index; SQLite scans the table of current texts, which is small.

The query is cleaned like any other input (NFC; Zawgyi converted to Unicode when it is
clearly Zawgyi). A provision is also found by its label, in any language and with either
digits ("Article 12", "ပုဒ်မ ၁၂", or the number alone). Snippets and the highlighted matches
start and end on token boundaries (:mod:`constitution.diffing.tokens`): never inside a
Burmese syllable, so no dependent sign is shown on a dotted circle.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution import myanmar
from constitution.diffing.tokens import tokenize
from constitution.errors import N_, Invalid

MYANMAR_DIGITS = str.maketrans("၀၁၂၃၄၅၆၇၈၉", "0123456789")
MAX_QUERY = 200
# Code points of context, at most, on each side of the first match.
SNIPPET = 60
# Characters that carry no letter of their own (joiners, variation selectors with marks).
_JOINERS = {"\u200c", "\u200d", "\u2060"}
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+")
# Label hits come first, articles before the parts and chapters that share a number.
_KIND_ORDER = {"article": 0, "section": 1, "clause": 2, "subclause": 3, "chapter": 4, "part": 5}


def fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().translate(MYANMAR_DIGITS)


def _fold_char(char: str) -> str:
    return char.casefold().translate(MYANMAR_DIGITS)


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Query:
    """A search as typed, cleaned: ``text`` (NFC, Unicode) and its folded ``needle``."""

    text: str
    needle: str
    converted_from_zawgyi: bool = False


def _only_marks(text: str) -> bool:
    return all(
        unicodedata.category(c).startswith("M") or c in _JOINERS or c.isspace() for c in text
    )


def clean_query(raw: str) -> Query:
    """The query cleaned like any input; a clear error for one that cannot be searched."""
    text = raw.strip()
    if not text:
        raise Invalid(N_("Type something to search for."), field="q")
    if len(text) > MAX_QUERY:
        raise Invalid(N_("The search is too long."), field="q")
    if myanmar.has_control_characters(text) or myanmar.has_mark_run(text):
        raise Invalid(N_("The search holds characters that cannot be searched for."), field="q")
    if _only_marks(text):
        raise Invalid(
            N_(
                "Type at least one letter or digit: vowel signs, tone marks and other "
                "combining marks alone cannot be searched for."
            ),
            field="q",
            code="marks_only",
        )
    cleaned = myanmar.clean(text)
    needle = fold(cleaned.text).strip()
    return Query(cleaned.text.strip(), needle, cleaned.converted_from_zawgyi)


# ---- snippets -------------------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    """``text[start:end]`` with its matches: ``parts`` are (piece, matched) in order."""

    start: int
    end: int
    parts: tuple[tuple[str, bool], ...]
    before: str = ""  # "…" when the snippet does not start the text
    after: str = ""  # "…" when it does not end it

    @property
    def text(self) -> str:
        return self.before + "".join(piece for piece, _ in self.parts) + self.after

    def highlights(self) -> list[tuple[int, int]]:
        """Code-point offsets of the matched pieces in :attr:`text`."""
        found, at = [], len(self.before)
        for piece, matched in self.parts:
            if matched:
                found.append((at, at + len(piece)))
            at += len(piece)
        return found


def boundaries(text: str) -> list[int]:
    """Offsets where a token starts, and the end: where a snippet may be cut."""
    return [0, *itertools.accumulate(len(t) for t in tokenize(text))]


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """``text`` folded, and for each folded code point the offset it came from in ``text``
    (casefolding may lengthen a character: ß is ss)."""
    pieces, origin = [], []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    origin.append(len(text))
    return "".join(pieces), origin


def _matches(text: str, needle: str) -> list[tuple[int, int]]:
    """Where ``needle`` (folded) occurs in ``text``, as offsets in ``text``."""
    folded, origin = _folded_with_origin(text)
    found, at = [], folded.find(needle) if needle else -1
    while at >= 0:
        end = at + len(needle)
        found.append((origin[at], origin[end - 1] + 1))
        at = folded.find(needle, end)
    return found


def _snap(cuts: list[int], start: int, end: int) -> tuple[int, int]:
    """The smallest run of whole tokens that holds ``text[start:end]``."""
    low = cuts[bisect.bisect_right(cuts, start) - 1]
    high = cuts[min(bisect.bisect_left(cuts, end), len(cuts) - 1)]
    return low, high


def make_snippet(text: str, needle: str, context: int = SNIPPET) -> Snippet:
    """The text around the first match of ``needle``, every match in it marked, cut on
    token boundaries; the start of the text when nothing matches."""
    cuts = boundaries(text)
    spans = [_snap(cuts, s, e) for s, e in _matches(text, needle)]
    first = spans[0] if spans else (0, 0)
    low = cuts[bisect.bisect_left(cuts, max(0, first[0] - context))]
    high = cuts[bisect.bisect_right(cuts, min(len(text), first[1] + context)) - 1]
    parts: list[tuple[str, bool]] = []
    at = low
    for start, end in spans:
        start, end = max(start, at), min(end, high)
        if start >= end:
            continue
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < high:
        parts.append((text[at:high], False))
    return Snippet(low, high, tuple(parts), "…" if low > 0 else "", "…" if high < len(text) else "")


# ---- hits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    key: str
    label: str
    language: str
    found: Snippet
    labels: dict[str, str] = field(default_factory=dict)
    by_label: bool = False

    @property
    def snippet(self) -> str:
        return self.found.text


def _squeeze(text: str) -> str:
    return _SPACE.sub("", fold(text))


def label_matches(needle: str, label: str) -> bool:
    """True when the label is the query (spaces and digits aside), or the query is a number
    and it is the label's only number."""
    squeezed = _SPACE.sub("", needle)
    if not squeezed:
        return False
    folded = _squeeze(label)
    if squeezed == folded:
        return True
    return squeezed.isdigit() and _NUMBER.findall(folded) == [squeezed.lstrip("0") or "0"]


def _label_hits(
    rows: Iterable[tuple[str, str, Mapping[str, str], str]],
    needle: str,
    languages: list[str],
) -> list[tuple[int, str, str]]:
    """(order, key, language of the label that matched) for each provision found."""
    found = []
    for key, label, labels, kind in rows:
        candidates = [(lang, labels[lang]) for lang in languages if labels.get(lang)]
        candidates.append((languages[0], label))
        language = next((lang for lang, text in candidates if label_matches(needle, text)), None)
        if language is not None:
            found.append((_KIND_ORDER.get(kind, 9), key, language))
    found.sort(key=lambda item: item[0])
    return found


def search(
    db: Session,
    document_id: int,
    query: str | Query,
    *,
    limit: int = 100,
    language: str | None = None,
) -> list[Hit]:
    """Provisions found by label first (in ``language`` when given), then by text."""
    from constitution.texts.models import Document, ProvisionVersion, SearchEntry

    cleaned = query if isinstance(query, Query) else clean_query(query)
    needle = cleaned.needle
    document = db.get(Document, document_id)
    if document is None:
        return []
    preferred = language if language in document.languages else document.authoritative
    languages = [preferred, *(lang for lang in document.languages if lang != preferred)]
    current = ProvisionVersion.document_id == document_id, ProvisionVersion.rev_to.is_(None)
    rows = db.execute(
        select(
            ProvisionVersion.key,
            ProvisionVersion.label,
            ProvisionVersion.labels,
            ProvisionVersion.kind,
        )
        .where(*current)
        .order_by(ProvisionVersion.id)
    ).all()
    heads = {r.key: (r.label, dict(r.labels or {})) for r in rows}
    by_label = _label_hits(
        ((r.key, r.label, r.labels or {}, r.kind) for r in rows), needle, languages
    )
    by_label = by_label[:limit]
    texts = (
        dict(
            db.execute(
                select(ProvisionVersion.key, ProvisionVersion.text).where(
                    *current, ProvisionVersion.key.in_([key for _, key, _ in by_label])
                )
            ).all()
        )
        if by_label
        else {}
    )
    hits = []
    for _, key, lang in by_label:
        text = texts.get(key, {})
        if not text.get(lang):
            lang = next((other for other in languages if text.get(other)), lang)
        label, labels = heads[key]
        hits.append(Hit(key, label, lang, make_snippet(text.get(lang, ""), ""), labels, True))
    seen = {(h.key, h.language) for h in hits}
    entries = db.execute(
        select(SearchEntry.key, SearchEntry.label, SearchEntry.language, SearchEntry.text)
        .where(
            SearchEntry.document_id == document_id,
            SearchEntry.folded.like(_like_pattern(needle), escape="\\"),
        )
        .order_by(SearchEntry.id)
        .limit(limit)
    ).all()
    for r in entries:
        if (r.key, r.language) not in seen and len(hits) < limit:
            labels = heads.get(r.key, ("", {}))[1]
            hits.append(Hit(r.key, r.label, r.language, make_snippet(r.text, needle), labels))
    return hits
