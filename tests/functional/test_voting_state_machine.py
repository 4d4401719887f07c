"""Sittings, attendance, proxies and polls (DESIGN.md "Voting", API.md "Voting") against a
simple model, by hypothesis.

A chair and five members open and close sittings, check in and out, ask for proxies that
the chair approves or refuses and that givers revoke, and the chair creates, removes, opens
and closes polls (motions, with a drawn majority rule and base) in which members vote for
themselves or by proxy, with valid and invalid choices, entitled or not, before, while and
after the poll is open. The model is plain Python (sets and dicts); for every action it
predicts the service's answer, success or the refusal's code, in the order the services
check things (and, where the API looks the poll up before calling the service, as the API
does). After every step:

* at most one ballot per member and poll, and the ballots are the model's (choice, who cast
  it, with which proxy);
* no holder carries more than ``PROXY_LIMIT`` approved proxies in a sitting, nor more than
  that many givers in a poll's electorate;
* a closed poll's stored tally and result are the model's count of the last votes, and
  never change afterwards;
* the statuses of sittings, proxies and polls, and who is present, are the model's.

The services are driven directly on the test's session (built once per test: the members;
each example runs in a savepoint that is rolled back, and each action in a savepoint of its
own, rolled back when refused, as the web layer rolls back a refused request).
``PROXY_LIMIT`` is drawn per example (0, 1 or 2).

That it can fail, checked by scratch edits of the services (each run went red, naming the
action whose answer differed from the model's): removing the ``proxy_limit`` check in
``proxies.decide_proxy`` ("approve: the model expects 'proxy_limit', got 'ok'"), or the
``proxy_used`` check in ``revoke_proxy``; skipping the ``voted_herself`` refusal in
``cast_vote``; letting ``polls._electorate`` count an approved proxy whose giver is present
(the electors differ); counting only first votes in ``close_poll`` (the tally differs);
allowing a check-in to a sitting that is only planned. The runs are random; the rarest of
these paths (a holder refused because the giver voted herself) stayed green under earlier,
weaker versions of this machine, which is why the first steps bring proxy holders in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.audit.services import record
from constitution.db import MAX_ID
from constitution.errors import DomainError
from constitution.settings import Settings
from constitution.votes import services as votes
from constitution.votes.models import Attendance, Ballot, Elector, Poll, Proxy, Sitting

MEMBERS = 6  # index 0 is the chair (who is a member too)
SITTINGS = 2
QUORUM = {"base": "members", "fraction": 0.5}  # 3 of the 6
UNKNOWN = MAX_ID  # a member id with no member
CHOICES = ("yes", "no", "abstain")
MAJORITIES = ("simple", "absolute", "two_thirds", "three_quarters")
BASES = ("cast", "present", "members")

# (action, answer) -> how many times, over every example of a run.
OUTCOMES: dict[tuple[str, str], int] = {}

member_index = st.integers(0, MEMBERS - 1)
sitting_index = st.integers(0, SITTINGS - 1)
# Mostly the chair, sometimes a member who is not one.
as_chair = st.sampled_from([True, True, True, False])
any_index = st.integers(0, 50)
# How a vote rule votes (see ``vote``).
HOW = ["herself", "herself", "by proxy", "by proxy", "giver herself", "for anyone"]
CLOSE_POLLS_AFTER = 8
CLOSE_SITTINGS_AFTER = 15


@dataclass
class MSitting:
    id: int
    status: str = "planned"
    present: set[int] = field(default_factory=set)  # member indices


@dataclass
class MProxy:
    id: int
    sitting: int  # index
    giver: int
    holder: int
    status: str = "requested"


@dataclass
class MPoll:
    id: int
    sitting: int  # index
    majority: str
    base: str
    status: str = "created"
    # Entitled member index -> the proxy (model) that makes her so, or None (present).
    entitled: dict[int, MProxy | None] = field(default_factory=dict)
    # Member index -> (choice, cast by index, proxy id or None): the counted vote.
    ballots: dict[int, tuple[str, int, int | None]] = field(default_factory=dict)
    members: int = 0
    result: Any = None  # (result, passed, record hash) as stored when it closed


def state_code(status: str) -> str:
    """The refusal ``permissions.poll_state_refusal`` gives a poll in this status."""
    return {
        "closed": "poll_closed",
        "created": "poll_not_open",
        "open": "poll_open",
        "removed": "poll_removed",
    }[status]


def rule_holds(majority: str, base: int, yes: int, no: int) -> bool:
    """API.md's rules, written again: no base or no yes never passes."""
    if base <= 0 or yes == 0:
        return False
    return {
        "simple": yes > no,
        "absolute": 2 * yes > base,
        "two_thirds": 3 * yes >= 2 * base,
        "three_quarters": 4 * yes >= 3 * base,
    }[majority]


