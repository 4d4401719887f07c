from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from constitution.diffing.anchor import find_anchor
from constitution.diffing.tokens import tokenize

from .strategies import ENGLISH, PROPERTY, WORDS, syllables

TEXT = "The President shall be elected by the Assembly. The term of office is five years."
MY = "ပြည်ထောင်စုသမ္မတမြန်မာနိုင်ငံတော် ဖွဲ့စည်းပုံအခြေခံဥပဒေ"


def quote(text: str, start: int, end: int, context: int = 32) -> tuple[str, str, str]:
    return text[start:end], text[max(0, start - context) : start], text[end : end + context]


def found(text: str, exact: str, prefix: str, suffix: str, **kwargs: int) -> str | None:
    span = find_anchor(text, exact, prefix, suffix, **kwargs)
    return None if span is None else text[span[0] : span[1]]


def test_unchanged_text() -> None:
    start = TEXT.index("elected")
    exact, prefix, suffix = quote(TEXT, start, start + len("elected by the Assembly"))
    assert find_anchor(TEXT, exact, prefix, suffix) == (start, start + len(exact))


def test_edits_elsewhere() -> None:
    start = TEXT.index("elected")
    exact, prefix, suffix = quote(TEXT, start, start + len("elected by the Assembly"))
    new = "Preamble. " + TEXT.replace("five", "four").replace("President", "Head of State")
    span = find_anchor(new, exact, prefix, suffix)
    assert span is not None
    assert new[span[0] : span[1]] == exact
    assert span[0] == new.index("elected")


def test_the_occurrence_with_the_best_context_wins() -> None:
    text = "The Union shall protect the rights. The States shall protect the rights."
    second = text.rindex("protect the rights")
    exact, prefix, suffix = quote(text, second, second + len("protect the rights"), 12)
    assert find_anchor(text, exact, prefix, suffix) == (second, second + len(exact))
    first = text.index("protect the rights")
    exact, prefix, suffix = quote(text, first, first + len(exact), 12)
    assert find_anchor(text, exact, prefix, suffix) == (first, first + len(exact))


def test_without_context_the_position_decides() -> None:
    text = "rights and rights and rights"
    assert find_anchor(text, "rights", "", "", position=12) == (11, 17)
    assert find_anchor(text, "rights", "", "") == (0, 6)


def test_a_changed_word_inside_the_quote() -> None:
    start = TEXT.index("President")
    exact, prefix, suffix = quote(TEXT, start, start + len("President shall be elected by"))
    new = TEXT.replace("elected", "chosen")
    assert found(new, exact, prefix, suffix) == "President shall be chosen by"


def test_a_changed_first_word() -> None:
    start = TEXT.index("elected")
    exact, prefix, suffix = quote(TEXT, start, start + len("elected by the Assembly"))
    new = "Preamble. " + TEXT.replace("elected", "chosen")
    assert found(new, exact, prefix, suffix) == "chosen by the Assembly"


def test_a_long_quote_with_changes_at_both_ends() -> None:
    start = TEXT.index("President")
    exact, prefix, suffix = quote(TEXT, start, TEXT.index(" years"))
    assert len(exact) > 32
    new = "Preamble. " + TEXT.replace("elected", "chosen").replace("five", "four")
    assert found(new, exact, prefix, suffix) == (
        "President shall be chosen by the Assembly. The term of office is four"
    )


def test_burmese_quote_after_an_edit_inside_it() -> None:
    start = MY.index("သမ္မတ")
    exact, prefix, suffix = quote(MY, start, MY.index(" "))
    new = "နိဒါန်း။ " + MY.replace("နိုင်ငံ", "ပြည်")
    assert found(new, exact, prefix, suffix) == "သမ္မတမြန်မာပြည်တော်"
    assert found(new, exact, "", "") == "သမ္မတမြန်မာပြည်တော်"


def test_burmese_quote_after_an_edit_elsewhere() -> None:
    start = MY.index("ဖွဲ့")
    exact, prefix, suffix = quote(MY, start, len(MY))
    new = MY.replace("သမ္မတ", "ဖက်ဒရယ်")
    assert found(new, exact, prefix, suffix) == exact


def test_a_fuzzy_match_never_cuts_a_syllable() -> None:
    exact = "ကိုယ်စားလှယ်များ ရွေးကောက်တင်မြှောက်သည်"
    new = "လွှတ်တော် ကိုယ်စားလှယ်အားလုံး ရွေးကောက်တင်မြှောက်သည်။"
    span = find_anchor(new, exact, "", "")
    assert span is not None
    boundaries = {0}
    for token in tokenize(new):
        boundaries.add(max(boundaries) + len(token))
    assert span[0] in boundaries and span[1] in boundaries
    assert new[span[0] : span[1]] == "ကိုယ်စားလှယ်အားလုံး ရွေးကောက်တင်မြှောက်သည်"


