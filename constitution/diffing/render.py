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

__all__ = ["SynopsisCell", "inline_html", "side_by_side", "synopsis"]


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
