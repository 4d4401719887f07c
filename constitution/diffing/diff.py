"""Token-level diffs of two texts.

Each distinct token (see :mod:`constitution.diffing.tokens`) is mapped to one character of a
private-use area, diff-match-patch diffs the two encoded strings, semantic cleanup runs, and
the result is mapped back to text. One encoded character stands for one whole token, so no
piece of the result can start or end inside a Myanmar syllable, a stacked consonant or a
word, and no piece starts with a combining mark (except at the very start of a text that
itself starts with one). The mapping goes from tokens to characters, never the other way, so
texts that contain private-use characters themselves are diffed correctly too.

Only the stretch between the unchanged start and end of the two texts is tokenized (cut at
whitespace, a phrase further out, so that the result is the same as for the whole texts);
one pseudo-token stands for each unchanged end. A one-word amendment to a long article
costs little more than the word.

The result is a list of ``(op, text)`` pairs as diff-match-patch writes them: ``-1`` delete,
``0`` equal, ``1`` insert. Adjacent pairs never share an op, no text is empty, and within a
run of changes the deletion comes before the insertion.

Both texts should be NFC-normalised by the caller (see MYANMAR.md); they are never changed
here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate

import fast_diff_match_patch
from diff_match_patch import diff_match_patch

from constitution.diffing.tokens import common_suffix, cut_after, cut_before, tokenize

__all__ = [
    "DELETE",
    "DIFF_TIMEOUT",
    "ENGINES",
    "EQUAL",
    "INSERT",
    "Pair",
    "TimedOut",
    "diff_token_lists",
    "diff_tokens",
    "middle",
    "new_text",
    "old_text",
]

DELETE = -1
EQUAL = 0
INSERT = 1

Pair = tuple[int, str]

# Seconds diff-match-patch may spend before it settles for a valid but less minimal diff.
DIFF_TIMEOUT = 1.0


class TimedOut(Exception):
    """A diff given a ``deadline`` did not finish by then (its result would be a poor one)."""


# Code points handed out to tokens, in order: the Basic Multilingual Plane's private use area,
# the supplementary private use areas A and B, and then (only for inputs with more than 137,000
# distinct tokens) any other code point: the encoded strings only need one character per token.
_CODE_BLOCKS = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD), (0x10000, 0xEFFFF))
_BMP_PUA_SIZE = 0xF8FF - 0xE000 + 1

# Boundary kinds of a token, for placing an edit among equivalent positions.
_WORD, _PUNCT, _SPACE, _BREAK, _BLANK = range(5)


class _TokenDiffer(diff_match_patch):  # type: ignore[misc]
    """diff-match-patch for token-encoded strings.

    Its lossless semantic cleanup slides each edit to a boundary it scores by looking at
    characters (letters, spaces, line breaks); in an encoded string every character is a
    private-use one and every position scores the same. That pass is switched off here and
    :func:`_slide_edits` does the same job looking at the tokens.
    """

    def diff_cleanupSemanticLossless(self, diffs: list[tuple[int, str]]) -> None:
        return None


# diff_main only reads its settings, so one instance serves every thread.
_DMP = _TokenDiffer()
_DMP.Diff_Timeout = DIFF_TIMEOUT

# The C++ diff-match-patch writes its ops as characters.
_OPS = {"=": EQUAL, "-": DELETE, "+": INSERT}


def _cpp_diff(old: str, new: str, cleanup: bool, deadline: float | None) -> list[tuple[int, str]]:
    """diff_main (and the semantic cleanup) of the C++ diff-match-patch.

    It releases the GIL while it works. Its semantic cleanup includes the lossless pass,
    which on private-use characters only moves edits among equivalent positions:
    :func:`_slide_edits` then places them as it would after the Python cleanup.
    """
    if deadline is None:
        limit = DIFF_TIMEOUT
    else:
        limit = deadline - time.time()
        if limit <= 0:
            raise TimedOut
    diffs = fast_diff_match_patch.diff(
        old,
        new,
        timelimit=limit,
        checklines=False,
        cleanup="Semantic" if cleanup else "No",
        counts_only=False,
    )
    return [(_OPS[op], text) for op, text in diffs]


def _python_diff(
    old: str, new: str, cleanup: bool, deadline: float | None
) -> list[tuple[int, str]]:
    """The same with the pure-Python diff-match-patch: the reference in property tests."""
    diffs: list[tuple[int, str]] = _DMP.diff_main(old, new, False, deadline)
    if deadline is not None and time.time() > deadline:
        raise TimedOut
    if cleanup:
        _DMP.diff_cleanupSemantic(diffs)
    return diffs


# The diff-match-patch cores a diff can run on: the C++ one serves, the Python one is the
# reference the tests hold it to.
ENGINES: dict[str, Callable[[str, str, bool, float | None], list[tuple[int, str]]]] = {
    "cpp": _cpp_diff,
    "python": _python_diff,
}


def _code_point(index: int) -> str:
    if index < _BMP_PUA_SIZE:
        return chr(0xE000 + index)
    for first, last in _CODE_BLOCKS:
        size = last - first + 1
        if index < size:
            return chr(first + index)
        index -= size
    raise ValueError("too many distinct tokens to diff")


def _kind(token: str) -> int:
    first = token[0]
    if first.isspace():
        breaks = token.count("\n") + token.count("\r") - token.count("\r\n")
        return _BLANK if breaks > 1 else _BREAK if breaks else _SPACE
    if first.isalnum():
        return _WORD
    return _PUNCT


class _Kinds(dict[str, int]):
    """The boundary kind of each encoded character, worked out when first asked for."""

    def __init__(self, tokens: dict[str, str], pseudo: dict[str, Callable[[], int] | None]) -> None:
        super().__init__()
        self.tokens = tokens
        self.pseudo = pseudo

    def __missing__(self, code: str) -> int:
        kind_of = self.pseudo.get(code)
        kind = self[code] = kind_of() if kind_of is not None else _kind(self.tokens[code])
        return kind


def _score(before: str, after: str, kinds: dict[str, int]) -> int:
    """How good a place the boundary between ``before`` and ``after`` is (6 best, 0 worst).

    The scale is diff-match-patch's: the edge of the text, a blank line, a line break, the
    end of a sentence, whitespace, punctuation, and last a boundary between two words or
    syllables.
    """
    if not before or not after:
        return 6
    one = kinds[before[-1]]
    two = kinds[after[0]]
    if one == _BLANK or two == _BLANK:
        return 5
    if one >= _BREAK or two >= _BREAK:
        return 4
    if one == _PUNCT and two >= _SPACE:
        return 3
    if one >= _SPACE or two >= _SPACE:
        return 2
    if one == _PUNCT or two == _PUNCT:
        return 1
    return 0


def _slide_edits(diffs: list[tuple[int, str]], kinds: dict[str, int]) -> None:
    """Slide each edit between two equalities to the best token boundary (in place).

    ``The <ins>big </ins>cat`` and ``The<ins> big</ins> cat`` say the same; this picks the
    one whose edges fall on spaces, line breaks or sentence ends, as diff-match-patch's
    lossless cleanup does for characters.
    """
    pointer = 1
    while pointer < len(diffs) - 1:
        if diffs[pointer - 1][0] == EQUAL and diffs[pointer + 1][0] == EQUAL:
            equality1 = diffs[pointer - 1][1]
            edit = diffs[pointer][1]
            equality2 = diffs[pointer + 1][1]
            shift = common_suffix(equality1, edit)
            if shift:
                common = edit[-shift:]
                equality1 = equality1[:-shift]
                edit = common + edit[:-shift]
                equality2 = common + equality2
            best = (equality1, edit, equality2)
            best_score = _score(equality1, edit, kinds) + _score(edit, equality2, kinds)
            while edit and equality2 and edit[0] == equality2[0]:
                equality1 += edit[0]
                edit = edit[1:] + equality2[0]
                equality2 = equality2[1:]
                score = _score(equality1, edit, kinds) + _score(edit, equality2, kinds)
                # >= prefers trailing to leading whitespace on an edit, as diff-match-patch.
                if score >= best_score:
                    best_score = score
                    best = (equality1, edit, equality2)
            if diffs[pointer - 1][1] != best[0]:
                if best[0]:
                    diffs[pointer - 1] = (EQUAL, best[0])
                else:
                    del diffs[pointer - 1]
                    pointer -= 1
                diffs[pointer] = (diffs[pointer][0], best[1])
                if best[2]:
                    diffs[pointer + 1] = (EQUAL, best[2])
                else:
                    del diffs[pointer + 1]
                    pointer -= 1
        pointer += 1


def _decode(
    diffs: Iterable[tuple[int, str]],
    old: str,
    old_tokens: Sequence[str],
    new: str,
    new_tokens: Sequence[str],
) -> list[Pair]:
    """Turn encoded pieces back into text, as slices of the two texts.

    Runs of changes are merged so that each is one deletion followed by one insertion.
    """
    old_at = [0, *accumulate(map(len, old_tokens))]
    new_at = [0, *accumulate(map(len, new_tokens))]
    pairs: list[Pair] = []
    deleted = inserted = ""
    o = n = 0
    for op, encoded in diffs:
        count = len(encoded)
        if not count:
            continue
        if op == EQUAL:
            if deleted:
                pairs.append((DELETE, deleted))
                deleted = ""
            if inserted:
                pairs.append((INSERT, inserted))
                inserted = ""
            text = old[old_at[o] : old_at[o + count]]
            if pairs and pairs[-1][0] == EQUAL:
                pairs[-1] = (EQUAL, pairs[-1][1] + text)
            else:
                pairs.append((EQUAL, text))
            o += count
            n += count
        elif op == DELETE:
            deleted += old[old_at[o] : old_at[o + count]]
            o += count
        else:
            inserted += new[new_at[n] : new_at[n + count]]
            n += count
    if deleted:
        pairs.append((DELETE, deleted))
    if inserted:
        pairs.append((INSERT, inserted))
    return pairs


def _codes(first: int, count: int) -> Iterable[str]:
    if first + count <= _BMP_PUA_SIZE:
        return map(chr, range(0xE000 + first, 0xE000 + first + count))
    return map(_code_point, range(first, first + count))


# Codes of the two pseudo-tokens that stand for the unchanged start and end of both texts.
_HEAD = _code_point(0)
_TAIL = _code_point(1)
# The codes of the first tokens after them, ready (zipped with the tokens: no call per code).
_FIRST_CODES = "".join(_codes(2, _BMP_PUA_SIZE - 2))


def _diff(
    old: str,
    old_tokens: Sequence[str],
    new: str,
    new_tokens: Sequence[str],
    *,
    cleanup: bool,
    ends: tuple[int, int] = (0, 0),
    head_kind: Callable[[], int] | None = None,
    tail_kind: Callable[[], int] | None = None,
    deadline: float | None = None,
    engine: str = "cpp",
) -> list[Pair]:
    """Diff two token sequences that join up to ``old`` and ``new``.

    ``ends`` says whether the first and the last token of both sequences is a pseudo-token
    for text that both share (1) or not (0); ``head_kind``/``tail_kind`` give the boundary
    kind of the real token next to the cut. With a ``deadline`` (``time.time()`` seconds)
    it raises :class:`TimedOut` rather than return the coarse diff diff-match-patch settles
    for when time runs out; without one it has ``DIFF_TIMEOUT`` seconds and settles.
    """
    head, tail = ends
    old_middle = old_tokens[head : len(old_tokens) - tail]
    new_middle = new_tokens[head : len(new_tokens) - tail]
    # One code per distinct token, in order of first appearance (the first two are reserved).
    distinct = dict.fromkeys([*old_middle, *new_middle])
    if len(distinct) <= len(_FIRST_CODES):
        codes = dict(zip(distinct, _FIRST_CODES, strict=False))
    else:
        codes = dict(zip(distinct, _codes(2, len(distinct)), strict=True))
    code = codes.__getitem__
    prefix = _HEAD if head else ""
    suffix = _TAIL if tail else ""
    encoded_old = prefix + "".join(map(code, old_middle)) + suffix
    encoded_new = prefix + "".join(map(code, new_middle)) + suffix
    diffs = ENGINES[engine](encoded_old, encoded_new, cleanup, deadline)
    if deadline is not None and time.time() > deadline:
        raise TimedOut
    if cleanup:
        tokens = dict(zip(codes.values(), codes, strict=True))
        kinds = _Kinds(tokens, {_HEAD: head_kind, _TAIL: tail_kind})
        _slide_edits(diffs, kinds)
    return _decode(diffs, old, old_tokens, new, new_tokens)


def diff_token_lists(
    old: Sequence[str],
    new: Sequence[str],
    *,
    cleanup: bool = True,
    deadline: float | None = None,
    engine: str = "cpp",
) -> list[Pair]:
    """Diff two token sequences; the texts of the pairs are joined tokens.

    ``old`` and ``new`` are the tokens of the two texts (for example from :func:`tokenize`);
    every pair holds whole tokens of them. ``cleanup=False`` skips the semantic cleanup and
    keeps the minimal diff (every token in common), which aligns texts but reads badly.
    With a ``deadline`` (a ``time.time()`` value) it raises :class:`TimedOut` when the diff
    is not done by then. ``engine`` names the diff-match-patch core (see ``ENGINES``).
    """
    old_text = "".join(old)
    new_text = "".join(new)
    if old_text == new_text and list(old) == list(new):
        return [(EQUAL, old_text)] if old_text else []
    return _diff(old_text, old, new_text, new, cleanup=cleanup, deadline=deadline, engine=engine)


def middle(old: str, new: str) -> tuple[int, int, int]:
    """Where the part of two texts that needs tokens starts, and ends in each.

    Only the part between the unchanged start and end is tokenized: both texts are cut at
    whitespace inside the text they have in common, and one pseudo-token stands for each
    unchanged end. One more phrase of context on each side lets the cleanup slide an edit
    past a word it repeats, as it would on the whole texts. The part is
    ``old[head:tail]`` and ``new[head:new_tail]``.
    """
    same_start = _DMP.diff_commonPrefix(old, new)
    same_end = _DMP.diff_commonSuffix(old[same_start:], new[same_start:])
    head = cut_before(old, cut_before(old, same_start))
    tail = cut_after(old, cut_after(old, len(old) - same_end)) if same_end else len(old)
    return head, tail, len(new) - (len(old) - tail)


def diff_tokens(
    old: str, new: str, *, deadline: float | None = None, engine: str = "cpp"
) -> list[Pair]:
    """Diff two texts on tokens: Myanmar syllables, words, numbers, spaces, punctuation.

    With a ``deadline`` (a ``time.time()`` value) it raises :class:`TimedOut` when the diff
    is not done by then; :func:`constitution.diffing.bounded.diff_texts` then falls back to
    a coarser diff.

    >>> diff_tokens("The cat sat.", "The big cat sat.")
    [(0, 'The '), (1, 'big '), (0, 'cat sat.')]
    """
    if old == new:
        return [(EQUAL, old)] if old else []
    head, tail, new_tail = middle(old, new)
    old_tokens = tokenize(old[head:tail])
    new_tokens = tokenize(new[head:new_tail])
    ends = (1 if head else 0, 1 if tail < len(old) else 0)
    if head:
        old_tokens.insert(0, old[:head])
        new_tokens.insert(0, new[:head])
    if ends[1]:
        old_tokens.append(old[tail:])
        new_tokens.append(new[new_tail:])

    def head_kind() -> int:
        return _kind(tokenize(old[cut_before(old, head) : head])[-1])

    def tail_kind() -> int:
        return _kind(tokenize(old[tail : cut_after(old, tail)])[0])

    return _diff(
        old,
        old_tokens,
        new,
        new_tokens,
        cleanup=True,
        ends=ends,
        head_kind=head_kind,
        tail_kind=tail_kind,
        deadline=deadline,
        engine=engine,
    )


def old_text(pairs: Iterable[Pair]) -> str:
    """The text before the change: the equal and deleted pieces."""
    return "".join([text for op, text in pairs if op != INSERT])


def new_text(pairs: Iterable[Pair]) -> str:
    """The text after the change: the equal and inserted pieces."""
    return "".join([text for op, text in pairs if op != DELETE])
