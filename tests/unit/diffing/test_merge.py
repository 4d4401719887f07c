from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from constitution.diffing.merge import (
    Edit,
    MergeConflict,
    MergeResult,
    changed_ranges,
    edits,
    merge3,
    overlaps,
)

from .strategies import ENGLISH, PROPERTY, WORDS, any_text, syllables, variant

BASE = "The President shall be elected by the Assembly. The term of office is five years."


def test_disjoint_edits_are_both_applied() -> None:
    ours = BASE.replace("elected", "chosen")
    theirs = BASE.replace("five", "four")
    result = merge3(BASE, ours, theirs)
    assert result == MergeResult(
        "The President shall be chosen by the Assembly. The term of office is four years."
    )
    assert result.clean


def test_overlapping_edits_conflict() -> None:
    ours = BASE.replace("elected", "chosen")
    theirs = BASE.replace("elected", "appointed")
    result = merge3(BASE, ours, theirs)
    assert result.text is None
    assert not result.clean
    assert result.conflicts == (MergeConflict(23, 30, "elected", "chosen", "appointed"),)


def test_a_deletion_of_what_the_other_changed_conflicts() -> None:
    ours = BASE.replace("elected", "chosen")
    theirs = BASE.replace(" The term of office is five years.", "").replace(" by the Assembly", "")
    assert merge3(BASE, ours, theirs).conflicts


def test_touching_edits_conflict() -> None:
    # Ours changes "elected"; theirs adds a comma right after it: the two edits touch.
    ours = BASE.replace("elected", "chosen")
    theirs = BASE.replace("elected", "elected,")
    result = merge3(BASE, ours, theirs)
    assert result.text is None
    (conflict,) = result.conflicts
    assert conflict.base == "elected"
    assert conflict.ours == "chosen"
    assert conflict.theirs == "elected,"


def test_edits_separated_by_a_space_do_not_touch() -> None:
    # Theirs inserts "directly " before "by": one unchanged space separates the two edits.
    ours = BASE.replace("elected", "chosen")
    theirs = BASE.replace("elected", "elected directly")
    assert merge3(BASE, ours, theirs) == MergeResult(BASE.replace("elected", "chosen directly"))


def test_an_insertion_at_the_start_of_the_other_change_conflicts() -> None:
    ours = BASE.replace("elected", "chosen")
    theirs = BASE.replace("elected", "directly elected")
    assert merge3(BASE, ours, theirs).conflicts


def test_no_fuzzy_regustatute() -> None:
    # Fuzzy patching merged these into "with the regustatute" (DESIGN.md).
    base = "It shall comply with the statute."
    ours = "It shall comply with the regulation."
    theirs = "It shall comply with the statutes."
    result = merge3(base, ours, theirs)
    assert result.text is None
    assert result.conflicts[0].base == "statute"


def test_no_landing_on_another_copy_of_a_common_phrase() -> None:
    common = "the rights of the citizens of the Union"
    filler = "Other provisions follow. " * 1400  # some 35,000 characters
    base = f"Article 1. {common} are protected. {filler}Article 90. {common} are listed."
    ours = base.replace(f"{common} are protected", f"{common} shall be protected", 1)
    theirs = base.replace(f"Article 1. {common} are protected. ", "Article 1. Repealed. ")
    result = merge3(base, ours, theirs)
    assert result.text is None
    assert result.conflicts[0].ours.count("shall be protected") == 1


def test_identical_changes_are_not_a_conflict() -> None:
    ours = BASE.replace("elected", "chosen")
    assert merge3(BASE, ours, ours) == MergeResult(ours)
    theirs = ours.replace("five", "four")
    assert merge3(BASE, ours, theirs) == MergeResult(theirs)
    assert merge3(BASE, theirs, ours) == MergeResult(theirs)


def test_identical_insertions_at_the_same_place_are_taken_once() -> None:
    ours = BASE.replace("Assembly.", "Assembly. Amended.").replace("five", "six")
    theirs = BASE.replace("Assembly.", "Assembly. Amended.")
    assert merge3(BASE, ours, theirs) == MergeResult(ours)


def test_different_insertions_at_the_same_place_conflict() -> None:
    ours = BASE.replace("Assembly.", "Assembly. First.")
    theirs = BASE.replace("Assembly.", "Assembly. Second.")
    assert merge3(BASE, ours, theirs).conflicts


def test_unchanged_sides() -> None:
    ours = BASE.replace("elected", "chosen")
    assert merge3(BASE, ours, BASE) == MergeResult(ours)
    assert merge3(BASE, BASE, ours) == MergeResult(ours)
    assert merge3(BASE, BASE, BASE) == MergeResult(BASE)
    assert merge3("", "", "") == MergeResult("")


