"""Three-way merge on tokens, and conflict detection between edits of the same text.

``merge3(base, ours, theirs)`` rebases an amendment: ``ours`` is the amendment's text (base →
proposal) and ``theirs`` is the provision's current text (base → current). Each side's edits
of ``base`` are computed with :func:`~constitution.diffing.diff.diff_tokens` and expressed as
ranges of ``base`` (code-point offsets, always on token boundaries). When no edit of one
side overlaps or touches an edit of the other, both sets are applied to ``base``; otherwise
the merge reports the conflicts and produces no text. Nothing is ever matched fuzzily:
diff-match-patch's ``patch_apply`` would report real conflicts as success (DESIGN.md).

"Touch" is deliberately wide, because a wrong merge changes a constitution without anyone
seeing it while a false conflict only asks a person to look:

* an edit's range is first widened to whole words of ``base`` (ICU's dictionary word break,
  which finds the words of Burmese, where spaces separate phrases rather than words), so
  edits of two syllables of one Burmese word touch;
* ranges that overlap, or that meet end to start, touch; an insertion touches a range when it
  is at either of its ends or inside it, and two insertions at the same place touch.

When both sides made the same change to a region (identical edits), that is not a conflict:
the change is taken once.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from constitution.diffing.bounded import Budget, diff_texts
from constitution.diffing.diff import DELETE, EQUAL
from constitution.diffing.tokens import cut_after, cut_before, tokenize

__all__ = ["Edit", "MergeConflict", "MergeResult", "changed_ranges", "edits", "merge3", "overlaps"]


@dataclass(frozen=True)
class Edit:
    """``base[start:end]`` replaced by ``text``; ``start == end`` is an insertion."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class MergeConflict:
    """A region of ``base`` that both sides changed differently, for display.

    ``start``/``end`` are code-point offsets in ``base``; ``base``, ``ours`` and ``theirs``
    are that region's text in the base, as the amendment has it, and as the current text has
    it.
    """

    start: int
    end: int
    base: str
    ours: str
    theirs: str


