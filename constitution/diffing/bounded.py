"""Diffs within a time budget, with a coarser diff when time runs out.

A request that shows diffs gives every one of them the same :class:`Budget`: a deadline for
all of them together. :func:`diff_texts` first tries the token diff of
:mod:`~constitution.diffing.diff` with part of what is left (at most ``DIFF_TIMEOUT``, at
most half the budget, so one hard diff cannot take all of it); when that does not finish,
or nothing is left, it makes a **coarse diff** instead and says so (``simplified=True``):

1. both texts are cut into **sentences**: runs of whole tokens ending after ``။ ၊ . ! ?``
   (with the spaces after them) or after a line break;
2. the sentences are aligned as patience diff does: the common start and end, then the
   sentences found exactly once in each text, in the longest increasing order, and the
   same again between those anchors (a few levels deep). When the texts share a sentence but
   none is unique, the first old sentence found in the new text anchors them, so texts that
   share a sentence never come out as "delete everything, insert everything";
3. each run of changed sentences is diffed on tokens when that is small (always cheap) or
   while the budget lasts, and otherwise left as a deletion and an insertion of whole
   sentences.

Every step is linear in the text or bounded by a constant, so a coarse diff costs a few
milliseconds even for 50,000 characters. The result keeps the contract of
:func:`~constitution.diffing.diff.diff_tokens`: the equal and deleted pieces join up to the
old text, the equal and inserted ones to the new; every piece is whole tokens (never inside a
Myanmar syllable); adjacent pieces differ in op; a deletion comes before its insertion.
"""

from __future__ import annotations

import math
import re
import time
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from constitution.diffing.diff import (
    DELETE,
    DIFF_TIMEOUT,
    EQUAL,
    INSERT,
    Pair,
    TimedOut,
    diff_token_lists,
    diff_tokens,
)
from constitution.diffing.tokens import MARKS, tokenize

__all__ = ["Budget", "Diff", "coarse_diff", "diff_texts", "sentences"]

# The characters that end a sentence (the Burmese full stop and comma, and Latin ones).
SENTENCE_ENDS = frozenset("။၊.!?")
_ENDS = "".join(sorted(SENTENCE_ENDS))
# A sentence end with its marks and the whitespace after it; or a run of whitespace with a
# line break, matched only from the run's start (so a long run of spaces costs linear time).
_SENTENCE_END = re.compile(
    f"[{re.escape(_ENDS)}]{MARKS}(?:\\s+{MARKS})?|(?<![^\\S\\n\\r])[^\\S\\n\\r]*[\\n\\r]\\s*{MARKS}"
)
# A run of changed sentences longer than this (in characters, on either side) is diffed on
# tokens only while the budget lasts.
SMALL_REGION_CHARS = 2000
# A run of changed sentences whose token counts multiply to at most this is always diffed on
# tokens, budget or not: diff-match-patch then does at most a few thousand steps.
SMALL_REGION = 4096
# How many levels of anchors within anchors the alignment looks for.
ALIGN_DEPTH = 12


class Budget:
    """The time all diffs of one request may take together; ``None`` for no limit but the
    ``DIFF_TIMEOUT`` of each diff."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._ends = None if seconds is None else time.monotonic() + max(seconds, 0.0)
        # True once a diff was simplified to stay within it: what was built with it is
        # coarser than it would be with time to spare (a kept page is not kept).
        self.ran_out = False

    def remaining(self) -> float:
        if self._ends is None:
            return math.inf
        return max(0.0, self._ends - time.monotonic())

    def attempt(self) -> float:
        """Seconds the next exact diff may take (0: do not try one)."""
        if self.seconds is None:
            return DIFF_TIMEOUT
        return min(self.remaining(), DIFF_TIMEOUT, self.seconds / 2)


@dataclass(frozen=True)
class Diff:
    """A diff's pairs, and whether it was simplified to stay within the budget."""

    pairs: list[Pair]
    simplified: bool = False

    @property
    def changed(self) -> bool:
        return any(op != EQUAL for op, _ in self.pairs)


