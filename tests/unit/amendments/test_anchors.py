"""Comments on a quoted passage keep their place as the text moves on (DESIGN.md, "Comments").

A comment quotes a passage of a provision with some context; after later revisions
``resolve_anchors`` finds it again in the current text, its ``start`` and ``end`` shifted so
that they slice the current text to the passage, or reports it lost (``found`` false) with
the old quote kept, for display as "passage changed". In Burmese and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.amendments import services
from constitution.amendments.models import Amendment
from constitution.comments import services as comments
from constitution.comments.models import Comment
from constitution.comments.services import ResolvedAnchor
from constitution.errors import Invalid
from constitution.settings import Settings
from constitution.texts.models import Document
from constitution.texts.validation import Notices
from tests.factories import (
    adopt_amendment,
    current,
    document_body,
    edit_document,
    make_document,
    make_member,
    propose_amendment,
    provision,
)

KEY = "art-1"
EN = "Every person is equal before the law and is entitled to its equal protection."
MY = "လူတိုင်းသည် ဥပဒေရှေ့မှောက်တွင် တန်းတူဖြစ်ပြီး ဥပဒေ၏ တန်းတူအကာအကွယ်ကို ခံစားခွင့်ရှိသည်။"
TEXT = {"my": MY, "en": EN}


@dataclass(frozen=True)
class Quote:
    exact: str
    prefix: str
    suffix: str


QUOTES = {
    "en": Quote("equal before the law", "Every person is ", " and is entitled"),
    "my": Quote("ဥပဒေရှေ့မှောက်တွင် တန်းတူဖြစ်ပြီး", "လူတိုင်းသည် ", " ဥပဒေ၏"),
}
# Edits of art-1 that leave the quoted passage as it is: (old, new) in TEXT[lang].
BEFORE = {"en": ("Every person", "Every human being"), "my": ("လူတိုင်းသည်", "လူသားတိုင်းသည်")}
AFTER = {"en": ("its equal protection", "its full protection"), "my": ("ခံစားခွင့်", "အပြည့်အဝ ခံစားခွင့်")}
# The quoted words themselves rewritten.
REWRITTEN = {
    "en": "treated alike by every court",
    "my": "တရားရုံးတိုင်းက တစ်ပုံစံတည်း ဆက်ဆံရမည်ဖြစ်ပြီး",
}
# An edit of art-2.
ELSEWHERE = {
    "en": ("are elected", "are freely elected"),
    "my": ("ရွေးကောက်တင်မြှောက်သည်", "လွတ်လပ်စွာ ရွေးကောက်တင်မြှောက်သည်"),
}
LANGS = [pytest.param("my", id="my"), pytest.param("en", id="en")]


def body() -> dict[str, Any]:
    return document_body(
        "anchors-draft",
        [
            provision("part-1", "Part 1", "part", None, "အခြေခံအခွင့်အရေးများ", "Rights"),
            provision("art-1", "Article 1", "article", "part-1", MY, EN),
            provision(
                "art-2",
                "Article 2",
                "article",
                "part-1",
                "လွှတ်တော်ကိုယ်စားလှယ်များကို ရွေးကောက်တင်မြှောက်သည်။",
                "Members of parliament are elected.",
            ),
        ],
        title={"my": "အခြေခံအခွင့်အရေး", "en": "Fundamental rights"},
    )


@dataclass
class Setup:
    db: Session
    settings: Settings
    document: Document
    author: Member
    editor: Member
    others: list[Member]

    def text(self, lang: str, key: str = KEY) -> str:
        return current(self.db, self.document, key).text[lang]

    def replace(self, lang: str, old: str, new: str, key: str = KEY) -> dict[str, Any]:
        text = self.text(lang, key)
        assert text.count(old) == 1, f"{old!r} is not once in {text!r}"
        return {"op": "replace", "key": key, "text": {lang: text.replace(old, new)}}

    def amendment(self, *changes: dict[str, Any]) -> Amendment:
        proposer, *sponsors = self.others
        return propose_amendment(
            self.db,
            self.settings,
            proposer,
            self.document,
            *changes,
            rationale={"en": "Because."},
            sponsors=sponsors,
            submit=True,
        )

    def comment(self, lang: str, quote: Quote, amendment: Amendment | None = None) -> Comment:
        anchor = {
            "key": KEY,
            "language": lang,
            "exact": quote.exact,
            "prefix": quote.prefix,
            "suffix": quote.suffix,
        }
        thread = (
            services.thread_of(amendment, self.document)
            if amendment
            else comments.Thread(self.document, provision_key=KEY)
        )
        return comments.add_comment(
            self.db,
            self.author,
            thread,
            body="Is this wording strong enough?",
            anchor=anchor,
            notices=Notices(),
        )

    def land(self, via: str, change: dict[str, Any]) -> int:
        """A new revision with ``change``, by the secretariat or by an adopted amendment."""
        if via == "editorial":
            return edit_document(self.db, self.editor, self.document, change).rev
        return adopt_amendment(self.db, self.amendment(change)).rev

    def resolve(self, comment: Comment) -> ResolvedAnchor:
        return comments.resolve_anchors(self.db, self.document, [comment])[comment.id]


@pytest.fixture
def setup(db: Session, settings: Settings) -> Setup:
    others = [make_member(db, settings, name) for name in ("ei", "phyu", "nwe")]
    return Setup(
        db,
        settings,
        make_document(db, body()),
        make_member(db, settings, "thida"),
        make_member(db, settings, "secretariat", ["member", "secretariat"]),
        others,
    )


def assert_found(anchor: ResolvedAnchor, text: str, exact: str) -> None:
    assert anchor.found
    assert anchor.start is not None and anchor.end is not None
    assert text[anchor.start : anchor.end] == exact


VIA = [pytest.param("editorial", id="editorial"), pytest.param("amendment", id="amendment")]


@pytest.mark.parametrize("lang", LANGS)
def test_a_new_anchor_is_found_where_it_was_quoted(setup: Setup, lang: str) -> None:
    quote = QUOTES[lang]
    comment = setup.comment(lang, quote)
    assert comment.anchor is not None and comment.anchor["rev"] == 1
    anchor = setup.resolve(comment)
    assert anchor.start == TEXT[lang].index(quote.exact)
    assert_found(anchor, TEXT[lang], quote.exact)
    assert (anchor.rev, anchor.made_on, anchor.key, anchor.language) == (1, 1, KEY, lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("via", VIA)
def test_an_edit_before_the_passage_shifts_it(setup: Setup, lang: str, via: str) -> None:
    quote = QUOTES[lang]
    comment = setup.comment(lang, quote)
    old, new = BEFORE[lang]
    rev = setup.land(via, setup.replace(lang, old, new))
    anchor = setup.resolve(comment)
    text = setup.text(lang)
    assert text != TEXT[lang]
    assert (anchor.rev, anchor.made_on) == (rev, 1)
    assert_found(anchor, text, quote.exact)
    shift = len(new) - len(old)
    assert shift > 0
    assert anchor.start == TEXT[lang].index(quote.exact) + shift
    assert anchor.end == anchor.start + len(quote.exact)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("via", VIA)
def test_an_edit_after_the_passage_leaves_it_in_place(setup: Setup, lang: str, via: str) -> None:
    quote = QUOTES[lang]
    comment = setup.comment(lang, quote)
    setup.land(via, setup.replace(lang, *AFTER[lang]))
    anchor = setup.resolve(comment)
    assert anchor.start == TEXT[lang].index(quote.exact)
    assert_found(anchor, setup.text(lang), quote.exact)


@pytest.mark.parametrize("lang", LANGS)
def test_an_edit_of_the_other_language_or_another_provision_changes_nothing(
    setup: Setup, lang: str
) -> None:
    quote = QUOTES[lang]
    comment = setup.comment(lang, quote)
    other = "en" if lang == "my" else "my"
    setup.land("editorial", setup.replace(other, *BEFORE[other]))
    setup.land("amendment", setup.replace(lang, *ELSEWHERE[lang], key="art-2"))
    anchor = setup.resolve(comment)
    assert anchor.rev == 3
    assert anchor.start == TEXT[lang].index(quote.exact)
    assert_found(anchor, setup.text(lang), quote.exact)


@pytest.mark.parametrize("lang", LANGS)
def test_edits_on_both_sides_over_several_revisions(setup: Setup, lang: str) -> None:
    quote = QUOTES[lang]
    comment = setup.comment(lang, quote)
    setup.land("editorial", setup.replace(lang, *AFTER[lang]))
    setup.land("amendment", setup.replace(lang, *BEFORE[lang]))
    anchor = setup.resolve(comment)
    text = setup.text(lang)
    assert_found(anchor, text, quote.exact)
    assert anchor.start == text.index(quote.exact)


@pytest.mark.parametrize(
    ("lang", "quote", "edit_", "found"),
    [
        pytest.param(
            "en",
            Quote("is entitled to its equal protection", "before the law and ", "."),
            ("its equal protection", "its full protection"),
            "is entitled to its full protection",
            id="en",
        ),
        pytest.param(
            "my",
            Quote("ဥပဒေ၏ တန်းတူအကာအကွယ်ကို ခံစားခွင့်ရှိသည်", "တန်းတူဖြစ်ပြီး ", "။"),
            ("တန်းတူအကာအကွယ်ကို", "ညီမျှသော အကာအကွယ်ကို"),
            "ဥပဒေ၏ ညီမျှသော အကာအကွယ်ကို ခံစားခွင့်ရှိသည်",
            id="my",
        ),
    ],
)
def test_a_passage_with_one_word_changed_is_shown_as_changed_and_where_it_went(
    setup: Setup, lang: str, quote: Quote, edit_: tuple[str, str], found: str
) -> None:
    comment = setup.comment(lang, quote)
    setup.land("editorial", setup.replace(lang, *edit_))
    anchor = setup.resolve(comment)
    # "Found" only while its exact words are there: one word changed, it is not.
    assert not anchor.found and (anchor.start, anchor.end) == (None, None)
    assert anchor.exact == quote.exact  # the quote as it was made
    # Where it most likely went, with the new words.
    text = setup.text(lang)
    assert anchor.near_start is not None and anchor.near_end is not None
    assert text[anchor.near_start : anchor.near_end] == anchor.near_text == found


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("via", VIA)
def test_rewritten_words_lose_the_anchor_and_keep_the_old_quote(
    setup: Setup, lang: str, via: str
) -> None:
    quote = QUOTES[lang]
    comment = setup.comment(lang, quote)
    rev = setup.land(via, setup.replace(lang, quote.exact, REWRITTEN[lang]))
    anchor = setup.resolve(comment)
    assert not anchor.found
    assert (anchor.start, anchor.end) == (None, None)
    assert (anchor.exact, anchor.prefix, anchor.suffix) == (quote.exact, quote.prefix, quote.suffix)
    assert (anchor.rev, anchor.made_on) == (rev, 1)
    assert comment.anchor is not None and comment.anchor["exact"] == quote.exact


@pytest.mark.parametrize("lang", LANGS)
def test_a_deleted_provision_loses_the_anchor(setup: Setup, lang: str) -> None:
    comment = setup.comment(lang, QUOTES[lang])
    setup.land("editorial", {"op": "delete", "key": KEY})
    anchor = setup.resolve(comment)
    assert not anchor.found and anchor.start is None
    assert anchor.exact == QUOTES[lang].exact


@pytest.mark.parametrize("lang", LANGS)
def test_anchors_on_an_amendment_resolve_against_the_current_text(setup: Setup, lang: str) -> None:
    amendment = setup.amendment(setup.replace(lang, QUOTES[lang].exact, REWRITTEN[lang]))
    kept = setup.comment(lang, Quote(AFTER[lang][0], "", ""), amendment)
    lost = setup.comment(lang, QUOTES[lang], amendment)
    plain = comments.add_comment(
        setup.db,
        setup.author,
        services.thread_of(amendment, setup.document),
        body="No quote.",
        notices=Notices(),
    )
    adopt_amendment(setup.db, amendment)
    resolved = comments.resolve_anchors(
        setup.db,
        setup.document,
        comments.comments_on(setup.db, services.thread_of(amendment, setup.document)),
    )
    assert set(resolved) == {kept.id, lost.id}
    assert plain.id not in resolved
    text = setup.text(lang)
    assert_found(resolved[kept.id], text, AFTER[lang][0])
    # The words the amendment rewrote are gone from the text.
    assert QUOTES[lang].exact not in text
    assert resolved[lost.id].found is False
    assert resolved[lost.id].exact == QUOTES[lang].exact


@pytest.mark.parametrize("lang", LANGS)
def test_a_quote_that_is_not_in_the_text_is_refused(setup: Setup, lang: str) -> None:
    with pytest.raises(Invalid) as refused:
        setup.comment(lang, Quote(REWRITTEN[lang], "", ""))
    assert refused.value.code == "passage_not_found"


# A word quoted where it occurs the second time: only its context tells which one it is.
SECOND = {
    "en": Quote("equal", "is entitled to its ", " protection."),
    "my": Quote("တန်းတူ", "ဥပဒေ၏ ", "အကာအကွယ်ကို"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_context_picks_the_quoted_occurrence(setup: Setup, lang: str) -> None:
    quote = SECOND[lang]
    assert TEXT[lang].count(quote.exact) == 2
    comment = setup.comment(lang, quote)
    # The context is kept as quoted, spaces included, so that it joins the quote.
    assert comment.anchor is not None
    assert (comment.anchor["prefix"], comment.anchor["suffix"]) == (quote.prefix, quote.suffix)
    second = TEXT[lang].rindex(quote.exact)
    assert setup.resolve(comment).start == second
    old, new = BEFORE[lang]
    setup.land("editorial", setup.replace(lang, old, new))
    anchor = setup.resolve(comment)
    assert anchor.start == second + len(new) - len(old)
    assert_found(anchor, setup.text(lang), quote.exact)


def test_spaces_selected_with_a_quote_join_its_context(setup: Setup) -> None:
    comment = setup.comment("en", Quote(" equal ", "is entitled to its", "protection."))
    assert comment.anchor is not None
    assert comment.anchor["exact"] == "equal"
    assert comment.anchor["prefix"] == "is entitled to its "
    assert comment.anchor["suffix"] == " protection."
    assert setup.resolve(comment).start == EN.rindex("equal")
