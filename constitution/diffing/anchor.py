"""Find a quoted passage again in a later revision of its text.

A comment on a passage stores the quote with some context before and after it (like the W3C
Web Annotation text-quote selector). :func:`find_anchor` looks for it in a new text:

1. **Exactly**: every occurrence of the quote is scored by how much of the stored context
   surrounds it, and the best one wins (ties go to the one nearest ``position`` when given,
   else to the first). A quote of whole tokens counts only where it is whole tokens again
   (``statute`` does not occur in ``statutes``, nor ``က`` in ``ကား``).
2. **Fuzzily**, when the quote no longer occurs: diff-match-patch's ``match_main`` (a bitap
   search, limited to 32 characters) finds the first 32 characters of the quote near where
   the context puts it (and the last 32 of a longer quote). The quote with its context is
   then aligned, by a token diff, with the text around that place: the passage runs from
   where the quote's start maps to where its end maps (a replaced first or last word is
   included, text inserted just before or after is not). It is accepted only when quote and
   passage have :data:`MIN_SIMILARITY` of their characters in common. The result starts and
   ends on token boundaries, so it never cuts a Burmese syllable.

``None`` means the passage changed too much: show it as "passage changed" with the old quote.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate

from diff_match_patch import diff_match_patch

from constitution.diffing.diff import DELETE, EQUAL, INSERT, diff_token_lists
from constitution.diffing.tokens import common_prefix, common_suffix, tokenize

__all__ = ["MATCH_THRESHOLD", "MIN_SIMILARITY", "find_anchor", "find_exact"]

# diff-match-patch's bitap threshold (0.0 exact, 1.0 anything) for the quote's first chars.
MATCH_THRESHOLD = 0.4
# Share of the characters that the quote and the passage found must have in common.
MIN_SIMILARITY = 0.6
# The bitap search handles patterns up to this many characters.
_MATCH_BITS = 32
# How far from the expected place a fuzzy match may be (characters, per unit of score).
_MATCH_DISTANCE = 1000
# Characters of context on each side aligned along with the quote.
_CONTEXT = 32


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    before = common_suffix(prefix, text[max(0, start - len(prefix)) : start])
    after = common_prefix(suffix, text[end : end + len(suffix)])
    return before + after


def _exact(
    text: str,
    exact: str,
    prefix: str,
    suffix: str,
    position: int | None,
    boundaries: list[int],
) -> tuple[int, int] | None:
    # A quote that began and ended on token boundaries (whole syllables, whole words) is only
    # found where it does so again: "statute" is not in "statutes", nor "က" in "ကား".
    whole = set(accumulate(map(len, tokenize(prefix + exact + suffix)), initial=0))
    aligned = len(prefix) in whole and len(prefix) + len(exact) in whole
    at_boundary = set(boundaries) if aligned else None
    best: tuple[int, int, int] | None = None  # (score, -distance, -start)
    start = text.find(exact)
    while start != -1:
        end = start + len(exact)
        if at_boundary is None or (start in at_boundary and end in at_boundary):
            score = _context_score(text, start, end, prefix, suffix)
            distance = abs(start - position) if position is not None else 0
            key = (score, -distance, -start)
            if best is None or key > best:
                best = key
        start = text.find(exact, start + 1)
    if best is None:
        return None
    start = -best[2]
    return _snap_down(boundaries, start), _snap_up(boundaries, start + len(exact))


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
    text: str,
    exact: str,
    prefix: str,
    suffix: str,
    position: int | None,
    boundaries: list[int],
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
    # Align the quote, with its context around it, against the stretch of text around that
    # match. Token diff, minimal (no cleanup), so that every token in common anchors it.
    before = prefix[-_CONTEXT:]
    after = suffix[:_CONTEXT]
    slack = max(8, len(exact) // 4)
    window_start = _snap_down(boundaries, found - len(before) - slack)
    window_end = _snap_up(boundaries, expected_end + len(after) + slack)
    window = text[window_start:window_end]
    pairs = diff_token_lists(tokenize(before + exact + after), tokenize(window), cleanup=False)
    blocks = _blocks(pairs)
    quote_start = len(before)
    quote_end = quote_start + len(exact)
    # A replaced first or last word is taken in, but no further than where the bitap search
    # put the quote's start and end.
    first = _map_start(blocks, quote_start, _snap_down(boundaries, found) - window_start)
    last = _map_end(blocks, quote_end, _snap_up(boundaries, expected_end) - window_start)
    # Whitespace at the edges belongs to the passage only if the quote had it there.
    if not exact[0].isspace():
        while first < last and window[first].isspace():
            first += 1
    if not exact[-1].isspace():
        while last > first and window[last - 1].isspace():
            last -= 1
    if last <= first:
        return None
    in_common = sum(
        max(0, min(old_end, quote_end) - max(old_start, quote_start))
        for equal, old_start, old_end, _, _ in blocks
        if equal
    )
    if 2 * in_common / (len(exact) + (last - first)) < MIN_SIMILARITY:
        return None
    # Whole tokens only (a quote may have been selected from inside a syllable).
    return (
        _snap_down(boundaries, window_start + first),
        _snap_up(boundaries, window_start + last),
    )


def _snap_down(boundaries: list[int], offset: int) -> int:
    return boundaries[bisect_right(boundaries, max(0, offset)) - 1]


def _snap_up(boundaries: list[int], offset: int) -> int:
    return boundaries[bisect_left(boundaries, min(boundaries[-1], offset))]


# (equal, old start, old end, new start, new end): a run of text in common, or a change.
_Block = tuple[bool, int, int, int, int]


def _blocks(pairs: list[tuple[int, str]]) -> list[_Block]:
    """The pieces of a diff as offsets, each run of changes merged into one block."""
    blocks: list[_Block] = []
    old = new = 0
    for op, piece in pairs:
        old_end = old + (len(piece) if op != INSERT else 0)
        new_end = new + (len(piece) if op != DELETE else 0)
        if op != EQUAL and blocks and not blocks[-1][0]:
            _, old_start, _, new_start, _ = blocks.pop()
            blocks.append((False, old_start, old_end, new_start, new_end))
        else:
            blocks.append((op == EQUAL, old, old_end, new, new_end))
        old, new = old_end, new_end
    return blocks


def _map_start(blocks: list[_Block], offset: int, floor: int) -> int:
    """Where the old ``offset`` starts a passage in the new text.

    Inside text in common, the same place; inside (or at the start of) a change, the start of
    the change, so that a replaced first word is part of the passage, but not before
    ``floor``. Text inserted right before the passage is not part of it.
    """
    for equal, old_start, old_end, new_start, new_end in blocks:
        if old_start <= offset < old_end:
            if equal:
                return new_start + offset - old_start
            return max(new_start, min(new_end, floor))
    return blocks[-1][4] if blocks else 0


def _map_end(blocks: list[_Block], offset: int, ceiling: int) -> int:
    """Where the old ``offset`` ends a passage in the new text.

    Inside text in common, the same place; inside (or at the end of) a change, the end of
    the change, so that a replaced last word is part of the passage, but not after
    ``ceiling``. Text inserted right after the passage is not part of it.
    """
    for equal, old_start, old_end, new_start, new_end in blocks:
        if old_start < offset <= old_end:
            if equal:
                return new_start + offset - old_start
            return min(new_end, max(new_start, ceiling))
    return 0


def find_exact(
    text: str, exact: str, prefix: str, suffix: str, *, position: int | None = None
) -> tuple[int, int] | None:
    """Where the quote's exact words still are in ``text`` (step 1 of :func:`find_anchor`
    alone), or None: a passage is "found" only when its words are all still there."""
    if not exact:
        return None
    boundaries = list(accumulate(map(len, tokenize(text)), initial=0))
    return _exact(text, exact, prefix, suffix, position, boundaries)


def find_anchor(
    text: str, exact: str, prefix: str, suffix: str, *, position: int | None = None
) -> tuple[int, int] | None:
    """Find the quote ``exact`` (with the context ``prefix`` and ``suffix``) in ``text``.

    Returns the passage's ``(start, end)`` code-point offsets in ``text``, always on token
    boundaries (a quote selected from inside a syllable is widened to whole syllables), or
    ``None`` when it changed too much. ``position``, when known (for example the quote's
    offset in the revision it was made on), says where to prefer a match.
    """
    if not exact:
        return None
    boundaries = list(accumulate(map(len, tokenize(text)), initial=0))
    found = _exact(text, exact, prefix, suffix, position, boundaries)
    if found is not None:
        return found
    return _fuzzy(text, exact, prefix, suffix, position, boundaries)