def test_burmese_disjoint_edits() -> None:
    base = "ပြည်ထောင်စုသမ္မတမြန်မာနိုင်ငံတော် ဖွဲ့စည်းပုံအခြေခံဥပဒေ"
    ours = base.replace("သမ္မတ", "ဖက်ဒရယ်")
    theirs = base.replace("ဥပဒေ", "ဥပဒေသစ်")
    assert merge3(base, ours, theirs) == MergeResult("ပြည်ထောင်စုဖက်ဒရယ်မြန်မာနိုင်ငံတော် ဖွဲ့စည်းပုံအခြေခံဥပဒေသစ်")


def test_burmese_edits_of_two_syllables_of_one_word_conflict() -> None:
    # မြန်မာနိုင်ငံ is one word; each side changes a different syllable of it.
    base = "ပြည်ထောင်စုသမ္မတမြန်မာနိုင်ငံတော်"
    ours = base.replace("မြန်မာ", "ဗမာ")
    theirs = base.replace("နိုင်ငံ", "ပြည်")
    result = merge3(base, ours, theirs)
    assert result.text is None
    (conflict,) = result.conflicts
    assert conflict.base == "မြန်မာနိုင်ငံ"
    assert conflict.ours == "ဗမာနိုင်ငံ"
    assert conflict.theirs == "မြန်မာပြည်"
    assert base[conflict.start : conflict.end] == conflict.base


def test_burmese_one_vowel_conflict() -> None:
    base = "ပြည်သူများ ကား စီးကြသည်။"
    result = merge3(base, base.replace("ကား", "ကိုး"), base.replace("ကား", "ကူး"))
    assert result.conflicts == (MergeConflict(11, 14, "ကား", "ကိုး", "ကူး"),)


def test_text_beyond_the_basic_multilingual_plane() -> None:
    base = "😀 one two three 😀 four ပြည်ထောင်စု 😀 မြန်မာနိုင်ငံ"
    ours = base.replace("two", "2")
    theirs = base.replace("four", "4").replace("နိုင်ငံ", "ပြည်")
    assert merge3(base, ours, theirs) == MergeResult("😀 one 2 three 😀 4 ပြည်ထောင်စု 😀 မြန်မာပြည်")
    conflict = merge3(base, base.replace("မြန်မာ", "ဗမာ"), theirs).conflicts[0]
    assert base[conflict.start : conflict.end] == conflict.base == "မြန်မာနိုင်ငံ"


def test_edits_and_changed_ranges() -> None:
    new = BASE.replace("elected", "chosen").replace(" of office", "") + " Once."
    assert edits(BASE, new) == [
        Edit(23, 30, "chosen"),
        Edit(57, 67, ""),
        Edit(81, 81, " Once."),
    ]
    assert changed_ranges(BASE, new) == [(23, 30), (57, 67), (81, 81)]
    assert BASE[57:67] == "of office "
    assert changed_ranges(BASE, BASE) == []
    assert changed_ranges("ကား", "ကိုး") == [(0, 3)]


def test_overlaps() -> None:
    chosen = BASE.replace("elected", "chosen")
    appointed = BASE.replace("elected", "appointed")
    four = BASE.replace("five", "four")
    assert overlaps(BASE, chosen, appointed)
    assert not overlaps(BASE, chosen, four)
    assert overlaps(BASE, chosen, chosen)  # both cannot be adopted as separate changes
    assert not overlaps(BASE, BASE, chosen)
    deleted = BASE.replace("The President shall be elected by the Assembly. ", "")
    assert overlaps(BASE, chosen, deleted)
    assert not overlaps(BASE, four.replace("years", "years"), deleted)


# Property tests. Texts are built of chunks (Burmese words or syllable runs) separated by
# spaces; replacements come from English words, which share no token with the chunks, so the
# diff of each side is unambiguous.

chunks = st.lists(
    st.one_of(st.sampled_from(WORDS), st.lists(syllables(), min_size=1, max_size=3).map("".join)),
    min_size=3,
    max_size=12,
    unique=True,
).map(lambda items: [unicodedata.normalize("NFC", item) for item in items])


def apply(chunk_list: list[str], changes: dict[int, tuple[str, str]]) -> str:
    out: list[str] = []
    for index, chunk in enumerate(chunk_list):
        action, word = changes.get(index, ("keep", ""))
        if action == "replace":
            out.append(word)
        elif action == "insert":
            out.extend([word, chunk])
        elif action == "keep":
            out.append(chunk)
    return " ".join(out)


