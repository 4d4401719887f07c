"""The amendment workflow (DESIGN.md, "Amendments") against a simple model, by hypothesis.

Random actors propose, co-sponsor, submit, recommend, schedule, adopt, reject, withdraw and
rewrite amendments, while the secretariat's editorial revisions conflict with or delete
their provisions. The model predicts whether each action is legal: an illegal one must be
refused (``StateConflict`` or ``Forbidden``) and change nothing; a legal one must be accepted and
write exactly the audit events the model expects (``amendment.<action>`` for a transition).

Each amendment changes a provision of its own (the English text of one article, replaced
whole), so that amendments never interact and the model needs no merging: an editorial
change of an article's English conflicts with its amendment, a change of its Burmese only
rebases it, and deleting the article makes it obsolete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.amendments import services
from constitution.amendments.models import Amendment, Status
from constitution.audit.models import AuditEvent
from constitution.errors import DomainError, Forbidden, StateConflict
from constitution.settings import Settings
from constitution.texts import services as texts
from constitution.texts.models import Document
from constitution.texts.validation import Notices
from tests.factories import document_body, make_committee, make_document, make_member, provision

ARTICLES = 3  # at most this many amendments in one run: one article each
MEMBERS = ("aye", "su", "mya", "nan", "reviewer")  # reviewer: on the drafting committee
# Who acts: the amendment's proposer (often), or any member.
ACTORS = st.sampled_from(["proposer", "proposer", *MEMBERS])
D, S, IC, R, SCH = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.IN_COMMITTEE,
    Status.RECOMMENDED,
    Status.SCHEDULED,
)
SPONSORABLE = {D, S, IC}
WITHDRAWABLE = {D, S, IC, R, Status.NEEDS_UPDATE}
OPEN = {D, S, IC, R, SCH, Status.NEEDS_UPDATE}
CHANGEABLE = {D, Status.NEEDS_UPDATE}


def body() -> dict[str, Any]:
    articles = [
        provision(
            f"art-{n}",
            f"Article {n}",
            "article",
            "part-1",
            f"ပုဒ်မ {n} သည် အခွင့်အရေးကို အာမခံသည်။",
            f"Article {n} guarantees the rights of every person.",
        )
        for n in range(1, ARTICLES + 1)
    ]
    part = provision("part-1", "Part 1", "part", None, "အခြေခံ", "Basics")
    return document_body("workflow-draft", [part, *articles])


@dataclass
class World:
    """Built once per test, committed; each example runs inside a savepoint."""

    db: Session
    settings: Settings
    document_id: int
    members: dict[str, int]
    chair: int
    editor: int


@dataclass
class Model:
    key: str
    proposer: str
    status: Status = D
    sponsors: set[str] = field(default_factory=set)
    deleted: bool = False  # its article is gone
    drafted_when_stale: bool = False  # it was a draft when it came to need an update


@dataclass(frozen=True)
class Refused:
    """What the model expects instead of success: this kind of refusal."""

    kind: type[DomainError]


class WorkflowMachine(RuleBasedStateMachine):
    amendments = Bundle("amendments")

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.db = world.db
        self.savepoint = self.db.begin_nested()
        self.models: dict[int, Model] = {}  # amendment id -> model
        self.counter = 0

    def teardown(self) -> None:
        self.savepoint.rollback()
        self.db.expire_all()

    # ---- helpers ------------------------------------------------------------------------

    def member(self, name: str) -> Member:
        return self.db.get_one(Member, self.world.members[name])

    @staticmethod
    def actor(who: str, model: Model) -> str:
        return model.proposer if who == "proposer" else who

    def member_by_id(self, member_id: int) -> Member:
        return self.db.get_one(Member, member_id)

    @property
    def document(self) -> Document:
        return self.db.get_one(Document, self.world.document_id)

    def amendment(self, amendment_id: int) -> Amendment:
        return self.db.get_one(Amendment, amendment_id)

    def last_seq(self) -> int:
        return int(self.db.scalar(select(func.max(AuditEvent.seq))) or 0)

    def events_after(self, seq: int) -> list[str]:
        return list(
            self.db.scalars(
                select(AuditEvent.action).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)
            )
        )

    def snapshot(self, amendment_id: int) -> tuple[Any, ...]:
        a = self.amendment(amendment_id)
        return (
            a.status,
            sorted(s.member_id for s in a.sponsors),
            a.recommendation,
            a.recommendation_note,
            a.committee_id,
            a.substitute,
            a.problem,
            a.base_rev,
            a.title,
            [(c.op, c.key, dict(c.text), dict(c.base_text)) for c in a.changes],
            a.adopted_rev,
        )

    def attempt(
        self,
        amendment_id: int | None,
        expected: Refused | list[str],
        action: Any,
    ) -> Any:
        """Run ``action``; refused as the model expects with nothing changed, or accepted
        with exactly the expected audit events."""
        seq = self.last_seq()
        before = self.snapshot(amendment_id) if amendment_id is not None else None
        try:
            result = action()
        except (StateConflict, Forbidden) as error:
            assert isinstance(expected, Refused), f"refused a legal action: {error.message}"
            assert isinstance(error, expected.kind), (error, expected.kind)
            assert self.events_after(seq) == [], "a refused action wrote to the audit log"
            if amendment_id is not None:
                self.db.flush()
                self.db.expire_all()
                assert self.snapshot(amendment_id) == before, "a refused action changed it"
            return None
        assert not isinstance(expected, Refused), f"accepted an illegal action ({expected})"
        assert self.events_after(seq) == expected
        return result

    def text_for(self, key: str, what: str) -> str:
        self.counter += 1
        return f"{what} {self.counter} of {key}."

    # ---- rules --------------------------------------------------------------------------

    @precondition(lambda self: len(self.models) < ARTICLES)
    @rule(target=amendments, who=st.sampled_from(MEMBERS))
    def propose(self, who: str) -> int:
        key = f"art-{len(self.models) + 1}"
        change = {"op": "replace", "key": key, "text": {"en": self.text_for(key, "Amended")}}
        created = self.attempt(
            None,
            ["amendment.created"],
            lambda: services.propose(
                self.db,
                self.world.settings,
                self.member(who),
                self.document,
                {"title": f"Amend {key}", "changes": [change]},
                Notices(),
            ),
        )
        self.models[created.id] = Model(key=key, proposer=who)
        return int(created.id)

    @rule(amendment=amendments, who=ACTORS)
    def sponsor(self, amendment: int, who: str) -> None:
        model = self.models[amendment]
        who = self.actor(who, model)
        legal = who != model.proposer and model.status in SPONSORABLE and who not in model.sponsors
        self.attempt(
            amendment,
            ["amendment.sponsored"] if legal else Refused(StateConflict),
            lambda: services.sponsor(self.db, self.member(who), self.amendment(amendment)),
        )
        if legal:
            model.sponsors.add(who)

    @rule(amendment=amendments, who=ACTORS)
    def submit(self, amendment: int, who: str) -> None:
        model = self.models[amendment]
        who = self.actor(who, model)
        expected: Refused | list[str]
        if who != model.proposer:
            expected = Refused(Forbidden)
        elif len(model.sponsors) < self.world.settings.cosponsor_threshold or model.status != D:
            expected = Refused(StateConflict)
        else:
            expected = ["amendment.submit"]
        self.attempt(
            amendment,
            expected,
            lambda: services.submit(
                self.db, self.world.settings, self.member(who), self.amendment(amendment)
            ),
        )
        if not isinstance(expected, Refused):
            model.status = S

    @rule(
        amendment=amendments,
        who=st.sampled_from(["reviewer", "reviewer", "proposer", *MEMBERS]),
        choice=st.sampled_from(["adopt", "reject", "modify"]),
    )
    def recommend(self, amendment: int, who: str, choice: str) -> None:
        model = self.models[amendment]
        who = self.actor(who, model)
        expected: Refused | list[str]
        recorded = "amendment.recommendation_recorded"
        if who != "reviewer" or who == model.proposer or who in model.sponsors:
            # Only the committee, and not the amendment's own authors on it.
            expected = Refused(Forbidden)
        elif model.status in (S, IC):
            expected = ["amendment.recommend", recorded]
        elif model.status is R:
            expected = [recorded]  # revised while in review
        else:
            expected = Refused(StateConflict)
        recommendation: dict[str, Any] = {"recommendation": choice, "note": "Reviewed."}
        if choice == "modify":
            # A substitute of the English only: the Burmese as it stands.
            current = texts.load_tree(self.db, self.document).items.get(model.key)
            recommendation["text"] = {
                "my": current.text["my"] if current else "ပုဒ်မ",
                "en": self.text_for(model.key, "Substitute"),
            }
        self.attempt(
            amendment,
            expected,
            lambda: services.recommend(
                self.db, self.member(who), self.amendment(amendment), recommendation, Notices()
            ),
        )
        if not isinstance(expected, Refused):
            model.status = R

    def _transition(self, amendment: int, action: str, allowed: set[Status], to: Status) -> None:
        model = self.models[amendment]
        legal = model.status in allowed
        self.attempt(
            amendment,
            [f"amendment.{action}"] if legal else Refused(StateConflict),
            lambda: services.transition(
                self.db, self.amendment(amendment), action, self.member_by_id(self.world.chair)
            ),
        )
        if legal:
            model.status = to

    @rule(amendment=amendments)
    def to_committee(self, amendment: int) -> None:
        self._transition(amendment, "to_committee", {S}, IC)

    @rule(amendment=amendments)
    def schedule(self, amendment: int) -> None:
        self._transition(amendment, "schedule", {S, IC, R}, SCH)

    @rule(amendment=amendments)
    def reject(self, amendment: int) -> None:
        # Voted down, also when a revision left it needing an update while it was voted on.
        self._transition(amendment, "reject", {SCH, Status.NEEDS_UPDATE}, Status.REJECTED)

    @rule(amendment=amendments)
    def adopt(self, amendment: int) -> None:
        model = self.models[amendment]
        legal = model.status is SCH
        self.attempt(
            amendment,
            ["amendment.adopt", "revision.created"] if legal else Refused(StateConflict),
            lambda: services.adopt(
                self.db, self.member_by_id(self.world.chair), self.amendment(amendment)
            ),
        )
        if legal:
            model.status = Status.ADOPTED
            row = self.amendment(amendment)
            assert row.adopted_rev == self.document.current_rev

    @rule(amendment=amendments, who=ACTORS)
    def withdraw(self, amendment: int, who: str) -> None:
        model = self.models[amendment]
        who = self.actor(who, model)
        expected: Refused | list[str]
        if who != model.proposer:
            expected = Refused(Forbidden)
        elif model.status not in WITHDRAWABLE:
            expected = Refused(StateConflict)
        else:
            expected = ["amendment.withdraw"]
        self.attempt(
            amendment,
            expected,
            lambda: services.withdraw(self.db, self.member(who), self.amendment(amendment)),
        )
        if not isinstance(expected, Refused):
            model.status = Status.WITHDRAWN

    @rule(amendment=amendments, who=ACTORS)
    def update_changes(self, amendment: int, who: str) -> None:
        model = self.models[amendment]
        who = self.actor(who, model)
        expected: Refused | list[str]
        after = S
        if who != model.proposer:
            expected = Refused(Forbidden)
        elif model.status not in CHANGEABLE:
            expected = Refused(StateConflict)
        elif model.status is Status.NEEDS_UPDATE:
            after = D if model.drafted_when_stale else S
            action = "redrafted" if model.drafted_when_stale else "updated"
            expected = ["amendment.changed", f"amendment.{action}"]
        else:
            after = D
            expected = ["amendment.changed"]
        change = {
            "op": "replace",
            "key": model.key,
            "text": {"en": self.text_for(model.key, "Rewritten")},
        }
        self.attempt(
            amendment,
            expected,
            lambda: services.update_changes(
                self.db,
                self.member(who),
                self.amendment(amendment),
                {"changes": [change]},
                Notices(),
            ),
        )
        if not isinstance(expected, Refused):
            model.status = after

    @precondition(lambda self: any(m.status in OPEN for m in self.models.values()))
    @rule()
    def advance(self) -> None:
        """The next step of the usual path of an open amendment, by whoever takes it (so
        that runs of a few steps reach the committee, the agenda and the vote); checked
        like the other rules."""
        self.counter += 1
        open_ids = sorted(i for i, m in self.models.items() if m.status in OPEN)
        amendment = open_ids[self.counter % len(open_ids)]
        model = self.models[amendment]
        if model.status is D:
            others = [m for m in MEMBERS if m != model.proposer and m not in model.sponsors]
            if len(model.sponsors) < self.world.settings.cosponsor_threshold and others:
                self.sponsor(amendment, others[self.counter % len(others)])
            else:
                self.submit(amendment, "proposer")
        elif model.status in (S, IC):
            choice = ("adopt", "reject", "modify")[self.counter % 3]
            self.recommend(amendment, "reviewer", choice)
        elif model.status is R:
            self.schedule(amendment)
        elif model.status is SCH:
            if self.counter % 3:
                self.adopt(amendment)
            else:
                self.reject(amendment)
        elif model.status is Status.NEEDS_UPDATE:
            self.update_changes(amendment, "proposer")

    def _editorial(self, model: Model, change: dict[str, Any], effect: str) -> None:
        """An editorial revision of the model's article: ``effect`` is what it does to an
        open amendment of it (needs_update, obsolete or rebased)."""
        expected = ["revision.created"]
        if model.status in OPEN:
            if effect == "needs_update" and model.status is not Status.NEEDS_UPDATE:
                expected.append("amendment.needs_update")
                model.drafted_when_stale = model.status is D
                model.status = Status.NEEDS_UPDATE
            elif effect == "obsolete":
                expected.append("amendment.obsolete")
                model.status = Status.OBSOLETE
            elif effect == "rebased" and model.status is not Status.NEEDS_UPDATE:
                expected.append("amendment.rebased")
        self.attempt(
            None,
            expected,
            lambda: texts.editorial_revision(
                self.db,
                self.member_by_id(self.world.editor),
                self.document,
                {"reason": "Editorial", "changes": [change]},
                Notices(),
            ),
        )

    @precondition(lambda self: any(not m.deleted for m in self.models.values()))
    @rule(data=st.data())
    def editorial_conflict(self, data: st.DataObject) -> None:
        """The secretariat rewrites the English the amendment replaces."""
        model = data.draw(st.sampled_from([m for m in self.models.values() if not m.deleted]))
        text = self.text_for(model.key, "Corrected")
        self._editorial(
            model, {"op": "replace", "key": model.key, "text": {"en": text}}, "needs_update"
        )

    @precondition(lambda self: any(not m.deleted for m in self.models.values()))
    @rule(data=st.data())
    def editorial_burmese(self, data: st.DataObject) -> None:
        """The secretariat corrects only the Burmese: the amendment is rebased onto it."""
        model = data.draw(st.sampled_from([m for m in self.models.values() if not m.deleted]))
        self.counter += 1
        text = {"my": f"ပုဒ်မ {self.counter} ပြင်ဆင်ပြီး။"}
        self._editorial(model, {"op": "replace", "key": model.key, "text": text}, "rebased")

    @precondition(lambda self: any(not m.deleted for m in self.models.values()))
    @rule(data=st.data())
    def editorial_delete(self, data: st.DataObject) -> None:
        """The secretariat deletes the article."""
        model = data.draw(st.sampled_from([m for m in self.models.values() if not m.deleted]))
        self._editorial(model, {"op": "delete", "key": model.key}, "obsolete")
        model.deleted = True

    # ---- invariants ---------------------------------------------------------------------

    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        names = {v: k for k, v in self.world.members.items()}
        for amendment_id, model in self.models.items():
            row = self.amendment(amendment_id)
            assert Status(row.status) is model.status, (amendment_id, row.status, model)
            assert {names[s.member_id] for s in row.sponsors} == model.sponsors
            if model.status is Status.NEEDS_UPDATE:
                assert row.problem and row.problem[0]["key"] == model.key
            assert (row.adopted_rev is not None) == (model.status is Status.ADOPTED)


def build_world(db: Session, settings: Settings) -> World:
    members = {name: make_member(db, settings, name) for name in MEMBERS}
    chair = make_member(db, settings, "chair", ["member", "chair"])
    editor = make_member(db, settings, "editor", ["member", "secretariat"])
    document = make_document(db, body())
    articles = [f"art-{n}" for n in range(1, ARTICLES + 1)]
    make_committee(db, settings, "Drafting", [members["reviewer"]], ["part-1", *articles])
    db.commit()
    return World(
        db=db,
        settings=settings,
        document_id=document.id,
        members={name: m.id for name, m in members.items()},
        chair=chair.id,
        editor=editor.id,
    )


def test_the_workflow_follows_its_model(db: Session, settings: Settings) -> None:
    assert settings.cosponsor_threshold == 2
    world = build_world(db, settings)
    run_state_machine_as_test(lambda: WorkflowMachine(world), settings=MACHINE)


MACHINE = hypothesis_settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