@dataclass(frozen=True)
class MergeResult:
    """The merged text, or ``None`` with the conflicts that prevented it."""

    text: str | None
    conflicts: tuple[MergeConflict, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts


def edits(base: str, new: str, budget: Budget | None = None) -> list[Edit]:
    """The edits that turn ``base`` into ``new``, in order, as ranges of ``base``.

    Past the ``budget`` the diff is a coarser one (by sentence): its edits are larger, so a
    merge sees more conflicts, never a wrong merge.
    """
    result: list[Edit] = []
    position = 0
    start: int | None = None
    inserted: list[str] = []
    for op, text in diff_texts(base, new, budget if budget is not None else Budget(None)).pairs:
        if op == EQUAL:
            if start is not None:
                result.append(Edit(start, position, "".join(inserted)))
                start = None
                inserted = []
            position += len(text)
            continue
        if start is None:
            start = position
        if op == DELETE:
            position += len(text)
        else:
            inserted.append(text)
    if start is not None:
        result.append(Edit(start, position, "".join(inserted)))
    return result


def changed_ranges(base: str, new: str) -> list[tuple[int, int]]:
    """The ranges of ``base`` (code-point offsets) that ``new`` changed.

    A deletion or replacement is ``(start, end)``; an insertion is the empty ``(at, at)``.
    """
    return [(edit.start, edit.end) for edit in edits(base, new)]


# ICU break iterators are not thread-safe: one per thread.
_local = threading.local()


def _word_iterator() -> Any:
    iterator = getattr(_local, "words", None)
    if iterator is None:
        import icu

        iterator = icu.BreakIterator.createWordInstance(icu.Locale("my"))
        _local.words = iterator
    return iterator


def _word_boundaries(text: str) -> list[int]:
    """Offsets (code points) of the word boundaries of ``text``, from 0 to ``len(text)``."""
    iterator = _word_iterator()
    iterator.setText(text)
    utf16 = [0, *iterator]
    if not text or max(text) <= "\uffff":
        return utf16
    # ICU counts UTF-16 code units; map them back to code points.
    code_points: dict[int, int] = {}
    unit = 0
    for index, char in enumerate(text):
        code_points[unit] = index
        unit += 2 if char > "\uffff" else 1
    code_points[unit] = len(text)
    return [code_points[b] for b in utf16 if b in code_points]


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    side: int
    edit: Edit


class _Words:
    """Widens edits of ``base`` to whole words, ending on token boundaries of ``base``.

    Words never span whitespace, so only the stretch between the runs of whitespace around
    an edit is segmented.
    """

    def __init__(self, base: str) -> None:
        self.base = base

    def widen(self, edit: Edit) -> tuple[int, int]:
        low = cut_before(self.base, edit.start)
        high = cut_after(self.base, edit.end - 1)
        stretch = self.base[low:high]
        words = [low + offset for offset in _word_boundaries(stretch)]
        floor = words[bisect_right(words, edit.start) - 1]
        if edit.start == edit.end and floor == edit.start:
            return edit.start, edit.end  # an insertion between two words stays a point
        index = bisect_left(words, edit.end)
        ceiling = words[index] if index < len(words) else edit.end
        start = min(edit.start, floor)
        end = max(edit.end, ceiling)
        # ICU may break where the tokenizer does not: keep whole tokens.
        tokens = list(accumulate(map(len, tokenize(stretch)), initial=low))
        start = tokens[bisect_right(tokens, start) - 1]
        end = tokens[bisect_left(tokens, end)]
        return start, end


def _spans(words: _Words, side: int, side_edits: Sequence[Edit]) -> list[_Span]:
    return [_Span(*words.widen(edit), side, edit) for edit in side_edits]


def _touch(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start <= b_end and b_start <= a_end


def _apply(base: str, start: int, end: int, side_edits: Sequence[Edit]) -> str:
    """``base[start:end]`` with ``side_edits`` (all inside it, in order) applied."""
    parts: list[str] = []
    position = start
    for edit in side_edits:
        parts.append(base[position : edit.start])
        parts.append(edit.text)
        position = edit.end
    parts.append(base[position:end])
    return "".join(parts)


def overlaps(base: str, a: str, b: str) -> bool:
    """Whether two edits of the same ``base`` touch the same words (see the module doc).

    Two amendments that make the same change also overlap here: both cannot be adopted as
    separate changes. (``merge3`` on the other hand accepts identical changes.)
    """
    if a == base or b == base:
        return False
    words = _Words(base)
    spans_a = _spans(words, 0, edits(base, a))
    spans_b = _spans(words, 1, edits(base, b))
    return any(_touch(x.start, x.end, y.start, y.end) for x in spans_a for y in spans_b)


def merge3(base: str, ours: str, theirs: str, budget: Budget | None = None) -> MergeResult:
    """Merge two edits of ``base``: ``ours`` (an amendment) and ``theirs`` (the current text).

    Both diffs share the ``budget`` (see :func:`edits`).

    Returns the merged text when the two sides' edits do not touch (or are identical), or
    ``text=None`` with every conflicting region. ``merge3(base, x, base)`` is ``x`` and
    ``merge3(base, base, y)`` is ``y``.
    """
    if ours == theirs or theirs == base:
        return MergeResult(ours)
    if ours == base:
        return MergeResult(theirs)
    words = _Words(base)
    spans = _spans(words, 0, edits(base, ours, budget)) + _spans(
        words, 1, edits(base, theirs, budget)
    )
    spans.sort(key=lambda span: (span.start, span.end, span.side))

    # Group the spans into clusters of transitively touching ones.
    clusters: list[list[_Span]] = []
    cluster_end = -1
    for span in spans:
        if clusters and span.start <= cluster_end:
            clusters[-1].append(span)
            cluster_end = max(cluster_end, span.end)
        else:
            clusters.append([span])
            cluster_end = span.end

    parts: list[str] = []
    conflicts: list[MergeConflict] = []
    position = 0
    for cluster in clusters:
        start = min(span.start for span in cluster)
        end = max(span.end for span in cluster)
        mine = sorted((s.edit for s in cluster if s.side == 0), key=lambda e: (e.start, e.end))
        other = sorted((s.edit for s in cluster if s.side == 1), key=lambda e: (e.start, e.end))
        ours_region = _apply(base, start, end, mine)
        theirs_region = _apply(base, start, end, other)
        if mine and other and ours_region != theirs_region:
            conflicts.append(
                MergeConflict(start, end, base[start:end], ours_region, theirs_region),
            )
            continue
        parts.append(base[position:start])
        parts.append(ours_region if mine else theirs_region)
        position = end
    if conflicts:
        return MergeResult(None, tuple(conflicts))
    parts.append(base[position:])
    return MergeResult("".join(parts))
