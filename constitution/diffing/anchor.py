"""Find a quoted passage again in a later revision of its text.

A comment on a passage stores the quote with some context before and after it (like the W3C
Web Annotation text-quote selector). :func:`find_anchor` looks for it in a new text:

1. **Exactly**: every occurrence of the quote is scored by how much of the stored context
   surrounds it, and the best one wins (ties go to the one nearest ``position`` when given,
   else to the first).
2. **Fuzzily**, when the quote no longer occurs: diff-match-patch's ``match_main`` (a bitap
   search, limited to 32 characters) finds the start of the first 32 characters of the quote
   near where the context puts it, the stretch of text that corresponds to the whole quote
   is found with a token diff, and it is accepted only when it is similar enough to the quote
   (:data:`MIN_SIMILARITY` of the characters in common). The result starts and ends on token
   boundaries, so it never cuts a Burmese syllable.

``None`` means the passage changed too much: show it as "passage changed" with the old quote.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate

from diff_match_patch import diff_match_patch

from constitution.diffing.diff import EQUAL, INSERT, diff_token_lists
from constitution.diffing.tokens import tokenize

__all__ = ["MATCH_THRESHOLD", "MIN_SIMILARITY", "find_anchor"]

# diff-match-patch's bitap threshold (0.0 exact, 1.0 anything) for the quote's first chars.
MATCH_THRESHOLD = 0.4
# Share of the characters that the quote and the passage found must have in common.
MIN_SIMILARITY = 0.6
# The bitap search handles patterns up to this many characters.
_MATCH_BITS = 32
# How far from the expected place a fuzzy match may be (characters, per unit of score).
_MATCH_DISTANCE = 1000


def _common_prefix(one: str, two: str) -> int:
    n = min(len(one), len(two))
    i = 0
    while i < n and one[i] == two[i]:
        i += 1
    return i


def _common_suffix(one: str, two: str) -> int:
    n = min(len(one), len(two))
    i = 0
    while i < n and one[-1 - i] == two[-1 - i]:
        i += 1
    return i


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    before = _common_suffix(prefix, text[max(0, start - len(prefix)) : start])
    after = _common_prefix(suffix, text[end : end + len(suffix)])
    return before + after


def _exact(
    text: str, exact: str, prefix: str, suffix: str, position: int | None
) -> tuple[int, int] | None:
    best: tuple[int, int, int] | None = None  # (score, -distance, -start)
    start = text.find(exact)
    while start != -1:
        score = _context_score(text, start, start + len(exact), prefix, suffix)
        distance = abs(start - position) if position is not None else 0
        key = (score, -distance, -start)
        if best is None or key > best:
            best = key
        start = text.find(exact, start + 1)
    if best is None:
        return None
    return -best[2], -best[2] + len(exact)


def _expected_start(text: str, exact: str, prefix: str, suffix: str) -> int | None:
    """Where the context says the quote should start, when the context is still there."""
    if prefix:
        tail = prefix[-_MATCH_BITS:]
        found = text.find(tail)
        if found != -1:
            return found + len(tail)
    if suffix:
        head = suffix[:_MATCH_BITS]
        found = text.find(head)
        if found != -1:
            return max(0, found - len(exact))
    return None


def _fuzzy(
    text: str, exact: str, prefix: str, suffix: str, position: int | None
) -> tuple[int, int] | None:
    dmp = diff_match_patch()
    dmp.Match_Threshold = MATCH_THRESHOLD
    loc = position if position is not None else _expected_start(text, exact, prefix, suffix)
    if loc is None:
        # Nothing says where to look: judge the candidates by accuracy alone.
        loc = 0
        dmp.Match_Distance = max(_MATCH_DISTANCE, 1000 * len(text))
    else:
        dmp.Match_Distance = _MATCH_DISTANCE
    loc = max(0, min(loc, len(text)))
    head = exact[:_MATCH_BITS]
    found = dmp.match_main(text, head, loc)
    if found == -1:
        return None
    # Where the quote should end: after its last characters when it is longer than the
    # head, else one quote's length on.
    expected_end = found + len(exact)
    if len(exact) > _MATCH_BITS:
        tail = exact[-_MATCH_BITS:]
        found_tail = dmp.match_main(text, tail, found + len(exact) - len(tail))
        if found_tail > found:
            expected_end = found_tail + len(tail)
    boundaries = [0, *accumulate(len(token) for token in tokenize(text))]
    start = boundaries[bisect_right(boundaries, found) - 1]
    slack = max(8, len(exact) // 4)
    window_end = boundaries[bisect_left(boundaries, min(len(text), expected_end + slack))]
    window = text[start:window_end]
    expected_end = boundaries[bisect_left(boundaries, min(len(text), expected_end))] - start

    # Align the quote with the window (which starts where the quote's head was found). The
    # passage runs from the first to the last piece the quote still has in common with it;
    # where the quote's first or last words were replaced (a deletion at that end), it runs
    # to the window's start, or to where the quote was expected to end.
    first: int | None = None
    last = 0
    deleted_before = deleted_after = False
    in_common = 0
    offset = 0
    for op, piece in diff_token_lists(tokenize(exact), tokenize(window), cleanup=False):
        if op == EQUAL:
            if first is None:
                first = 0 if deleted_before else offset
            offset += len(piece)
            last = offset
            in_common += len(piece)
            deleted_after = False
        elif op == INSERT:
            offset += len(piece)
        elif first is None:
            deleted_before = True
        else:
            deleted_after = True
    if first is None:
        return None
    if deleted_after:
        last = max(last, min(expected_end, offset))
    # Whitespace at the edges belongs to the passage only if the quote had it there.
    if not exact[0].isspace():
        while first < last and window[first].isspace():
            first += 1
    if not exact[-1].isspace():
        while last > first and window[last - 1].isspace():
            last -= 1
    if first == last:
        return None
    similarity = 2 * in_common / (len(exact) + (last - first))
    if similarity < MIN_SIMILARITY:
        return None
    return start + first, start + last


def find_anchor(
    text: str, exact: str, prefix: str, suffix: str, *, position: int | None = None
) -> tuple[int, int] | None:
    """Find the quote ``exact`` (with the context ``prefix`` and ``suffix``) in ``text``.

    Returns the passage's ``(start, end)`` code-point offsets in ``text``, or ``None`` when
    it changed too much. ``position``, when known (for example the quote's offset in the
    revision it was made on), says where to prefer a match.
    """
    if not exact:
        return None
    found = _exact(text, exact, prefix, suffix, position)
    if found is not None:
        return found
    return _fuzzy(text, exact, prefix, suffix, position)
