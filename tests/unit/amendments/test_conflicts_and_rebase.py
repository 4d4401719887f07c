"""Conflicts between open amendments, and their rebase when the text moves on, in Burmese
and English (DESIGN.md, "Amendments"; API.md, "Granularity of conflicts and rebases").

Two amendments to one provision are compared word by word (syllable by syllable, and word
by word, in Burmese): disjoint edits both apply, one after the other; edits of the same
words, or that touch, conflict. After every new revision (an adopted amendment or an
editorial correction) the open amendments are rebased, marked as needing an update, or
made obsolete when their provision is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.amendments import services
from constitution.amendments.models import Amendment, Status
from constitution.audit.models import AuditEvent
from constitution.errors import StateConflict
from constitution.settings import Settings
from constitution.texts.models import Document, Revision
from constitution.texts.validation import Notices
from tests.factories import (
    adopt_amendment,
    current,
    edit_document,
    make_committee,
    make_document,
    make_member,
    propose_amendment,
    small_body,
)

KEY = "art-1"
EN = "Every person is equal before the law and is entitled to its equal protection."
MY = "လူတိုင်းသည် ဥပဒေရှေ့မှောက်တွင် တန်းတူဖြစ်ပြီး ဥပဒေ၏ တန်းတူအကာအကွယ်ကို ခံစားခွင့်ရှိသည်။"
TEXT = {"my": MY, "en": EN}
OTHER = {"my": "en", "en": "my"}

# An (old, new) edit of one language of art-1: `old` occurs once in that text.
EditSpec = tuple[str, str]


def body() -> dict[str, Any]:
    """The small draft's shape, article 1 on equality before the law."""
    return small_body(
        "rights-draft",
        title={"my": "အခြေခံအခွင့်အရေး", "en": "Fundamental rights"},
        texts={
            "part-1": {"my": "အခြေခံအခွင့်အရေးများ", "en": "Rights"},
            "art-1": TEXT,
            "art-2": {
                "my": "လွှတ်တော်ကိုယ်စားလှယ်များကို ရွေးကောက်တင်မြှောက်သည်။",
                "en": "Members of parliament are elected.",
            },
        },
    )


@dataclass
class World:
    """A document, four members who propose and co-sponsor, and the secretariat."""

    db: Session
    settings: Settings
    document: Document
    members: list[Member]
    editor: Member

    def text(self, key: str = KEY) -> dict[str, str]:
        return dict(current(self.db, self.document, key).text)

    def outdated(self, key: str = KEY) -> list[str]:
        return list(current(self.db, self.document, key).outdated)

    def propose(self, who: int, *changes: dict[str, Any], submit: bool = True) -> Amendment:
        """Member ``who`` proposes; the next two co-sponsor; she submits."""
        proposer = self.members[who]
        amendment = propose_amendment(
            self.db,
            self.settings,
            proposer,
            self.document,
            *changes,
            title=f"Amendment by {proposer.username}",
            rationale={"en": "Because.", "my": "အကြောင်းပြချက်။"},
            sponsors=[self.members[(who + other) % 4] for other in (1, 2)] if submit else [],
            submit=submit,
        )
        self.db.flush()
        return amendment

    def replace(self, lang: str, old: str, new: str, key: str = KEY) -> dict[str, Any]:
        """A change of one language of ``key``'s current text, ``old`` becoming ``new``."""
        text = self.text(key)[lang]
        assert text.count(old) == 1, f"{old!r} is not once in {text!r}"
        return {"op": "replace", "key": key, "text": {lang: text.replace(old, new)}}

    def amend(self, who: int, lang: str, edit_: EditSpec, key: str = KEY) -> Amendment:
        return self.propose(who, self.replace(lang, *edit_, key=key))

    def adopt(self, amendment: Amendment) -> Revision:
        revision = adopt_amendment(self.db, amendment)
        self.db.flush()
        return revision

    def land(self, via: str, change: dict[str, Any]) -> Revision:
        """A new revision with ``change``: an adopted amendment or an editorial correction."""
        if via == "amendment":
            return self.adopt(self.propose(3, change))
        return edit_document(self.db, self.editor, self.document, change)

    def revisions(self) -> int:
        return (
            self.db.scalar(
                select(func.count())
                .select_from(Revision)
                .where(Revision.document_id == self.document.id)
            )
            or 0
        )

    def events(self, action: str, amendment: Amendment) -> list[AuditEvent]:
        return list(
            self.db.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == action,
                    AuditEvent.object == f"amendment:{amendment.id}",
                )
            )
        )


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    members = [make_member(db, settings, name) for name in ("thida", "ei", "phyu", "nwe")]
    editor = make_member(db, settings, "secretariat", ["member", "secretariat"])
    return World(db, settings, make_document(db, body()), members, editor)