def diff_texts(old: str, new: str, budget: Budget) -> Diff:
    """The token diff of two texts when it fits the budget, else a coarse one."""
    if old == new:
        return Diff([(EQUAL, old)] if old else [])
    if not old or not new:
        return Diff([(DELETE, old)] if old else [(INSERT, new)])
    seconds = budget.attempt()
    if seconds > 0:
        try:
            return Diff(diff_tokens(old, new, deadline=time.time() + seconds))
        except TimedOut:
            pass
    budget.ran_out = True
    return Diff(coarse_diff(old, new, budget, exact_failed=seconds > 0), simplified=True)


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (see the module's documentation); they join up to it.

    Each cut falls where a token ends: after a sentence end with its combining marks and
    the whitespace (and marks) after it, or after a run of whitespace with a line break.
    """
    found: list[str] = []
    start = 0
    for cut in _SENTENCE_END.finditer(text):
        end = cut.end()
        if end > start:
            found.append(text[start:end])
            start = end
    if start < len(text):
        found.append(text[start:])
    return found


def coarse_diff(old: str, new: str, budget: Budget, *, exact_failed: bool = False) -> list[Pair]:
    """A diff by sentences, then by tokens within the changed runs of sentences.

    ``exact_failed`` says a token diff of the whole texts has just run out of time: a run
    of changed sentences is then diffed on tokens only when it is small.
    """
    a = sentences(old)
    b = sentences(new)
    matches: list[tuple[int, int]] = []
    _align(a, b, 0, len(a), 0, len(b), ALIGN_DEPTH, matches)
    pairs: list[Pair] = []
    i = j = 0
    for mi, mj in [*matches, (len(a), len(b))]:
        if i < mi or j < mj:
            pairs.extend(_region("".join(a[i:mi]), "".join(b[j:mj]), budget, exact_failed))
        if mi < len(a):
            pairs.append((EQUAL, a[mi]))
        i, j = mi + 1, mj + 1
    return _canonical(pairs)


def _region(old: str, new: str, budget: Budget, exact_failed: bool) -> list[Pair]:
    """One run of changed sentences (cut where tokens end, so tokenized on its own it has
    the tokens it has in the whole text): diffed on tokens when cheap or affordable."""
    if not old or not new:
        return [(DELETE, old)] if old else [(INSERT, new)]
    seconds = 0.0 if exact_failed else budget.attempt()
    small = len(old) <= SMALL_REGION_CHARS and len(new) <= SMALL_REGION_CHARS
    if small or seconds > 0:
        old_tokens, new_tokens = tokenize(old), tokenize(new)
        if len(old_tokens) * len(new_tokens) <= SMALL_REGION:
            return diff_token_lists(old_tokens, new_tokens)
        if seconds > 0:
            try:
                return diff_token_lists(old_tokens, new_tokens, deadline=time.time() + seconds)
            except TimedOut:
                pass
    return [(DELETE, old), (INSERT, new)]


def _align(
    a: Sequence[str],
    b: Sequence[str],
    alo: int,
    ahi: int,
    blo: int,
    bhi: int,
    depth: int,
    out: list[tuple[int, int]],
) -> None:
    """Append to ``out``, in order, index pairs of equal sentences of ``a[alo:ahi]`` and
    ``b[blo:bhi]``: the common start and end, and anchors between them."""
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        out.append((alo, blo))
        alo += 1
        blo += 1
    tail: list[tuple[int, int]] = []
    while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
        ahi -= 1
        bhi -= 1
        tail.append((ahi, bhi))
    if alo < ahi and blo < bhi and depth > 0:
        anchors = _unique_anchors(a, b, alo, ahi, blo, bhi) or _any_anchor(a, b, alo, ahi, blo, bhi)
        i, j = alo, blo
        for ai, bj in anchors:
            _align(a, b, i, ai, j, bj, depth - 1, out)
            out.append((ai, bj))
            i, j = ai + 1, bj + 1
        if anchors:
            _align(a, b, i, ahi, j, bhi, depth - 1, out)
    out.extend(reversed(tail))


def _unique_anchors(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Sentences found once in each range, the longest run of them in the same order."""
    count_a: dict[str, int] = {}
    for i in range(alo, ahi):
        count_a[a[i]] = count_a.get(a[i], 0) + 1
    where_b: dict[str, int] = {}
    count_b: dict[str, int] = {}
    for j in range(blo, bhi):
        if count_a.get(b[j]) == 1:
            count_b[b[j]] = count_b.get(b[j], 0) + 1
            where_b[b[j]] = j
    candidates = [
        (i, where_b[a[i]]) for i in range(alo, ahi) if count_a[a[i]] == 1 and count_b.get(a[i]) == 1
    ]
    return _longest_increasing(candidates)


def _longest_increasing(candidates: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``candidates`` (increasing in the first index) whose
    second indexes increase too (patience sorting, n log n)."""
    tails: list[int] = []  # the second index ending each pile's best run
    ends: list[int] = []  # the candidate ending it
    back: list[int] = []
    for n, (_, j) in enumerate(candidates):
        pile = bisect_left(tails, j)
        if pile == len(tails):
            tails.append(j)
            ends.append(n)
        else:
            tails[pile] = j
            ends[pile] = n
        back.append(ends[pile - 1] if pile else -1)
    run: list[tuple[int, int]] = []
    n = ends[-1] if ends else -1
    while n >= 0:
        run.append(candidates[n])
        n = back[n]
    return run[::-1]


def _any_anchor(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """The first old sentence also in the new range, at its first place there."""
    first: dict[str, int] = {}
    for j in range(blo, bhi):
        first.setdefault(b[j], j)
    for i in range(alo, ahi):
        if a[i] in first:
            return [(i, first[a[i]])]
    return []


def _canonical(pairs: Iterable[Pair]) -> list[Pair]:
    """No empty pieces, no two neighbours with the same op, a deletion before its insertion."""
    out: list[Pair] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if deleted:
            out.append((DELETE, "".join(deleted)))
            deleted.clear()
        if inserted:
            out.append((INSERT, "".join(inserted)))
            inserted.clear()

    for op, text in pairs:
        if not text:
            continue
        if op == DELETE:
            deleted.append(text)
        elif op == INSERT:
            inserted.append(text)
        else:
            flush()
            if out and out[-1][0] == EQUAL:
                out[-1] = (EQUAL, out[-1][1] + text)
            else:
                out.append((EQUAL, text))
    flush()
    return out