def test_a_rewritten_passage_is_not_found() -> None:
    start = TEXT.index("elected")
    exact, prefix, suffix = quote(TEXT, start, start + len("elected by the Assembly"))
    new = TEXT.replace("elected by the Assembly", "appointed in a way the law sets")
    assert find_anchor(new, exact, prefix, suffix) is None
    assert find_anchor("Something else entirely now.", exact, prefix, suffix) is None
    start = MY.index("ဖွဲ့")
    exact, prefix, suffix = quote(MY, start, len(MY))
    assert find_anchor(MY.replace(exact, "ဒီမိုကရေစီ"), exact, prefix, suffix) is None


def test_a_replaced_word_next_to_long_tokens_without_context() -> None:
    text = "x" * 5000 + " the quote here " + "y" * 5000
    assert found(text, "the quote hare", "", "") == "the quote here"
    text = "x" * 5000 + " hello quote here " + "y" * 5000
    assert found(text, "the quote here", "", "") == "hello quote here"


def test_the_position_guides_a_fuzzy_match() -> None:
    text = "the rights of women. " * 3
    assert find_anchor(text, "the rights of woman", "", "", position=21) == (21, 40)
    assert find_anchor(text, "the rights of woman", "", "", position=42) == (42, 61)


def test_a_single_changed_word_is_a_changed_passage() -> None:
    assert find_anchor("the statutes apply", "statute", "the ", " apply") is None
    assert find_anchor("ပြည်သူများ ကား စီး", "က", " ", "ား") is not None  # part of a syllable
    assert find_anchor("ပြည်သူများ ကိုး စီး", "ကား", "များ ", " စီး") is None


def test_a_quote_from_inside_a_syllable_is_widened_to_whole_syllables() -> None:
    text = "ပြည်သူများ ကား စီး"
    start = text.index("ကား")
    assert find_anchor(text, "က", "များ ", "ား စီး") == (start, start + len("ကား"))


def test_empty() -> None:
    assert find_anchor(TEXT, "", "", "") is None
    assert find_anchor("", "quote", "", "") is None


# Property tests: a text of unique chunks; the quote is some of them; other chunks change.

burmese_chunks = st.lists(
    st.one_of(st.sampled_from(WORDS), st.lists(syllables(), min_size=2, max_size=3).map("".join)),
    min_size=6,
    max_size=14,
    unique=True,
).map(lambda items: [unicodedata.normalize("NFC", item) for item in items])
english_chunks = st.lists(st.sampled_from(ENGLISH), min_size=6, max_size=14, unique=True)


@st.composite
def quoted(draw: st.DrawFn) -> tuple[list[str], int, int]:
    items = draw(st.one_of(burmese_chunks, english_chunks))
    start = draw(st.integers(1, len(items) - 3))
    end = draw(st.integers(start + 2, len(items) - 1))
    return items, start, end


def context(items: list[str], start: int, end: int) -> tuple[str, str, str]:
    text = " ".join(items)
    offset = len(" ".join(items[:start])) + 1
    length = len(" ".join(items[start:end]))
    return quote(text, offset, offset + length)


@settings(PROPERTY, max_examples=150)
@given(quoted(), st.data())
def test_an_unchanged_quote_is_found_after_edits_elsewhere(
    case: tuple[list[str], int, int], data: st.DataObject
) -> None:
    items, start, end = case
    exact, prefix, suffix = context(items, start, end)
    replacements = ["٠", "X1", "Y2", "Z3"]  # tokens that occur nowhere else
    new_items = list(items)
    outside = [i for i in range(len(items)) if not start <= i < end]
    for index in data.draw(st.sets(st.sampled_from(outside), max_size=3)):
        new_items[index] = data.draw(st.sampled_from(replacements))
    if data.draw(st.booleans()):
        new_items.insert(0, "ပြင်ဆင်ချက်")
    new = " ".join(new_items)
    span = find_anchor(new, exact, prefix, suffix)
    assert span is not None
    assert new[span[0] : span[1]] == exact
    shift = 1 if new_items[0] == "ပြင်ဆင်ချက်" and items[0] != "ပြင်ဆင်ချက်" else 0
    assert span[0] == len(" ".join(new_items[: start + shift])) + 1


@settings(PROPERTY, max_examples=150)
@given(quoted(), st.data())
def test_a_rewritten_quote_is_not_found(
    case: tuple[list[str], int, int], data: st.DataObject
) -> None:
    items, start, end = case
    exact, prefix, suffix = context(items, start, end)
    # The quote is rewritten in the other script: nothing of it is left.
    latin = set(items) <= set(ENGLISH)
    other = ["ကိုယ်စားလှယ်", "ဥပဒေ", "ဒီမိုကရေစီ"] if latin else ENGLISH
    words = data.draw(st.lists(st.sampled_from(other), min_size=1, max_size=end - start))
    new = " ".join([*items[:start], *words, *items[end:]])
    if exact in new:
        return  # the rewrite happened to contain the quote
    assert find_anchor(new, exact, prefix, suffix) is None