def status(amendment: Amendment) -> Status:
    return Status(amendment.status)


def changed(lang: str, *edits: EditSpec) -> str:
    text = TEXT[lang]
    for old, new in edits:
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


VIA = [pytest.param("amendment", id="after-adoption"), pytest.param("editorial", id="editorial")]


# ---- disjoint edits of one provision both apply ---------------------------------------------

DISJOINT = [
    pytest.param(
        "en", ("Every person", "Every human being"), ("its equal", "its full"), id="en-words"
    ),
    pytest.param(
        "my",
        ("လူတိုင်းသည်", "လူသားတိုင်းသည်"),
        ("တန်းတူအကာအကွယ်ကို", "ညီမျှသော အကာအကွယ်ကို"),
        id="my-phrases",
    ),
    # Adjacent words: English words with a space between them do not touch.
    pytest.param("en", ("before", "under"), ("the law", "this law"), id="en-adjacent-words"),
    # The last word of one Burmese phrase and the first of the next (a space between).
    pytest.param(
        "my", ("တန်းတူဖြစ်ပြီး", "တန်းတူဖြစ်၍"), ("ဥပဒေ၏", "တရားဥပဒေ၏"), id="my-adjacent-phrases"
    ),
]


@pytest.mark.parametrize(("lang", "first", "second"), DISJOINT)
def test_disjoint_edits_do_not_conflict_and_both_apply(
    world: World, lang: str, first: EditSpec, second: EditSpec
) -> None:
    a = world.amend(0, lang, first)
    b = world.amend(1, lang, second)
    assert services.conflicts_of(world.db, a) == []
    assert services.conflicts_of(world.db, b) == []

    revision = world.adopt(a)
    assert world.text()[lang] == changed(lang, first)
    # b was rebased onto the new text: still submitted, against the new revision, and its
    # change now carries a's edit as well as its own.
    assert status(b) is Status.SUBMITTED
    assert b.base_rev == revision.rev == world.document.current_rev
    assert b.problem is None
    assert b.changes[0].base_text[lang] == changed(lang, first)
    assert b.changes[0].text[lang] == changed(lang, first, second)
    rebased = world.events("amendment.rebased", b)
    assert [e.payload["rev"] for e in rebased] == [revision.rev]
    diff = services.change_diff(world.document, b.changes[0])[lang]
    assert "".join(t for op, t in diff if op <= 0) == changed(lang, first)
    assert "".join(t for op, t in diff if op >= 0) == changed(lang, first, second)

    final = world.adopt(b)
    assert status(a) is status(b) is Status.ADOPTED
    assert b.adopted_rev == final.rev
    assert world.text()[lang] == changed(lang, first, second)
    assert world.text()[OTHER[lang]] == TEXT[OTHER[lang]]


CLEAN = {"en": ("Every person", "Every human being"), "my": ("လူတိုင်းသည်", "လူသားတိုင်းသည်")}
ELSEWHERE = {"en": ("own", "own written"), "my": ("ရှိသည်", "ရှိရမည်")}


