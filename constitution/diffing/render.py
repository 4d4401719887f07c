"""Render diffs as HTML: inline, side by side, and as a bilingual synopsis.

Every piece of text is HTML-escaped (even one passed in as ``Markup``); the only markup
produced is ``<del>`` and ``<ins>``.
Line breaks and runs of spaces are kept as they are: the page shows them with CSS
(``white-space: pre-wrap``), so the output stays small and copyable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from constitution.diffing.bounded import Budget, Diff, diff_texts
from constitution.diffing.diff import DELETE, EQUAL, INSERT, Pair
from constitution.diffing.tokens import cut_after, cut_before, tokenize

__all__ = ["SynopsisCell", "compact_html", "inline_html", "side_by_side", "synopsis"]

# Characters looked at per token of context kept (a Burmese syllable, a word and its space).
_CHARS_PER_TOKEN = 16
GAP = '<span class="gap">…</span>'


def _escape(text: str) -> str:
    # str() first: text that arrives as Markup is escaped all the same, since no text of a
    # provision is ever markup.
    return str(escape(str(text)))


def _tagged(tag: str, text: str) -> str:
    return f"<{tag}>{_escape(text)}</{tag}>"


def inline_html(pairs: Iterable[Pair]) -> Markup:
    """One text with deletions in ``<del>`` and insertions in ``<ins>``."""
    parts: list[str] = []
    for op, text in pairs:
        if op == EQUAL:
            parts.append(_escape(text))
        elif op == DELETE:
            parts.append(_tagged("del", text))
        elif op == INSERT:
            parts.append(_tagged("ins", text))
        else:
            raise ValueError(f"unknown diff op {op!r}")
    return Markup("".join(parts))  # noqa: S704 - every piece above is escaped


def _head(text: str, count: int) -> str:
    """The first ``count`` tokens of ``text`` (whole syllables and words)."""
    piece = text[: cut_after(text, count * _CHARS_PER_TOKEN)]
    return "".join(tokenize(piece)[:count])


def _tail(text: str, count: int) -> str:
    """The last ``count`` tokens of ``text``."""
    cut = cut_before(text, max(0, len(text) - count * _CHARS_PER_TOKEN))
    tokens = tokenize(text[cut:])
    return "".join(tokens[-count:]) if count else ""


def compact_html(pairs: Iterable[Pair], context: int = 12) -> Markup:
    """Only what changed, with ``context`` tokens (syllables, words, spaces) of the text
    around each change, never a cut syllable; what is left out shows as a gap (…). A text
    with no change is empty.

    >>> compact_html([(0, "a b c d e f g "), (-1, "h"), (1, "H"), (0, " i j k l m n")], 3)
    Markup('<span class="gap">…</span> g <del>h</del><ins>H</ins> i <span class="gap">…</span>')
    """
    items = list(pairs)
    if all(op == EQUAL for op, _ in items):
        return Markup("")
    parts: list[str] = []
    last = len(items) - 1
    for index, (op, text) in enumerate(items):
        if op == DELETE:
            parts.append(_tagged("del", text))
        elif op == INSERT:
            parts.append(_tagged("ins", text))
        elif op != EQUAL:
            raise ValueError(f"unknown diff op {op!r}")
        else:
            after = _head(text, context) if index > 0 else ""
            before = _tail(text, context) if index < last else ""
            if len(after) + len(before) >= len(text):
                parts.append(_escape(text))
                continue
            parts.append(_escape(after) + GAP + _escape(before))
    return Markup("".join(parts))  # noqa: S704 - every piece above is escaped


def side_by_side(pairs: Iterable[Pair]) -> tuple[Markup, Markup]:
    """The old text with its deletions in ``<del>``, and the new one with its ``<ins>``."""
    old: list[str] = []
    new: list[str] = []
    for op, text in pairs:
        if op == EQUAL:
            escaped = _escape(text)
            old.append(escaped)
            new.append(escaped)
        elif op == DELETE:
            old.append(_tagged("del", text))
        elif op == INSERT:
            new.append(_tagged("ins", text))
        else:
            raise ValueError(f"unknown diff op {op!r}")
    return Markup("".join(old)), Markup("".join(new))  # noqa: S704 - escaped above


@dataclass(frozen=True)
class SynopsisCell:
    """One language of a synopsis row.

    ``old`` and ``new`` are the two texts marked up side by side, ``inline`` the same change
    in one text, and ``changed`` whether the language's text changed at all (a translation
    that was not updated along with the authoritative text shows ``changed=False``);
    ``simplified`` says the diff was simplified to stay within a time budget.
    """

    old: Markup
    new: Markup
    inline: Markup
    changed: bool
    simplified: bool = False


def synopsis(
    rows: Mapping[str, tuple[str | None, str | None]],
    diff: Callable[[str, str], Diff] | None = None,
) -> dict[str, SynopsisCell]:
    """Render a change in several languages at once, for a view like Burmese | English.

    ``rows`` maps a language code to that language's (old, new) text, in display order; a
    missing text (a provision that did not exist yet, or no translation) is ``None`` and
    shows as empty. The result maps the same codes, in the same order, to rendered cells.
    ``diff`` makes each diff (default: within ``DIFF_TIMEOUT`` each, see
    :func:`~constitution.diffing.bounded.diff_texts`).

    >>> cells = synopsis({"my": ("က", "ခ"), "en": ("a", "a")})
    >>> cells["my"].inline, cells["en"].changed
    (Markup('<del>က</del><ins>ခ</ins>'), False)
    """
    if diff is None:
        budget = Budget(None)

        def diff(old: str, new: str) -> Diff:
            return diff_texts(old, new, budget)

    cells: dict[str, SynopsisCell] = {}
    for language, (old, new) in rows.items():
        found = diff(old or "", new or "")
        pairs = found.pairs
        before, after = side_by_side(pairs)
        cells[language] = SynopsisCell(
            old=before,
            new=after,
            inline=inline_html(pairs),
            changed=any(op != EQUAL for op, _ in pairs),
            simplified=found.simplified,
        )
    return cells