def changes_for(indices: list[int], draw: st.DrawFn) -> dict[int, tuple[str, str]]:
    return {
        index: (
            draw(st.sampled_from(["replace", "delete", "insert"])),
            draw(st.sampled_from(ENGLISH[:17])),
        )
        for index in indices
    }


@st.composite
def disjoint_edits(draw: st.DrawFn) -> tuple[str, str, str, str]:
    items = draw(chunks)
    # Chunk indices for each side, at least two apart (one untouched chunk in between).
    n = len(items)
    picked = sorted(draw(st.sets(st.integers(0, n - 1), min_size=2, max_size=4)))
    spaced = [picked[0]]
    for index in picked[1:]:
        if index - spaced[-1] >= 2:
            spaced.append(index)
    if len(spaced) < 2:
        spaced = [0, n - 1]
    sides = [draw(st.booleans()) for _ in spaced]
    sides[0], sides[-1] = True, False
    ours = changes_for([i for i, side in zip(spaced, sides, strict=True) if side], draw)
    theirs = changes_for([i for i, side in zip(spaced, sides, strict=True) if not side], draw)
    return (
        apply(items, {}),
        apply(items, ours),
        apply(items, theirs),
        apply(items, {**ours, **theirs}),
    )


@settings(PROPERTY, max_examples=200)
@given(disjoint_edits())
def test_disjoint_edits_apply_both(case: tuple[str, str, str, str]) -> None:
    base, ours, theirs, both = case
    assert merge3(base, ours, theirs) == MergeResult(both)
    assert merge3(base, theirs, ours) == MergeResult(both)
    assert not overlaps(base, ours, theirs)


@st.composite
def overlapping_edits(draw: st.DrawFn) -> tuple[str, str, str]:
    items = draw(chunks)
    index = draw(st.integers(0, len(items) - 1))
    ours_word, theirs_word = draw(
        st.lists(st.sampled_from(ENGLISH[:17]), min_size=2, max_size=2, unique=True)
    )
    # Pairs of changes that always touch: an insertion before a chunk may sit after the
    # space before it instead, so it touches only another insertion at the same place.
    ours_action, theirs_action = draw(
        st.sampled_from(
            [
                ("replace", "replace"),
                ("replace", "delete"),
                ("delete", "replace"),
                ("insert", "insert"),
            ]
        )
    )
    return (
        apply(items, {}),
        apply(items, {index: (ours_action, ours_word)}),
        apply(items, {index: (theirs_action, theirs_word)}),
    )


@settings(PROPERTY, max_examples=200)
@given(overlapping_edits())
def test_overlapping_edits_conflict_property(case: tuple[str, str, str]) -> None:
    base, ours, theirs = case
    result = merge3(base, ours, theirs)
    assert result.text is None
    assert result.conflicts
    for conflict in result.conflicts:
        assert base[conflict.start : conflict.end] == conflict.base
        assert conflict.ours != conflict.theirs
    assert overlaps(base, ours, theirs)


@settings(PROPERTY, max_examples=200)
@given(any_text, st.data())
def test_an_unchanged_side_gives_the_other(base: str, data: st.DataObject) -> None:
    x = variant(data.draw, base)
    assert merge3(base, x, base) == MergeResult(x)
    assert merge3(base, base, x) == MergeResult(x)
    assert merge3(base, x, x) == MergeResult(x)


@settings(PROPERTY, max_examples=200)
@given(any_text, st.data())
def test_merge_of_any_edits_is_symmetric_and_sound(base: str, data: st.DataObject) -> None:
    ours = variant(data.draw, base)
    theirs = variant(data.draw, base)
    result = merge3(base, ours, theirs)
    swapped = merge3(base, theirs, ours)
    assert result.text == swapped.text
    assert [(c.start, c.end) for c in result.conflicts] == [
        (c.start, c.end) for c in swapped.conflicts
    ]
    if result.text is None:
        assert result.conflicts
        for conflict in result.conflicts:
            assert base[conflict.start : conflict.end] == conflict.base
        return
    # A clean merge is base with the edits of both sides applied; when no edit of one side
    # touches an edit of the other, that is simply all of them, spliced in.
    ours_edits = edits(base, ours)
    theirs_edits = edits(base, theirs)
    if any(a.start <= b.end and b.start <= a.end for a in ours_edits for b in theirs_edits):
        return  # identical changes, resolved region by region
    out = []
    position = 0
    for edit in sorted(ours_edits + theirs_edits, key=lambda e: (e.start, e.end)):
        out.append(base[position : edit.start] + edit.text)
        position = edit.end
    out.append(base[position:])
    assert result.text == "".join(out)