@pytest.mark.parametrize("lang", ["my", "en"])
@pytest.mark.parametrize("via", VIA)
def test_a_new_revision_elsewhere_leaves_an_amendment_as_it_was(
    world: World, lang: str, via: str
) -> None:
    a = world.amend(0, lang, CLEAN[lang])
    before = (a.base_rev, dict(a.changes[0].text), dict(a.changes[0].base_text))
    world.land(via, world.replace(lang, *ELSEWHERE[lang], key="art-3"))
    assert status(a) is Status.SUBMITTED
    assert (a.base_rev, a.changes[0].text, a.changes[0].base_text) == before
    assert world.events("amendment.rebased", a) == []
    world.adopt(a)
    assert world.text()[lang] == changed(lang, CLEAN[lang])


# ---- edits that touch the same words conflict -------------------------------------------------

OVERLAPPING = [
    pytest.param("en", ("before", "under"), ("before", "in the eyes of"), id="en-same-word"),
    # A comma inserted right after a word that the other replaces.
    pytest.param("en", ("the law", "the laws"), ("law and", "law, and"), id="en-touching"),
    pytest.param("my", ("ရှေ့မှောက်", "အောက်"), ("ရှေ့မှောက်", "မျက်မှောက်"), id="my-same-syllables"),
    # Two different syllables of one word (တန်းတူ, equal).
    pytest.param("my", ("တန်းတူဖြစ်", "ညီတူဖြစ်"), ("တန်းတူဖြစ်", "တန်းညီဖြစ်"), id="my-same-word"),
    # A syllable inserted between two words of one phrase, one of which the other replaces.
    pytest.param("my", ("ဥပဒေရှေ့", "ဥပဒေများရှေ့"), ("ရှေ့မှောက်", "အောက်"), id="my-adjacent-word"),
]


@pytest.mark.parametrize(("lang", "first", "second"), OVERLAPPING)
def test_overlapping_edits_conflict_and_the_second_needs_an_update(
    world: World, lang: str, first: EditSpec, second: EditSpec
) -> None:
    a = world.amend(0, lang, first)
    b = world.amend(1, lang, second)
    c = world.amend(2, OTHER[lang], CLEAN[OTHER[lang]])
    assert services.conflicts_of(world.db, a) == [b.id]
    assert services.conflicts_of(world.db, b) == [a.id]
    assert services.conflicts_of(world.db, c) == []  # the other language: no overlap

    world.adopt(a)
    after = world.text()
    revisions = world.revisions()
    assert after[lang] == changed(lang, first)
    assert status(b) is Status.NEEDS_UPDATE
    assert b.problem == [
        {
            "key": KEY,
            "language": lang,
            "base": TEXT[lang],
            "ours": changed(lang, second),
            "theirs": changed(lang, first),
        }
    ]
    assert [e.payload["to"] for e in world.events("amendment.needs_update", b)] == ["needs_update"]
    assert services.conflicts_of(world.db, b) == []  # a is no longer open
    assert status(c) is Status.SUBMITTED

    # The failed amendment did not touch the text, and adopting it is refused.
    with pytest.raises(StateConflict) as refused:
        services.adopt(world.db, None, b)
    assert (refused.value.status, refused.value.code) == (409, "rebase_conflict")
    assert world.text() == after
    assert world.revisions() == revisions
    assert status(b) is Status.NEEDS_UPDATE


def test_a_scheduled_amendment_that_no_longer_applies_needs_an_update(world: World) -> None:
    a = world.amend(0, "en", ("before", "under"))
    b = world.amend(1, "en", ("before", "in the eyes of"))
    services.transition(world.db, b, "schedule", None)
    world.adopt(a)
    assert status(b) is Status.NEEDS_UPDATE
    with pytest.raises(StateConflict) as refused:
        services.adopt(world.db, None, b)
    assert refused.value.code == "rebase_conflict"
    assert world.text()["en"] == changed("en", ("before", "under"))