class VotingMachine(RuleBasedStateMachine):
    def __init__(self, db: Session, settings: Settings, member_ids: list[int]) -> None:
        super().__init__()
        self.db = db
        self.base_settings = settings
        self.settings = settings
        self.ids = member_ids
        self.savepoint = db.begin_nested()
        self.sittings: list[MSitting] = []
        self.proxies: list[MProxy] = []
        self.polls: list[MPoll] = []
        self.actions = 0

    def teardown(self) -> None:
        self.savepoint.rollback()
        self.db.expire_all()

    # ---- helpers ------------------------------------------------------------------------

    def member(self, index: int) -> Member:
        return self.db.get_one(Member, self.ids[index])

    def chair_or_not(self, chair: bool) -> Member:
        return self.member(0 if chair else 1)

    def attempt(self, action: Callable[[], Any]) -> tuple[str, Any]:
        """("ok", what it returned) or (the refusal's code, None), the refusal undone."""
        nested = self.db.begin_nested()
        try:
            value = action()
            self.db.flush()
        except DomainError as error:
            nested.rollback()
            return error.code, None
        nested.commit()
        return "ok", value

    def expect(self, what: str, expected: str, answered: str) -> None:
        OUTCOMES[(what, answered)] = OUTCOMES.get((what, answered), 0) + 1
        self.actions += 1
        assert answered == expected, f"{what}: the model expects {expected!r}, got {answered!r}"

    def in_force(self, proxy: MProxy) -> bool:
        return proxy.status in ("requested", "approved")

    def poll_at(self, index: int) -> MPoll:
        return self.polls[index % len(self.polls)]

    def choose_poll(self, index: int, prefer: str | None) -> MPoll:
        """A poll in the ``prefer`` status when there is one, else any."""
        polls = [p for p in self.polls if p.status == prefer] or self.polls
        return polls[index % len(polls)]

    def proxy_at(self, index: int) -> MProxy:
        return self.proxies[index % len(self.proxies)]

    # ---- sittings and attendance ---------------------------------------------------------

    @initialize(
        limit=st.sampled_from([0, 1, 1, 2]),
        # Mostly enough for the quorum in the first sitting.
        present=st.tuples(st.sets(member_index, min_size=3), st.sets(member_index)),
        both_open=st.booleans(),
        proxies=st.lists(st.tuples(member_index, member_index), min_size=1, max_size=3),
        givers_away=st.sampled_from([True, True, False]),
        polls=st.integers(1, 2),
    )
    def plan(
        self,
        limit: int,
        present: tuple[set[int], set[int]],
        both_open: bool,
        proxies: list[tuple[int, int]],
        givers_away: bool,
        polls: int,
    ) -> None:
        """Two sittings, the first open (the second too, or only planned), proxies asked
        for and approved in the first (their holders come, their givers mostly stay away),
        some members checked in, and one or two polls on its agenda, the first of them opened if its
        quorum is met: each through the rules, so that the model checks them too."""
        self.settings = dataclasses.replace(self.base_settings, proxy_limit=limit)
        chair = self.member(0)
        for i in range(SITTINGS):
            sitting = votes.create_sitting(self.db, chair, f"Sitting {i}", QUORUM)
            self.sittings.append(MSitting(sitting.id))
        for giver, holder in proxies:
            self.request_proxy(giver, 0, holder)
        for p in range(len(self.proxies)):
            self.decide_proxy(p, True, True)
        approved = [p for p in self.proxies if p.status == "approved"]
        away = {p.giver for p in approved} if givers_away else set()
        holders = {p.holder for p in approved}
        for s in range(SITTINGS if both_open else 1):
            self.open_sitting(s, True)
            for m in sorted((present[s] | holders) - away if s == 0 else present[s]):
                self.check_in(m, s)
        for _ in range(polls):
            self.create_poll(0, True, "simple", "cast")
        self.open_poll(0, None, True)
        self.actions = 0  # the rules' steps count from here

    @rule(s=sitting_index, chair=as_chair)
    def open_sitting(self, s: int, chair: bool) -> None:
        model = self.sittings[s]
        expected = (
            "not_chair" if not chair else "sitting_state" if model.status != "planned" else "ok"
        )
        code, _ = self.attempt(
            lambda: votes.open_sitting(
                self.db, self.chair_or_not(chair), votes.get_sitting(self.db, model.id, lock=True)
            )
        )
        self.expect("open a sitting", expected, code)
        if code == "ok":
            model.status = "open"

    # Not in the first steps, so that polls get to open, votes to be cast.
    @precondition(lambda self: self.actions >= CLOSE_SITTINGS_AFTER)
    @rule(s=sitting_index, chair=as_chair)
    def close_sitting(self, s: int, chair: bool) -> None:
        model = self.sittings[s]
        polls = [p for p in self.polls if p.sitting == s]
        if not chair:
            expected = "not_chair"
        elif model.status not in ("planned", "open"):
            expected = "sitting_state"
        elif any(p.status == "open" for p in polls):
            expected = "poll_open"
        else:
            expected = "ok"
        code, _ = self.attempt(
            lambda: votes.close_sitting(
                self.db, self.chair_or_not(chair), votes.get_sitting(self.db, model.id, lock=True)
            )
        )
        self.expect("close a sitting", expected, code)
        if code == "ok":
            model.status = "closed"
            for poll in polls:
                if poll.status == "created":
                    poll.status = "removed"

    @rule(m=member_index, s=sitting_index)
    def check_in(self, m: int, s: int) -> None:
        model = self.sittings[s]
        expected = "sitting_state" if model.status != "open" else "ok"
        code, changed = self.attempt(
            lambda: votes.check_in(self.db, self.member(m), votes.get_sitting(self.db, model.id))
        )
        self.expect("check in", expected, code)
        if code == "ok":
            assert changed is (m not in model.present)
            model.present.add(m)

    @rule(m=member_index, s=sitting_index)
    def check_out(self, m: int, s: int) -> None:
        model = self.sittings[s]
        expected = "sitting_state" if model.status != "open" else "ok"
        code, changed = self.attempt(
            lambda: votes.check_out(self.db, self.member(m), votes.get_sitting(self.db, model.id))
        )
        self.expect("check out", expected, code)
        if code == "ok":
            assert changed is (m in model.present)
            model.present.discard(m)

    # ---- proxies -------------------------------------------------------------------------

    @rule(giver=member_index, s=sitting_index, holder=st.integers(0, MEMBERS))
    def request_proxy(self, giver: int, s: int, holder: int) -> None:
        model = self.sittings[s]
        in_force = [p for p in self.proxies if p.sitting == s and self.in_force(p)]
        if model.status not in ("planned", "open"):
            expected = "sitting_state"
        elif holder == giver:
            expected = "proxy_to_self"
        elif holder == MEMBERS:
            expected = "unknown_member"
        elif any(p.giver == giver for p in in_force):
            expected = "proxy_exists"
        elif any(p.holder == giver for p in in_force) or any(p.giver == holder for p in in_force):
            expected = "proxy_chain"
        else:
            expected = "ok"
        holder_id = UNKNOWN if holder == MEMBERS else self.ids[holder]
        code, proxy = self.attempt(
            lambda: votes.request_proxy(
                self.db, self.member(giver), votes.get_sitting(self.db, model.id), holder_id
            )
        )
        self.expect("ask for a proxy", expected, code)
        if code == "ok":
            self.proxies.append(MProxy(proxy.id, s, giver, holder))

    @precondition(lambda self: self.proxies)
    @rule(p=any_index, approve=st.booleans(), chair=as_chair)
    def decide_proxy(self, p: int, approve: bool, chair: bool) -> None:
        model = self.proxy_at(p)
        held = sum(
            1
            for other in self.proxies
            if other.sitting == model.sitting
            and other.holder == model.holder
            and other.status == "approved"
        )
        if not chair:
            expected = "not_chair"
        elif self.sittings[model.sitting].status not in ("planned", "open"):
            expected = "sitting_state"
        elif model.status != "requested":
            expected = "proxy_decided"
        elif approve and held >= self.settings.proxy_limit:
            expected = "proxy_limit"
        else:
            expected = "ok"
        code, _ = self.attempt(
            lambda: votes.decide_proxy(
                self.db,
                self.settings,
                self.chair_or_not(chair),
                votes.get_proxy(self.db, model.id),
                approve=approve,
            )
        )
        self.expect("approve" if approve else "refuse a proxy", expected, code)
        if code == "ok":
            model.status = "approved" if approve else "refused"

    def used(self, proxy: MProxy) -> bool:
        """A holder's ballot with it stands (the giver has not overridden it)."""
        return any(b[2] == proxy.id for poll in self.polls for b in poll.ballots.values())

    @precondition(lambda self: self.proxies)
    @rule(
        p=any_index,
        prefer=st.sampled_from(["used", "used", "approved", None]),
        m=st.none() | member_index,
    )
    def revoke_proxy(self, p: int, prefer: str | None, m: int | None) -> None:
        """Its giver (None) or any member revokes a proxy: one used by its holder's vote,
        or an approved one, when there is one; else any."""
        proxies = [
            x
            for x in self.proxies
            if (prefer == "used" and self.used(x)) or (prefer == "approved" and x.status == prefer)
        ] or self.proxies
        model = proxies[p % len(proxies)]
        m = model.giver if m is None else m
        used = self.used(model)
        if m != model.giver:
            expected = "not_found"
        elif not self.in_force(model):
            expected = "proxy_ended"
        elif used:
            expected = "proxy_used"
        else:
            expected = "ok"
        code, _ = self.attempt(
            lambda: votes.revoke_proxy(self.db, self.member(m), votes.get_proxy(self.db, model.id))
        )
        self.expect("revoke a proxy", expected, code)
        if code == "ok":
            model.status = "revoked"

    # ---- polls ---------------------------------------------------------------------------

    @rule(
        s=sitting_index,
        chair=as_chair,
        majority=st.sampled_from(MAJORITIES),
        base=st.sampled_from(BASES),
    )
    def create_poll(self, s: int, chair: bool, majority: str, base: str) -> None:
        model = self.sittings[s]
        if not chair:
            expected = "not_chair"
        elif model.status not in ("planned", "open"):
            expected = "sitting_state"
        else:
            expected = "ok"
        code, poll = self.attempt(
            lambda: votes.create_poll(
                self.db,
                self.chair_or_not(chair),
                votes.get_sitting(self.db, model.id, lock=True),
                motion={"en": f"Motion {len(self.polls)}"},
                majority=majority,
                base=base,
            )
        )
        self.expect("create a poll", expected, code)
        if code == "ok":
            self.polls.append(MPoll(poll.id, s, majority, base))

    @precondition(lambda self: self.polls)
    @rule(p=any_index, chair=as_chair)
    def remove_poll(self, p: int, chair: bool) -> None:
        model = self.poll_at(p)
        # As the API does: the poll is looked up first (one taken off the agenda is gone).
        if model.status == "removed":
            expected = "not_found"
        elif not chair:
            expected = "not_chair"
        elif model.status != "created":
            expected = state_code(model.status)
        else:
            expected = "ok"
        code, _ = self.attempt(
            lambda: votes.remove_poll(
                self.db, self.chair_or_not(chair), votes.get_poll(self.db, model.id)
            )
        )
        self.expect("remove a poll", expected, code)
        if code == "ok":
            model.status = "removed"

    def electorate(self, s: int) -> dict[int, MProxy | None]:
        """Those present, and the givers of approved proxies held by someone present (at
        most PROXY_LIMIT each, in the order they were asked), who are not present."""
        present = self.sittings[s].present
        electorate: dict[int, MProxy | None] = dict.fromkeys(present)
        held: dict[int, int] = {}
        for proxy in self.proxies:  # in the order of their ids
            if proxy.sitting != s or proxy.status != "approved":
                continue
            if proxy.giver in electorate or proxy.holder not in present:
                continue
            if held.get(proxy.holder, 0) >= self.settings.proxy_limit:
                continue
            held[proxy.holder] = held.get(proxy.holder, 0) + 1
            electorate[proxy.giver] = proxy
        return electorate

    @precondition(lambda self: self.polls)
    @rule(p=any_index, prefer=st.sampled_from(["created", "created", None]), chair=as_chair)
    def open_poll(self, p: int, prefer: str | None, chair: bool) -> None:
        self.open_this(self.choose_poll(p, prefer), chair)

    def open_this(self, model: MPoll, chair: bool) -> None:
        sitting = self.sittings[model.sitting]
        needed = max(1, -(-500 * MEMBERS // 1000))
        if model.status == "removed":
            expected = "not_found"  # the API's look-up
        elif not chair:
            expected = "not_chair"
        elif model.status != "created":
            expected = state_code(model.status)
        elif sitting.status != "open":
            expected = "sitting_state"
        elif any(q.status == "open" for q in self.polls if q.sitting == model.sitting):
            expected = "poll_open"
        elif len(sitting.present) < needed:
            expected = "no_quorum"
        else:
            expected = "ok"
        code, _ = self.attempt(
            lambda: votes.open_poll(
                self.db, self.settings, self.chair_or_not(chair), votes.get_poll(self.db, model.id)
            )
        )
        self.expect("open a poll", expected, code)
        if code == "ok":
            model.status = "open"
            model.entitled = self.electorate(model.sitting)
            model.members = MEMBERS
            electors = self.db.scalars(select(Elector).where(Elector.poll_id == model.id)).all()
            assert {e.member_id: e.proxy_id for e in electors} == {
                self.ids[m]: (proxy.id if proxy else None) for m, proxy in model.entitled.items()
            }

    # Not in the first steps, so that votes get cast before.
    @precondition(lambda self: self.polls and self.actions >= CLOSE_POLLS_AFTER)
    @rule(p=any_index, prefer=st.sampled_from(["open", "open", None]), chair=as_chair)
    def close_poll(self, p: int, prefer: str | None, chair: bool) -> None:
        self.close_this(self.choose_poll(p, prefer), chair)

    def close_this(self, model: MPoll, chair: bool) -> None:
        # The service takes the poll's id: who closes is checked before the look-up.
        if not chair:
            expected = "not_chair"
        elif model.status == "removed":
            expected = "not_found"
        elif model.status != "open":
            expected = state_code(model.status)
        else:
            expected = "ok"
        code, poll = self.attempt(
            lambda: votes.close_poll(self.db, self.settings, self.chair_or_not(chair), model.id)
        )
        self.expect("close a poll", expected, code)
        if code != "ok":
            return
        model.status = "closed"
        choices = [choice for choice, _, _ in model.ballots.values()]
        yes, no, abstain = (choices.count(c) for c in CHOICES)
        assert poll.result["tally"] == {"yes": yes, "no": no, "abstain": abstain}
        base = {"cast": yes + no, "present": len(model.entitled), "members": model.members}
        assert poll.passed is rule_holds(model.majority, base[model.base], yes, no)
        assert poll.result["passed"] is poll.passed
        roll_call = {row["member"]: row["choice"] for row in poll.record["roll_call"]}
        assert roll_call == {
            self.ids[m]: (model.ballots[m][0] if m in model.ballots else None)
            for m in model.entitled
        }
        model.result = (poll.result, poll.passed, poll.record_hash)

    # ---- votes ---------------------------------------------------------------------------

    def expected_vote(self, model: MPoll, actor: int, whose: int, choice: str | None) -> str:
        if choice not in CHOICES:
            return "unknown_choice"
        if model.status == "removed":
            return "not_found"
        if model.status != "open":
            return state_code(model.status)
        elector = model.entitled.get(whose, "absent")
        if whose == actor:
            if elector == "absent":
                return "not_entitled"
        else:
            if not isinstance(elector, MProxy) or elector.holder != actor:
                return "not_proxy_holder"
            if elector.status != "approved":
                return "proxy_revoked"
        existing = model.ballots.get(whose)
        if existing is not None and whose != actor and existing[1] == whose:
            return "voted_herself"
        return "ok"

    @precondition(lambda self: self.polls)
    @rule(
        actor=member_index,
        p=any_index,
        prefer=st.sampled_from(["open", "open", "open", None]),
        choice=st.sampled_from([*CHOICES, *CHOICES, *CHOICES, "maybe", None]),
        how=st.sampled_from(HOW),
        other=member_index,
    )
    def vote(
        self, actor: int, p: int, prefer: str | None, choice: str | None, how: str, other: int
    ) -> None:
        """She votes herself; or, as the holder of a proxy in the poll's electorate, for
        its giver; or such a giver votes herself; or a member votes for any member. (With
        no proxy in the electorate, a member votes for another.)"""
        model = self.choose_poll(p, prefer)
        for_member: int | None = None
        givers = sorted(m for m, proxy in model.entitled.items() if proxy is not None)
        if how in ("by proxy", "giver herself") and givers:
            giver = givers[other % len(givers)]
            proxy = model.entitled[giver]
            assert proxy is not None
            actor, for_member = (proxy.holder, giver) if how == "by proxy" else (giver, None)
        elif how != "herself":
            for_member = other
        self.vote_in(model, actor, choice, for_member)

    # Twice: hypothesis leaves a random set of rules out of each example (swarm testing,
    # by the rule's name); voting is then left out less often.
    @precondition(lambda self: self.polls)
    @rule(
        actor=member_index,
        p=any_index,
        prefer=st.sampled_from(["open", "open", "open", None]),
        choice=st.sampled_from([*CHOICES, *CHOICES, *CHOICES, "maybe", None]),
        how=st.sampled_from(HOW),
        other=member_index,
    )
    def vote_again(
        self, actor: int, p: int, prefer: str | None, choice: str | None, how: str, other: int
    ) -> None:
        self.vote(actor, p, prefer, choice, how, other)

    def vote_in(self, model: MPoll, actor: int, choice: str | None, for_member: int | None) -> None:
        whose = actor if for_member is None else for_member
        expected = self.expected_vote(model, actor, whose, choice)
        before = self.db.scalar(
            select(Ballot).where(Ballot.poll_id == model.id, Ballot.member_id == self.ids[whose])
        )
        before_receipt = before.receipt if before is not None else None
        code, receipt = self.attempt(
            lambda: votes.cast_vote(
                self.db,
                self.member(actor),
                model.id,
                choice,
                None if for_member is None else self.ids[for_member],
            )
        )
        self.expect("vote by proxy" if whose != actor else "vote", expected, code)
        if code != "ok":
            return
        assert choice is not None
        by_proxy = whose != actor
        proxy = model.entitled[whose]
        unchanged = model.ballots.get(whose) == (
            choice,
            actor,
            proxy.id if by_proxy and proxy else None,
        )
        model.ballots[whose] = (choice, actor, proxy.id if by_proxy and proxy else None)
        assert receipt.choice == choice and receipt.member_id == self.ids[whose]
        assert receipt.proxy == (self.ids[actor] if by_proxy else None)
        # The same vote again changes nothing and answers the same receipt.
        assert (receipt.receipt == before_receipt) is unchanged

    # ---- invariants ----------------------------------------------------------------------

    @invariant()
    def one_ballot_per_member_and_poll_as_the_model_has_it(self) -> None:
        doubled = self.db.execute(
            select(Ballot.poll_id, Ballot.member_id)
            .group_by(Ballot.poll_id, Ballot.member_id)
            .having(func.count() > 1)
        ).all()
        assert doubled == []
        index = {member_id: i for i, member_id in enumerate(self.ids)}
        for model in self.polls:
            rows = self.db.scalars(select(Ballot).where(Ballot.poll_id == model.id)).all()
            stored = {index[b.member_id]: (b.choice, index[b.cast_by_id], b.proxy_id) for b in rows}
            assert stored == model.ballots, f"poll {model.id}"

    @invariant()
    def no_holder_carries_more_than_the_limit(self) -> None:
        limit = self.settings.proxy_limit
        approved = self.db.execute(
            select(Proxy.sitting_id, Proxy.holder_id, func.count())
            .where(Proxy.status == "approved")
            .group_by(Proxy.sitting_id, Proxy.holder_id)
        ).all()
        assert all(count <= limit for _, _, count in approved), approved
        carried = self.db.execute(
            select(Elector.poll_id, Elector.proxy_holder_id, func.count())
            .where(Elector.proxy_holder_id.is_not(None))
            .group_by(Elector.poll_id, Elector.proxy_holder_id)
        ).all()
        assert all(count <= limit for _, _, count in carried), carried

    @invariant()
    def closed_results_never_change(self) -> None:
        for model in self.polls:
            if model.result is None:
                continue
            poll = self.db.get_one(Poll, model.id)
            self.db.refresh(poll)
            assert (poll.result, poll.passed, poll.record_hash) == model.result

    @invariant()
    def statuses_and_presence_are_the_model(self) -> None:
        for s, model in enumerate(self.sittings):
            sitting = self.db.get_one(Sitting, model.id)
            assert sitting.status.value == model.status
            present = self.db.scalars(
                select(Attendance.member_id).where(
                    Attendance.sitting_id == model.id, Attendance.left_at.is_(None)
                )
            ).all()
            assert set(present) == {self.ids[m] for m in model.present}, f"sitting {s}"
        for proxy in self.proxies:
            assert self.db.get_one(Proxy, proxy.id).status.value == proxy.status
        for poll in self.polls:
            assert self.db.get_one(Poll, poll.id).status.value == poll.status


def make_members(db: Session) -> list[int]:
    """The chair and five members (no password: nobody logs in here)."""
    rows = [
        Member(
            username="chair" if i == 0 else f"member{i}",
            display_name="Chair" if i == 0 else f"Member {i}",
            password_hash="-",
            roles=["member", "chair"] if i == 0 else ["member"],
            active=True,
            language="en",
        )
        for i in range(MEMBERS)
    ]
    db.add_all(rows)
    db.flush()
    for row in rows:
        record(db, "member.created", f"member:{row.id}", actor_id=None, payload={"via": "test"})
    db.commit()
    return [row.id for row in rows]


def test_sittings_proxies_and_polls_follow_the_model(db: Session, settings: Settings) -> None:
    assert db.scalar(select(func.count()).select_from(Member)) == 0
    member_ids = make_members(db)
    OUTCOMES.clear()
    run_state_machine_as_test(lambda: VotingMachine(db, settings, member_ids), settings=MACHINE)
    missing = REACHED - set(OUTCOMES)
    assert not missing, f"no step reached {sorted(missing)}"


# What every run reaches, by far (a run that did not would have tested nearly nothing).
REACHED = {("vote", "ok"), ("open a poll", "ok"), ("close a poll", "ok"), ("vote by proxy", "ok")}


# Derandomized: the same 80 runs each time. With a fresh seed each time, a CI run once
# drew no run in which a proxy holder's vote was accepted (the REACHED check failed), a
# chain of six steps that most seeds reach.
MACHINE = hypothesis_settings(
    max_examples=80,
    stateful_step_count=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
