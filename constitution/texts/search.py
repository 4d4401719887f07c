"""Substring search in every language, Burmese included, on SQLite and PostgreSQL.

Word-based full-text search splits Burmese wrongly (MYANMAR.md), so search is a substring
match on a folded copy of each current text: NFC, case-folded, Myanmar digits as Latin
digits, so "12" finds "၁၂" and the other way round. PostgreSQL serves it from a pg_trgm
index; SQLite scans the table of current texts, which is small.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.errors import N_, Invalid

MYANMAR_DIGITS = str.maketrans("၀၁၂၃၄၅၆၇၈၉", "0123456789")
MAX_QUERY = 200
SNIPPET = 60


def fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().translate(MYANMAR_DIGITS)


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Hit:
    key: str
    label: str
    language: str
    snippet: str


def _snippet(text: str, folded: str, query: str) -> str:
    index = folded.find(query)
    if index < 0 or len(folded) != len(text):
        index = 0
    start = max(0, index - SNIPPET)
    end = min(len(text), index + len(query) + SNIPPET)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + text[start:end] + suffix


def search(db: Session, document_id: int, query: str, *, limit: int = 100) -> list[Hit]:
    from constitution.texts.models import SearchEntry

    needle = fold(query).strip()
    if not needle:
        raise Invalid(N_("Type something to search for."), field="q")
    if len(needle) > MAX_QUERY:
        raise Invalid(N_("The search is too long."), field="q")
    rows = db.execute(
        select(
            SearchEntry.key,
            SearchEntry.label,
            SearchEntry.language,
            SearchEntry.text,
            SearchEntry.folded,
        )
        .where(
            SearchEntry.document_id == document_id,
            SearchEntry.folded.like(_like_pattern(needle), escape="\\"),
        )
        .order_by(SearchEntry.id)
        .limit(limit)
    ).all()
    return [Hit(r.key, r.label, r.language, _snippet(r.text, r.folded, needle)) for r in rows]