@pytest.mark.parametrize(
    ("lang", "first", "second"),
    [
        pytest.param("en", ("before", "under"), ("before", "in the eyes of"), id="en"),
        pytest.param("my", ("ရှေ့မှောက်", "အောက်"), ("ရှေ့မှောက်", "မျက်မှောက်"), id="my"),
    ],
)
def test_an_editorial_revision_triggers_the_same_recheck(
    world: World, lang: str, first: EditSpec, second: EditSpec
) -> None:
    clean = world.amend(0, lang, CLEAN[lang])
    clash = world.amend(1, lang, second)
    revision = world.land("editorial", world.replace(lang, *first))
    assert status(clean) is Status.SUBMITTED and clean.base_rev == revision.rev
    assert world.events("amendment.rebased", clean)
    assert status(clash) is Status.NEEDS_UPDATE
    assert clash.problem is not None
    assert clash.problem[0]["theirs"] == changed(lang, first)
    assert clash.base_rev < revision.rev  # not moved on: it has to be updated by hand


def test_the_proposer_updates_an_amendment_that_needs_one(world: World) -> None:
    a = world.amend(0, "en", ("before", "under"))
    b = world.amend(1, "en", ("before", "in the eyes of"))
    world.adopt(a)
    assert status(b) is Status.NEEDS_UPDATE
    services.update_changes(
        world.db,
        world.members[1],
        b,
        {"changes": [world.replace("en", "under the law", "under every law")]},
        Notices(),
    )
    assert status(b) is Status.SUBMITTED and b.problem is None
    assert b.base_rev == world.document.current_rev
    world.adopt(b)
    assert world.text()["en"] == changed("en", ("before the law", "under every law"))


# ---- identical changes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "same"),
    [
        pytest.param("en", ("equal protection", "full and equal protection"), id="en"),
        pytest.param("my", ("ဥပဒေ၏", "တရားဥပဒေ၏"), id="my"),
    ],
)
def test_identical_changes_conflict_and_the_second_becomes_obsolete(
    world: World, lang: str, same: EditSpec
) -> None:
    a = world.amend(0, lang, same)
    b = world.amend(1, lang, same)
    # Both cannot be adopted as separate changes: they are listed as conflicting.
    assert services.conflicts_of(world.db, a) == [b.id]
    assert services.conflicts_of(world.db, b) == [a.id]
    world.adopt(a)
    assert world.text()[lang] == changed(lang, same)
    # Nothing of b is left to apply: it can no longer apply, and is not a conflict.
    assert status(b) is Status.OBSOLETE
    assert b.problem == [{"key": KEY, "reason": "already_applied"}]
    revisions = world.revisions()
    with pytest.raises(StateConflict):
        world.adopt(b)
    assert world.revisions() == revisions


@pytest.mark.parametrize(
    ("first", "second", "left"),
    [
        ({"en": "Article 1 (new)"}, {"en": "Article 1 (new)"}, Status.OBSOLETE),
        ({"en": "Article 1 (new)"}, {"en": "Article 1 (renamed)"}, Status.SUBMITTED),
        ({"en": "Article 1 (new)"}, {"my": "ပုဒ်မ ၁ (သစ်)"}, Status.SUBMITTED),
    ],
    ids=["the same rename", "another rename", "a rename in another language"],
)
def test_a_rename_already_in_the_text_leaves_nothing_to_apply(
    world: World, first: dict[str, str], second: dict[str, str], left: Status
) -> None:
    """Red when the re-check ignores labels: a rename the text does not have yet would be
    taken for applied (its text is the same), and the amendment made obsolete."""
    other = world.propose(1, {"op": "replace", "key": KEY, "labels": second})
    world.adopt(world.propose(2, {"op": "replace", "key": KEY, "labels": first}))
    assert status(other) is left
    if left is Status.OBSOLETE:
        assert other.problem == [{"key": KEY, "reason": "already_applied"}]


