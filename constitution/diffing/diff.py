"""Token-level diffs of two texts.

Each distinct token (see :mod:`constitution.diffing.tokens`) is mapped to one character of a
private-use area, diff-match-patch diffs the two encoded strings, semantic cleanup runs, and
the result is mapped back to text. One encoded character stands for one whole token, so no
piece of the result can start or end inside a Myanmar syllable, a stacked consonant or a
word, and no piece starts with a combining mark (except at the very start of a text that
itself starts with one). The mapping goes from tokens to characters, never the other way, so
texts that contain private-use characters themselves are diffed correctly too.

The result is a list of ``(op, text)`` pairs as diff-match-patch writes them: ``-1`` delete,
``0`` equal, ``1`` insert. Adjacent pairs never share an op, no text is empty, and within a
run of changes the deletion comes before the insertion.

Both texts should be NFC-normalised by the caller (see MYANMAR.md); they are never changed
here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from diff_match_patch import diff_match_patch

from constitution.diffing.tokens import tokenize

__all__ = [
    "DELETE",
    "DIFF_TIMEOUT",
    "EQUAL",
    "INSERT",
    "Pair",
    "diff_token_lists",
    "diff_tokens",
    "new_text",
    "old_text",
]

DELETE = -1
EQUAL = 0
INSERT = 1

Pair = tuple[int, str]

# Seconds diff-match-patch may spend before it settles for a valid but less minimal diff.
DIFF_TIMEOUT = 1.0

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

    def diff_cleanupSemanticLossless(self, diffs: list[tuple[int, str]]) -> None:  # noqa: N802
        return None


# diff_main only reads its settings, so one instance serves every thread.
_DMP = _TokenDiffer()
_DMP.Diff_Timeout = DIFF_TIMEOUT


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


def _common_suffix(one: str, two: str) -> int:
    n = min(len(one), len(two))
    i = 0
    while i < n and one[-1 - i] == two[-1 - i]:
        i += 1
    return i


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
            shift = _common_suffix(equality1, edit)
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


def _decode(diffs: Iterable[tuple[int, str]], tokens: dict[str, str]) -> list[Pair]:
    """Map encoded pieces back to text; merge runs so each change is one delete + one insert."""
    pairs: list[Pair] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if deleted:
            pairs.append((DELETE, "".join(deleted)))
            deleted.clear()
        if inserted:
            pairs.append((INSERT, "".join(inserted)))
            inserted.clear()

    for op, encoded in diffs:
        if not encoded:
            continue
        text = "".join([tokens[code] for code in encoded])
        if op == EQUAL:
            flush()
            if pairs and pairs[-1][0] == EQUAL:
                pairs[-1] = (EQUAL, pairs[-1][1] + text)
            else:
                pairs.append((EQUAL, text))
        elif op == DELETE:
            deleted.append(text)
        else:
            inserted.append(text)
    flush()
    return pairs


def diff_token_lists(
    old: Sequence[str], new: Sequence[str], *, cleanup: bool = True
) -> list[Pair]:
    """Diff two token sequences; the texts of the pairs are joined tokens.

    ``old`` and ``new`` are the tokens of the two texts (for example from :func:`tokenize`);
    every pair holds whole tokens of them. ``cleanup=False`` skips the semantic cleanup and
    keeps the minimal diff (every token in common), which aligns texts but reads badly.
    """
    codes: dict[str, str] = {}
    tokens: dict[str, str] = {}
    kinds: dict[str, int] = {}

    def encode(sequence: Sequence[str]) -> str:
        out = []
        for token in sequence:
            code = codes.get(token)
            if code is None:
                code = _code_point(len(codes))
                codes[token] = code
                tokens[code] = token
                kinds[code] = _kind(token)
            out.append(code)
        return "".join(out)

    encoded_old = encode(old)
    encoded_new = encode(new)
    if encoded_old == encoded_new:
        return [(EQUAL, "".join(old))] if old else []
    diffs: list[tuple[int, str]] = _DMP.diff_main(encoded_old, encoded_new, False)
    if cleanup:
        _DMP.diff_cleanupSemantic(diffs)
        _slide_edits(diffs, kinds)
    return _decode(diffs, tokens)


def diff_tokens(old: str, new: str) -> list[Pair]:
    """Diff two texts on tokens: Myanmar syllables, words, numbers, spaces, punctuation.

    >>> diff_tokens("The cat sat.", "The big cat sat.")
    [(0, 'The '), (1, 'big '), (0, 'cat sat.')]
    """
    if old == new:
        return [(EQUAL, old)] if old else []
    return diff_token_lists(tokenize(old), tokenize(new))


def old_text(pairs: Iterable[Pair]) -> str:
    """The text before the change: the equal and deleted pieces."""
    return "".join([text for op, text in pairs if op != INSERT])


def new_text(pairs: Iterable[Pair]) -> str:
    """The text after the change: the equal and inserted pieces."""
    return "".join([text for op, text in pairs if op != DELETE])
