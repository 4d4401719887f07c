from __future__ import annotations

import itertools
import random
import unicodedata

import pytest
from hypothesis import given, settings

from constitution.diffing.diff import (
    DELETE,
    EQUAL,
    INSERT,
    _code_point,
    diff_token_lists,
    diff_tokens,
    new_text,
    old_text,
)
from constitution.diffing.tokens import tokenize

from .strategies import ENGLISH, PROPERTY, WORDS, is_mark, text_pairs


def test_one_vowel_change_gives_whole_syllables() -> None:
    assert diff_tokens("ကား", "ကိုး") == [(DELETE, "ကား"), (INSERT, "ကိုး")]


def test_one_vowel_change_in_a_sentence() -> None:
    old = "ပြည်သူများ ကား စီးကြသည်။"
    new = "ပြည်သူများ ကိုး စီးကြသည်။"
    pairs = diff_tokens(old, new)
    assert pairs == [
        (EQUAL, "ပြည်သူများ "),
        (DELETE, "ကား"),
        (INSERT, "ကိုး"),
        (EQUAL, " စီးကြသည်။"),
    ]


def test_one_medial_change_inside_a_word() -> None:
    pairs = diff_tokens("ပြည်ထောင်စု", "ပျည်ထောင်စု")
    assert pairs == [(DELETE, "ပြည်"), (INSERT, "ပျည်"), (EQUAL, "ထောင်စု")]


def test_a_stacked_consonant_is_never_split() -> None:
    pairs = diff_tokens("သမ္မတ", "သမ္ဘတ")
    assert pairs == [(DELETE, "သမ္မ"), (INSERT, "သမ္ဘ"), (EQUAL, "တ")]


def test_an_asat_added_changes_the_syllable() -> None:
    assert diff_tokens("ကျင့်သုံး", "ကျင်သုံး") == [
        (DELETE, "ကျင့်"),
        (INSERT, "ကျင်"),
        (EQUAL, "သုံး"),
    ]


def test_english_words() -> None:
    assert diff_tokens("The cat sat.", "The big cat sat.") == [
        (EQUAL, "The "),
        (INSERT, "big "),
        (EQUAL, "cat sat."),
    ]
    assert diff_tokens(
        "The President shall be elected.", "The Chief Minister shall be elected."
    ) == [
        (EQUAL, "The "),
        (DELETE, "President"),
        (INSERT, "Chief Minister"),
        (EQUAL, " shall be elected."),
    ]


def test_a_changed_word_is_replaced_whole() -> None:
    assert diff_tokens("the statute", "the statutes") == [
        (EQUAL, "the "),
        (DELETE, "statute"),
        (INSERT, "statutes"),
    ]


def test_mixed_burmese_and_english() -> None:
    old = "ပုဒ်မ ၁၂ (Article 12) ပြည်ထောင်စု"
    new = "ပုဒ်မ ၁၃ (Article 13) ပြည်ထောင်စု"
    pairs = diff_tokens(old, new)
    assert old_text(pairs) == old
    assert new_text(pairs) == new
    assert (DELETE, "၁၂") in pairs
    assert (INSERT, "၁၃") in pairs


def test_semantic_cleanup_groups_a_rewritten_phrase() -> None:
    pairs = diff_tokens(
        "members shall elect the chair by ballot",
        "members shall appoint a new chair at once by ballot",
    )
    # A short equality between two changes is folded into one change, as people read it.
    assert pairs == [
        (EQUAL, "members shall "),
        (DELETE, "elect the chair"),
        (INSERT, "appoint a new chair at once"),
        (EQUAL, " by ballot"),
    ]


def test_an_inserted_paragraph_is_aligned_to_line_breaks() -> None:
    pairs = diff_tokens("One.\n\nTwo.", "One.\n\nNew.\n\nTwo.")
    assert pairs == [(EQUAL, "One.\n\n"), (INSERT, "New.\n\n"), (EQUAL, "Two.")]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("", "", []),
        ("", "ကား", [(INSERT, "ကား")]),
        ("ကား", "", [(DELETE, "ကား")]),
        ("same", "same", [(EQUAL, "same")]),
    ],
)
def test_edges(old: str, new: str, expected: list[tuple[int, str]]) -> None:
    assert diff_tokens(old, new) == expected


def test_texts_are_not_normalised() -> None:
    typed = "\u1000\u103b\u1004\u103a\u1037"
    nfc = unicodedata.normalize("NFC", typed)
    pairs = diff_tokens(typed, nfc)
    assert old_text(pairs) == typed
    assert new_text(pairs) == nfc
    assert pairs == [(DELETE, typed), (INSERT, nfc)]


def test_private_use_characters_in_the_input() -> None:
    old = "a\ue000b \U000f0000 \ue001"
    new = "a\ue001b \U000f0000 \ue000"
    pairs = diff_tokens(old, new)
    assert old_text(pairs) == old
    assert new_text(pairs) == new
    assert pairs[0] == (EQUAL, "a")


def test_more_distinct_tokens_than_the_bmp_private_use_area() -> None:
    old = " ".join(f"w{i}" for i in range(7000))
    new = " ".join(f"w{i}" for i in range(7000) if i != 6800)
    for pairs in (
        diff_tokens(old, new),
        # The whole sequences, not only what lies between the unchanged start and end.
        diff_token_lists(tokenize(old), tokenize(new)),
    ):
        assert old_text(pairs) == old
        assert new_text(pairs) == new
        assert pairs[1] in ((DELETE, "w6800 "), (DELETE, " w6800"))