def test_an_amendment_partly_applied_by_another_still_applies_the_rest(world: World) -> None:
    shared = world.replace("en", "equal protection", "full protection")
    a = world.propose(0, shared)
    b = world.propose(1, shared, world.replace("en", "Members of", "The members of", key="art-2"))
    world.adopt(a)
    assert status(b) is Status.SUBMITTED
    world.adopt(b)
    assert world.text()["en"] == changed("en", ("equal protection", "full protection"))
    assert world.text("art-2")["en"] == "The members of parliament are elected."


# ---- the other languages --------------------------------------------------------------------


def test_rebase_preserves_the_other_languages(world: World) -> None:
    english = ("its equal protection", "its full protection")
    burmese = ("လူတိုင်းသည်", "လူသားတိုင်းသည်")
    a = world.amend(0, "en", english)  # a translation fix: English only
    b = world.amend(1, "my", burmese)  # the authoritative text: Burmese only
    assert services.conflicts_of(world.db, b) == []
    world.adopt(a)
    assert world.outdated() == []
    assert status(b) is Status.SUBMITTED
    # b's English is now a's, not the English b was drafted against.
    assert b.changes[0].text == {"my": changed("my", burmese), "en": changed("en", english)}
    world.adopt(b)
    assert world.text() == {"my": changed("my", burmese), "en": changed("en", english)}
    # The Burmese changed and the English did not: the translation is out of date.
    assert world.outdated() == ["en"]


def test_an_amendment_of_both_languages_rebases_each(world: World) -> None:
    a = world.propose(
        0,
        {
            "op": "replace",
            "key": KEY,
            "text": {
                "my": changed("my", ("လူတိုင်းသည်", "လူသားတိုင်းသည်")),
                "en": changed("en", ("Every person", "Every human being")),
            },
        },
    )
    b = world.propose(
        1,
        {
            "op": "replace",
            "key": KEY,
            "text": {
                "my": changed("my", ("ခံစားခွင့်", "အပြည့်အဝ ခံစားခွင့်")),
                "en": changed("en", ("equal protection", "full protection")),
            },
        },
    )
    assert services.conflicts_of(world.db, a) == []
    world.adopt(b)
    world.adopt(a)
    assert world.text() == {
        "my": changed("my", ("လူတိုင်းသည်", "လူသားတိုင်းသည်"), ("ခံစားခွင့်", "အပြည့်အဝ ခံစားခွင့်")),
        "en": changed(
            "en", ("Every person", "Every human being"), ("equal protection", "full protection")
        ),
    }
    assert world.outdated() == []


def test_a_conflict_in_one_language_is_reported_for_that_language_only(world: World) -> None:
    a = world.amend(0, "en", ("before", "under"))
    b = world.propose(
        1,
        {
            "op": "replace",
            "key": KEY,
            "text": {
                "my": changed("my", ("လူတိုင်းသည်", "လူသားတိုင်းသည်")),
                "en": changed("en", ("before", "in the eyes of")),
            },
        },
    )
    assert services.conflicts_of(world.db, a) == [b.id]
    world.adopt(a)
    assert status(b) is Status.NEEDS_UPDATE
    assert b.problem is not None
    assert [p["language"] for p in b.problem] == ["en"]


# ---- a deleted provision makes its amendments obsolete --------------------------------------


def _delete(key: str) -> dict[str, Any]:
    return {"op": "delete", "key": key}


