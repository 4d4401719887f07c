from __future__ import annotations

import pytest
from hypothesis import given, settings
from markupsafe import Markup

from constitution.diffing.diff import DELETE, EQUAL, INSERT, diff_tokens
from constitution.diffing.render import SynopsisCell, inline_html, side_by_side, synopsis

from .strategies import PROPERTY, text_pairs


def test_inline() -> None:
    pairs = diff_tokens("ပြည်သူ ကား", "ပြည်သူ ကိုး")
    html = inline_html(pairs)
    assert isinstance(html, Markup)
    assert html == "ပြည်သူ <del>ကား</del><ins>ကိုး</ins>"


def test_side_by_side() -> None:
    old, new = side_by_side(diff_tokens("The cat sat.", "The big cat sat."))
    assert old == "The cat sat."
    assert new == "The <ins>big </ins>cat sat."
    old, new = side_by_side([(EQUAL, "a "), (DELETE, "b"), (INSERT, "c")])
    assert (old, new) == ("a <del>b</del>", "a <ins>c</ins>")


def test_everything_is_escaped() -> None:
    pairs = [
        (EQUAL, "<b>&amp;"),
        (DELETE, '<script>alert("x")</script>'),
        (INSERT, "it's <i>"),
    ]
    html = inline_html(pairs)
    assert "<script>" not in html
    assert "<b>" not in html and "<i>" not in html
    assert html == (
        "&lt;b&gt;&amp;amp;<del>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</del>"
        "<ins>it&#39;s &lt;i&gt;</ins>"
    )
    old, new = side_by_side(pairs)
    assert "<script>" not in old and "<i>" not in new


def test_text_passed_as_markup_is_escaped_too() -> None:
    text = Markup("<b>x</b>")
    assert inline_html([(INSERT, text)]) == "<ins>&lt;b&gt;x&lt;/b&gt;</ins>"
    assert inline_html([(EQUAL, text)]) == "&lt;b&gt;x&lt;/b&gt;"
    assert side_by_side([(EQUAL, text)]) == ("&lt;b&gt;x&lt;/b&gt;",) * 2
    assert synopsis({"en": (text, text)})["en"].inline == "&lt;b&gt;x&lt;/b&gt;"


def test_unknown_op_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown diff op"):
        inline_html([(2, "x")])
    with pytest.raises(ValueError, match="unknown diff op"):
        side_by_side([(-2, "x")])


def test_synopsis() -> None:
    cells = synopsis(
        {
            "my": ("ပုဒ်မ ၁၂ ကား", "ပုဒ်မ ၁၂ ကိုး"),
            "en": ("Article 12", "Article 12"),
            "shn": (None, "ၵႂၢမ်းတႆး"),
        }
    )
    assert list(cells) == ["my", "en", "shn"]
    assert cells["my"] == SynopsisCell(
        old=Markup("ပုဒ်မ ၁၂ <del>ကား</del>"),
        new=Markup("ပုဒ်မ ၁၂ <ins>ကိုး</ins>"),
        inline=Markup("ပုဒ်မ ၁၂ <del>ကား</del><ins>ကိုး</ins>"),
        changed=True,
    )
    assert cells["en"].changed is False
    assert cells["en"].inline == "Article 12"
    assert cells["shn"].old == ""
    assert cells["shn"].new == "<ins>ၵႂၢမ်းတႆး</ins>"


def test_synopsis_of_nothing() -> None:
    assert synopsis({}) == {}
    cell = synopsis({"en": (None, None)})["en"]
    assert (cell.old, cell.new, cell.inline, cell.changed) == ("", "", "", False)


@settings(PROPERTY, max_examples=100)
@given(text_pairs())
def test_rendered_text_is_the_escaped_text(pair: tuple[str, str]) -> None:
    old, new = pair
    pairs = diff_tokens(old, new)
    html = inline_html(pairs)
    stripped = str(html).replace("<del>", "").replace("</del>", "")
    stripped = stripped.replace("<ins>", "").replace("</ins>", "")
    assert Markup(stripped).unescape() == old_text_and_new(pairs)
    before, after = side_by_side(pairs)
    assert Markup(str(before).replace("<del>", "").replace("</del>", "")).unescape() == old
    assert Markup(str(after).replace("<ins>", "").replace("</ins>", "")).unescape() == new


def old_text_and_new(pairs: list[tuple[int, str]]) -> str:
    return "".join(text for _, text in pairs)