def test_code_points_are_handed_out_in_order() -> None:
    assert _code_point(0) == "\ue000"
    assert _code_point(6399) == "\uf8ff"
    assert _code_point(6400) == "\U000f0000"
    assert _code_point(6400 + 65534) == "\U00100000"
    with pytest.raises(ValueError, match="too many"):
        _code_point(10**7)


def test_pairs_are_canonical() -> None:
    pairs = diff_tokens("a b c d e f", "a x c y e z")
    for (op1, _), (op2, _) in itertools.pairwise(pairs):
        assert op1 != op2
        assert (op1, op2) != (INSERT, DELETE)
    assert all(text for _, text in pairs)


def test_token_lists_without_cleanup_keep_every_common_token() -> None:
    old = tokenize("alpha beta")
    new = tokenize("gamma delta")
    assert diff_token_lists(old, new) == [(DELETE, "alpha beta"), (INSERT, "gamma delta")]
    assert diff_token_lists(old, new, cleanup=False) == [
        (DELETE, "alpha"),
        (INSERT, "gamma"),
        (EQUAL, " "),
        (DELETE, "beta"),
        (INSERT, "delta"),
    ]


def token_boundaries(text: str) -> set[int]:
    positions = {0}
    position = 0
    for token in tokenize(text):
        position += len(token)
        positions.add(position)
    return positions


@settings(PROPERTY, max_examples=200)
@given(text_pairs())
def test_pieces_rebuild_both_texts(pair: tuple[str, str]) -> None:
    old, new = pair
    pairs = diff_tokens(old, new)
    assert old_text(pairs) == old
    assert new_text(pairs) == new
    assert all(text for _, text in pairs)
    assert all(op in (DELETE, EQUAL, INSERT) for op, _ in pairs)
    for (op1, _), (op2, _) in itertools.pairwise(pairs):
        assert op1 != op2


@settings(PROPERTY, max_examples=200)
@given(text_pairs())
def test_pieces_start_and_end_on_token_boundaries(pair: tuple[str, str]) -> None:
    old, new = pair
    old_boundaries = token_boundaries(old)
    new_boundaries = token_boundaries(new)
    in_old = in_new = 0
    for op, text in diff_tokens(old, new):
        if op != INSERT:
            # A piece of the old text starts and ends where a token of the old text does.
            assert in_old in old_boundaries and in_old + len(text) in old_boundaries
            assert in_old == 0 or not is_mark(text[0])
            in_old += len(text)
        if op != DELETE:
            assert in_new in new_boundaries and in_new + len(text) in new_boundaries
            assert in_new == 0 or not is_mark(text[0])
            in_new += len(text)


def test_cutting_off_the_unchanged_ends_changes_nothing() -> None:
    # diff_tokens tokenizes only what lies between the unchanged start and end of the two
    # texts; on ordinary texts that gives the very diff of the whole token sequences.
    rng = random.Random(2020)
    vocabulary = [*WORDS, *ENGLISH, "၊", "။", "\n", "\n\n", "."]
    for _ in range(300):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(1, 40))]
        old = " ".join(words)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(words) + 1)
            if rng.random() < 0.3 and at < len(words):
                del words[at]
            else:
                words.insert(at, rng.choice(vocabulary))
        new = " ".join(words)
        assert diff_tokens(old, new) == diff_token_lists(tokenize(old), tokenize(new))


# The C++ diff-match-patch serves; the pure-Python one stays as the reference.


@settings(PROPERTY, max_examples=300)
@given(text_pairs())
def test_the_cpp_core_rebuilds_both_texts_like_the_python_one(pair: tuple[str, str]) -> None:
    old, new = pair
    for engine in ("cpp", "python"):
        pairs = diff_tokens(old, new, engine=engine)
        assert old_text(pairs) == old, engine
        assert new_text(pairs) == new, engine


@settings(PROPERTY, max_examples=300)
@given(text_pairs())
def test_the_cpp_core_gives_the_python_cores_diff(pair: tuple[str, str]) -> None:
    # No timeout is reached on texts this short, so both cores find the same minimal diff
    # and the same cleanup of it.
    old, new = pair
    assert diff_tokens(old, new) == diff_tokens(old, new, engine="python")


@settings(PROPERTY, max_examples=200)
@given(text_pairs())
def test_the_cpp_core_keeps_every_common_token_without_cleanup(pair: tuple[str, str]) -> None:
    old, new = (tokenize(text) for text in pair)
    assert diff_token_lists(old, new, cleanup=False) == diff_token_lists(
        old, new, cleanup=False, engine="python"
    )


def test_the_cpp_core_is_the_one_that_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    import constitution.diffing.diff as module

    calls: list[str] = []
    real = module.ENGINES["cpp"]

    def spy(*args: object) -> list[tuple[int, str]]:
        calls.append("cpp")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setitem(module.ENGINES, "cpp", spy)
    assert diff_tokens("The cat sat.", "The big cat sat.") == [
        (EQUAL, "The "),
        (INSERT, "big "),
        (EQUAL, "cat sat."),
    ]
    assert calls == ["cpp"]


def test_a_spent_deadline_times_out_before_the_cpp_core_runs() -> None:
    from constitution.diffing.diff import TimedOut

    with pytest.raises(TimedOut):
        diff_tokens("The cat sat.", "The big cat sat.", deadline=1.0)