OBSOLETE_CASES: list[Any] = [
    pytest.param(
        lambda w: w.replace("my", "အာမခံသည်", "အပြည့်အဝ အာမခံသည်", key="art-1-a"),
        "art-1-a",
        "art-1-a",
        id="replace-my",
    ),
    pytest.param(
        lambda w: w.replace("en", "guaranteed", "fully guaranteed", key="art-1-a"),
        "art-1",  # deleting the article deletes its clauses
        "art-1-a",
        id="replace-en-article-deleted",
    ),
    pytest.param(
        lambda w: {"op": "move", "key": "art-2", "parent": "part-2", "after": "art-3"},
        "art-2",
        "art-2",
        id="move",
    ),
    pytest.param(
        lambda w: {
            "op": "insert",
            "key": "art-1-c",
            "parent": "art-1",
            "after": "art-1-b",
            "label": "(c)",
            "kind": "clause",
            "text": {"my": "မသန်စွမ်းသူများ တန်းတူဖြစ်သည်။", "en": "Disabled persons are equal."},
        },
        "art-1",
        "art-1",
        id="insert-under",
    ),
]


@pytest.mark.parametrize(("change", "deleted", "gone"), OBSOLETE_CASES)
@pytest.mark.parametrize("via", VIA)
def test_a_deleted_provision_makes_its_amendments_obsolete(
    world: World,
    change: Callable[[World], dict[str, Any]],
    deleted: str,
    gone: str,
    via: str,
) -> None:
    a = world.propose(0, change(world))
    bystander = world.amend(1, "en", ("Every person", "Every human being"), key=KEY)
    if via == "amendment":
        remover = world.propose(3, _delete(deleted))
        # Deleting what another amendment changes is a conflict between the two.
        assert a.id in services.conflicts_of(world.db, remover)
        world.adopt(remover)
    else:
        world.land(via, _delete(deleted))
    assert status(a) is Status.OBSOLETE
    assert a.problem == [{"key": gone, "reason": "removed"}]
    assert [e.payload["to"] for e in world.events("amendment.obsolete", a)] == ["obsolete"]
    assert services.conflicts_of(world.db, a) == []
    revisions = world.revisions()
    with pytest.raises(StateConflict):
        world.adopt(a)
    assert world.revisions() == revisions
    assert gone not in {r.key for r in world.db.scalars(select_versions(world))}
    if deleted != KEY:
        assert status(bystander) is Status.SUBMITTED


def select_versions(world: World) -> Any:
    from constitution.texts.models import ProvisionVersion

    rev = world.document.current_rev
    return select(ProvisionVersion).where(
        ProvisionVersion.document_id == world.document.id,
        ProvisionVersion.rev_from <= rev,
        (ProvisionVersion.rev_to.is_(None)) | (ProvisionVersion.rev_to > rev),
    )


def test_a_move_into_a_deleted_provision_is_obsolete(world: World) -> None:
    a = world.propose(0, {"op": "move", "key": "art-2", "parent": "part-2", "after": "art-3"})
    world.land("editorial", _delete("part-2"))
    assert status(a) is Status.OBSOLETE
    with pytest.raises(StateConflict):
        world.adopt(a)


def test_an_insert_after_a_deleted_provision_needs_an_update(world: World) -> None:
    a = world.propose(
        0,
        {
            "op": "insert",
            "key": "art-1-c",
            "parent": "art-1",
            "after": "art-1-b",
            "label": "(c)",
            "kind": "clause",
            "text": {"my": "မသန်စွမ်းသူများ တန်းတူဖြစ်သည်။", "en": "Disabled persons are equal."},
        },
    )
    world.land("editorial", _delete("art-1-b"))
    # Its parent is still there, but where it goes is not: the proposer has to say where.
    assert status(a) is Status.NEEDS_UPDATE
    assert a.problem == [{"key": "art-1-c", "reason": "after_removed", "after": "art-1-b"}]
    revisions = world.revisions()
    with pytest.raises(StateConflict) as refused:
        services.adopt(world.db, None, a)
    assert refused.value.code == "rebase_conflict"
    assert world.revisions() == revisions


