"""The compact diff (an amendment's changed words with some context): every change kept,
the context cut only on token boundaries (never inside a Burmese syllable), and smaller than
the whole text when the text is long."""

from __future__ import annotations

import html
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from constitution.diffing.diff import diff_tokens
from constitution.diffing.render import GAP, compact_html
from constitution.diffing.tokens import tokenize

SYLLABLES = ["က", "ကျွန်", "မ", "သည်", "ပြည်", "ထောင်", "စု", "၏", "ခွင့်", "ရှိ", "အ", "ရေး", "။"]
WORDS = st.lists(st.sampled_from([*SYLLABLES, " ", "law", "the", ","]), min_size=1, max_size=80)


def pieces(markup: str) -> list[str]:
    """The stretches of text between gaps, tags removed."""
    return [html.unescape(re.sub(r"<[^>]+>", "", part)) for part in markup.split(GAP)]


@settings(max_examples=200, deadline=None)
@given(WORDS, WORDS, WORDS, st.integers(min_value=1, max_value=8))
def test_context_is_cut_on_token_boundaries(
    before: list[str], middle: list[str], after: list[str], context: int
) -> None:
    old = "".join(before) + "ကြောင်း" + "".join(after)
    new = "".join(before) + "".join(middle) + "".join(after)
    shown = str(compact_html(diff_tokens(old, new), context))
    if old == new:
        assert shown == ""
        return
    for piece in pieces(shown):
        # No piece starts with a dependent sign (a dotted circle in the browser).
        assert not piece or unicodedata.category(piece[0]) not in ("Mn", "Mc"), piece
    # Every change is there.
    assert "<del>" in shown or "<ins>" in shown
    # Each piece is whole tokens of the old or the new text.
    for piece in pieces(shown):
        assert piece in old or piece in new or "".join(tokenize(piece)) == piece


def test_a_long_text_is_cut_around_the_change() -> None:
    old = " ".join(["ပြည်ထောင်စု"] * 200) + " ဥပဒေ " + " ".join(["ပြည်ထောင်စု"] * 200)
    new = old.replace(" ဥပဒေ ", " ဥပဒေများ ")
    shown = str(compact_html(diff_tokens(old, new)))
    assert shown.count(GAP) == 2
    assert "<ins>များ</ins>" in shown
    assert len(shown) < len(old) // 10
