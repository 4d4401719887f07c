"""Reading numbers from query strings and forms."""

from __future__ import annotations


def parse_id(raw: str | None, *, max_digits: int = 9, strip: bool = False) -> int | None:
    """A row id written as ASCII digits, at most ``max_digits`` long (surrounding spaces
    ignored with ``strip``, as a form's hidden field allows); None for anything else, so
    that no ``int()`` sees a wild string (Myanmar digits, signs, thousands of digits)."""
    text = raw or ""
    if strip:
        text = text.strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