def test_an_insert_with_a_key_taken_meanwhile_is_obsolete(world: World) -> None:
    insert = {
        "op": "insert",
        "key": "art-4",
        "parent": "part-2",
        "after": "art-3",
        "label": "Article 4",
        "kind": "article",
        "text": {"my": "ပြည်နယ်လွှတ်တော် ရှိရမည်။", "en": "Every State has a legislature."},
    }
    a = world.propose(0, insert)
    world.land("editorial", insert | {"label": "Article 4A"})
    assert status(a) is Status.OBSOLETE
    assert a.problem == [{"key": "art-4", "reason": "key_taken"}]


# ---- a committee substitute -----------------------------------------------------------------


@pytest.fixture
def committee_member(world: World) -> Member:
    reviewer = make_member(world.db, world.settings, "mon")
    make_committee(world.db, world.settings, "Committee on Rights", [reviewer], ["part-1"])
    return reviewer


@pytest.mark.parametrize(
    ("lang", "proposed", "substitute"),
    [
        pytest.param(
            "en",
            ("equal protection", "protection"),
            ("equal protection", "equal and effective protection"),
            id="en",
        ),
        pytest.param(
            "my",
            ("တန်းတူအကာအကွယ်ကို", "အကာအကွယ်ကို"),
            ("တန်းတူအကာအကွယ်ကို", "တန်းတူ ထိရောက်သော အကာအကွယ်ကို"),
            id="my",
        ),
    ],
)
def test_the_committee_substitute_is_what_gets_merged(
    world: World, committee_member: Member, lang: str, proposed: EditSpec, substitute: EditSpec
) -> None:
    a = world.amend(0, lang, proposed)
    services.recommend(
        world.db,
        committee_member,
        a,
        {
            "recommendation": "modify",
            "note": "Keep the word equal.",
            "text": {**a.changes[0].text, lang: changed(lang, substitute)},
        },
        Notices(),
    )
    assert status(a) is Status.RECOMMENDED
    world.adopt(a)
    assert world.text()[lang] == changed(lang, substitute)
    assert world.text()[OTHER[lang]] == TEXT[OTHER[lang]]


@pytest.mark.parametrize("lang", ["en", "my"])
def test_the_committee_substitute_is_rebased_too(
    world: World, committee_member: Member, lang: str
) -> None:
    first = {"en": ("Every person", "Every human being"), "my": ("လူတိုင်းသည်", "လူသားတိုင်းသည်")}[lang]
    proposed = {"en": ("its equal", "its"), "my": ("ဥပဒေ၏", "တရားဥပဒေ၏")}[lang]
    substitute = {"en": ("its equal", "its full"), "my": ("ဥပဒေ၏", "ဖွဲ့စည်းပုံဥပဒေ၏")}[lang]
    a = world.amend(0, lang, proposed)
    services.recommend(
        world.db,
        committee_member,
        a,
        {
            "recommendation": "modify",
            "note": "",
            "text": {**a.changes[0].text, lang: changed(lang, substitute)},
        },
        Notices(),
    )
    other = world.amend(1, lang, first)
    world.adopt(other)
    assert status(a) is Status.RECOMMENDED
    world.adopt(a)
    # Both: the earlier adoption is not undone by the substitute written before it.
    assert world.text()[lang] == changed(lang, first, substitute)


def test_a_substitute_that_conflicts_with_a_new_revision_needs_an_update(
    world: World, committee_member: Member
) -> None:
    a = world.amend(0, "en", ("its equal", "its"))
    services.recommend(
        world.db,
        committee_member,
        a,
        {
            "recommendation": "modify",
            "note": "",
            "text": {"my": MY, "en": changed("en", ("before", "under"))},
        },
        Notices(),
    )
    world.land("editorial", world.replace("en", "before", "in the eyes of"))
    assert status(a) is Status.NEEDS_UPDATE
    assert a.problem is not None and a.problem[0]["language"] == "en"
    assert world.text()["en"] == changed("en", ("before", "in the eyes of"))
