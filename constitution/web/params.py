"""Parsing values of a query string or form."""

from __future__ import annotations


def parse_id(raw: str | None, *, max_digits: int = 9) -> int | None:
    """A row id typed in a form or URL: ASCII digits only, at most ``max_digits``."""
    raw = (raw or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= max_digits:
        return int(raw)
    return None
