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
from constitution.diffing.tokens import tokenize

__all__ = ["Budget", "Diff", "coarse_diff", "diff_texts", "sentences"]

# The characters that end a sentence (the Burmese full stop and comma, and Latin ones).
SENTENCE_ENDS = frozenset("။၊.!?")
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
    return Diff(coarse_diff(old, new, budget, exact_failed=seconds > 0), simplified=True)


def sentences(tokens: Iterable[str]) -> list[list[str]]:
    """The tokens grouped into sentences (see the module's documentation)."""
    groups: list[list[str]] = []
    current: list[str] = []
    ended = False
    for token in tokens:
        first = token[0]
        if first.isspace():
            current.append(token)
            if ended or "\n" in token or "\r" in token:
                groups.append(current)
                current = []
                ended = False
            continue
        if first in SENTENCE_ENDS:
            current.append(token)
            ended = True
            continue
        if ended:
            groups.append(current)
            current = []
            ended = False
        current.append(token)
    if current:
        groups.append(current)
    return groups


def coarse_diff(old: str, new: str, budget: Budget, *, exact_failed: bool = False) -> list[Pair]:
    """A diff by sentences, then by tokens within the changed runs of sentences.

    ``exact_failed`` says a token diff of the whole texts has just run out of time: a run
    of changed sentences is then diffed on tokens only when it is small.
    """
    old_groups = sentences(tokenize(old))
    new_groups = sentences(tokenize(new))
    a = ["".join(g) for g in old_groups]
    b = ["".join(g) for g in new_groups]
    matches: list[tuple[int, int]] = []
    _align(a, b, 0, len(a), 0, len(b), ALIGN_DEPTH, matches)
    pairs: list[Pair] = []
    i = j = 0
    for mi, mj in [*matches, (len(a), len(b))]:
        if i < mi or j < mj:
            old_tokens = [t for g in old_groups[i:mi] for t in g]
            new_tokens = [t for g in new_groups[j:mj] for t in g]
            pairs.extend(_region(old_tokens, new_tokens, budget, exact_failed))
        if mi < len(a):
            pairs.append((EQUAL, a[mi]))
        i, j = mi + 1, mj + 1
    return _canonical(pairs)


def _region(old: list[str], new: list[str], budget: Budget, exact_failed: bool) -> list[Pair]:
    """One run of changed sentences: diffed on tokens when cheap or affordable."""
    if not old or not new:
        return [(DELETE, "".join(old))] if old else [(INSERT, "".join(new))]
    if len(old) * len(new) <= SMALL_REGION:
        return diff_token_lists(old, new)
    seconds = 0.0 if exact_failed else budget.attempt()
    if seconds > 0:
        try:
            return diff_token_lists(old, new, deadline=time.time() + seconds)
        except TimedOut:
            pass
    return [(DELETE, "".join(old)), (INSERT, "".join(new))]


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
