"""Diffs within a time budget: the coarse diff used when time runs out (forced here with a
budget of zero, never by timing) keeps the contract of the token diff."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from constitution.diffing.bounded import Budget, coarse_diff, diff_texts, sentences
from constitution.diffing.diff import DELETE, EQUAL, INSERT, diff_tokens, new_text, old_text

from .strategies import PROPERTY, any_text, is_mark, text_pairs
from .test_diff import token_boundaries


def sentence_set(text: str) -> set[str]:
    return set(sentences(text))


@st.composite
def sharing_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two texts of several sentences each, some of them in both."""
    pool = draw(st.lists(any_text.filter(bool), min_size=1, max_size=6))
    ends = st.sampled_from(["။ ", "၊ ", ". ", "! ", "?\n", "\n"])
    made = [draw(st.sampled_from(pool)) + draw(ends) for _ in range(draw(st.integers(1, 8)))]
    other = [draw(st.sampled_from(pool)) + draw(ends) for _ in range(draw(st.integers(1, 8)))]
    return "".join(made), "".join(other)


def check_contract(old: str, new: str, pairs: list[tuple[int, str]]) -> None:
    assert old_text(pairs) == old
    assert new_text(pairs) == new
    assert all(text for _, text in pairs)
    for (op1, _), (op2, _) in itertools.pairwise(pairs):
        assert op1 != op2
        assert (op1, op2) != (INSERT, DELETE)
    old_boundaries, new_boundaries = token_boundaries(old), token_boundaries(new)
    in_old = in_new = 0
    for op, text in pairs:
        if op != INSERT:
            assert in_old in old_boundaries and in_old + len(text) in old_boundaries
            assert in_old == 0 or not is_mark(text[0])
            in_old += len(text)
        if op != DELETE:
            assert in_new in new_boundaries and in_new + len(text) in new_boundaries
            assert in_new == 0 or not is_mark(text[0])
            in_new += len(text)


@settings(PROPERTY, max_examples=300)
@given(st.one_of(text_pairs(), sharing_pairs()))
def test_a_simplified_diff_keeps_the_contract(pair: tuple[str, str]) -> None:
    old, new = pair
    found = diff_texts(old, new, Budget(0))
    check_contract(old, new, found.pairs)
    assert found.simplified == (old != new and bool(old) and bool(new))


@settings(PROPERTY, max_examples=300)
@given(sharing_pairs())
def test_texts_sharing_a_sentence_are_never_all_deleted_and_inserted(
    pair: tuple[str, str],
) -> None:
    old, new = pair
    pairs = diff_texts(old, new, Budget(0)).pairs
    if sentence_set(old) & sentence_set(new):
        assert any(op == EQUAL for op, _ in pairs), pairs


def test_sentences_end_at_burmese_and_latin_stops_and_line_breaks() -> None:
    text = "ပြည်ထောင်စု သမ္မတ။ နိုင်ငံ၊ The Union. Is it? Yes!\nNext line"
    assert sentences(text) == [
        "ပြည်ထောင်စု သမ္မတ။ ",
        "နိုင်ငံ၊ ",
        "The Union. ",
        "Is it? ",
        "Yes!\n",
        "Next line",
    ]


@settings(PROPERTY, max_examples=300)
@given(any_text)
def test_sentences_join_up_to_the_text_and_end_where_tokens_end(text: str) -> None:
    found = sentences(text)
    assert "".join(found) == text and all(found)
    boundaries = token_boundaries(text)
    position = 0
    for sentence in found:
        position += len(sentence)
        assert position in boundaries


def test_a_rewritten_long_text_keeps_its_unchanged_sentences() -> None:
    kept = [f"Sentence number {n} stays as it was. " for n in range(300)]
    old = "".join(kept[:150]) + "alpha beta gamma. " * 3 + "".join(kept[150:])
    new = "".join(kept[:150]) + "delta epsilon. " + "".join(kept[150:])
    found = diff_texts(old, new, Budget(0))
    assert found.simplified
    changed = [(op, text) for op, text in found.pairs if op != EQUAL]
    # Only the rewritten sentences differ, and within them word by word.
    assert "".join(t for op, t in changed if op == DELETE) in "alpha beta gamma. " * 3
    assert "Sentence" not in "".join(t for _, t in changed)


def test_a_changed_sentence_is_diffed_on_words_within_it() -> None:
    old = "The cat sat on the mat. The dog ran. The end."
    new = "The cat sat on the hat. The dog ran. The end."
    assert coarse_diff(old, new, Budget(0)) == [
        (EQUAL, "The cat sat on the "),
        (DELETE, "mat"),
        (INSERT, "hat"),
        (EQUAL, ". The dog ran. The end."),
    ]


def test_with_time_to_spare_the_diff_is_the_token_diff() -> None:
    old, new = "The cat sat.", "The big cat sat."
    found = diff_texts(old, new, Budget(5))
    assert found.pairs == diff_tokens(old, new)
    assert not found.simplified


def test_a_spent_budget_stays_spent() -> None:
    budget = Budget(0)
    assert budget.remaining() == 0 and budget.attempt() == 0
    assert Budget(None).attempt() > 0
