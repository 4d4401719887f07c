"""Reading numbers from query strings and forms."""

from __future__ import annotations

from constitution.db import MAX_ID


def parse_id(
    raw: str | None, *, max_digits: int = 9, strip: bool = False, maximum: int = MAX_ID
) -> int | None:
    """A row id written as ASCII digits, at most ``max_digits`` long and at most ``maximum``
    (surrounding spaces ignored with ``strip``, as a form's hidden field allows); None for
    anything else, so that no ``int()`` sees a wild string (Myanmar digits, signs, thousands
    of digits) and no driver a number beyond its column (2**64, 10**30)."""
    text = raw or ""
    if strip:
        text = text.strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None
