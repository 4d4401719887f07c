"""Fractional order keys: a sibling can be put between two others without renumbering.

Keys are strings over base-62 digits in ASCII order and never end in "0", so there is
always room for a key strictly between two of them.
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)


def _midpoint(low: str, high: str | None) -> str:
    """A key strictly between ``low`` ("" is the lowest) and ``high`` (None: no upper bound)."""
    if high is not None:
        common = 0
        while common < len(high) and (low[common] if common < len(low) else "0") == high[common]:
            common += 1
        if common:
            return high[:common] + _midpoint(low[common:], high[common:])
    low_digit = DIGITS.index(low[0]) if low else 0
    high_digit = DIGITS.index(high[0]) if high is not None else BASE
    if high_digit - low_digit > 1:
        return DIGITS[(low_digit + high_digit) // 2]
    if high is not None and len(high) > 1:
        return high[:1]
    return DIGITS[low_digit] + _midpoint(low[1:], None)


def between(low: str | None, high: str | None) -> str:
    if low is not None and high is not None and not low < high:
        raise ValueError(f"{low!r} is not below {high!r}")
    return _midpoint(low or "", high)


def spread(count: int) -> list[str]:
    """``count`` increasing keys, evenly spaced and short, for a bulk import."""
    width = 1
    while BASE**width < (count + 1) * 4:
        width += 1
    step = BASE**width // (count + 1)
    keys = []
    for i in range(1, count + 1):
        value = i * step
        digits = []
        for _ in range(width):
            value, digit = divmod(value, BASE)
            digits.append(DIGITS[digit])
        key = "".join(reversed(digits)).rstrip("0") or "V"
        keys.append(key)
    return keys
