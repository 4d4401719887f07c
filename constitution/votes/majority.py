"""Majority rules and concurrent majorities: pure functions, no database.

A poll's rule is a majority over a base (API.md, "Voting"):

* bases: ``cast`` counts yes + no (abstentions are recorded but do not count), ``present``
  the entitled members, ``members`` all active members;
* ``simple``: yes > no; ``absolute``: yes > half the base; ``two_thirds``: yes >= 2/3 of the
  base; ``three_quarters``: yes >= 3/4 of the base.

Everything is whole-number arithmetic (``3 * yes >= 2 * base``), never floats. Two edge cases
are decided here, the same for every rule: an empty base (0) never passes, and neither does a
tally with no yes (so a simple majority of 0 to 0, or a poll where everyone abstained, fails).

A poll may add concurrent majorities (``Condition``): for each value of a member group
(``state_region``, say) held by at least ``min_entitled`` entitled members, the condition's
own rule is computed within that group, over its ``cast`` votes or its ``present`` (entitled)
members; the condition holds when at least ``groups_needed`` of those groups pass, ``"all"``
meaning every one. A condition with no group large enough does not hold (nothing was shown
to agree), nor does one that needs more groups than there are. Entitled members with no
value for the group (or an empty one) are in no group; each outcome reports how many, and
which groups were too small to count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard, TypeVar, get_args

from constitution.errors import N_, Invalid

Majority = Literal["simple", "absolute", "two_thirds", "three_quarters"]
Base = Literal["cast", "present", "members"]
ConditionBase = Literal["cast", "present"]
GroupName = Literal["party", "state_region", "ethnicity", "chamber"]
Choice = Literal["yes", "no", "abstain"]

MAJORITIES: tuple[Majority, ...] = get_args(Majority)
BASES: tuple[Base, ...] = get_args(Base)
CONDITION_BASES: tuple[ConditionBase, ...] = get_args(ConditionBase)
GROUPS: tuple[GroupName, ...] = get_args(GroupName)
CHOICES: tuple[Choice, ...] = get_args(Choice)
# The most conditions one poll may carry (there are four groups; more is a mistake).
MAX_CONDITIONS = 16

CONDITION_KEYS = frozenset({"group", "majority", "base", "min_entitled", "groups_needed"})
FIELD = "conditions"
T = TypeVar("T", bound=str)


def _whole(value: object) -> TypeGuard[int]:
    """A JSON whole number: an int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _one_of(value: object, allowed: tuple[T, ...]) -> TypeGuard[T]:
    return isinstance(value, str) and value in allowed


@dataclass(frozen=True)
class Tally:
    yes: int = 0
    no: int = 0
    abstain: int = 0

    def __post_init__(self) -> None:
        for count in (self.yes, self.no, self.abstain):
            if not _whole(count) or count < 0:
                raise ValueError(f"a tally counts with whole numbers from 0, not {count!r}")

    @classmethod
    def of(cls, choices: Iterable[str]) -> Tally:
        """The tally of these choices (each "yes", "no" or "abstain")."""
        counts = dict.fromkeys(CHOICES, 0)
        for choice in choices:
            if choice not in counts:
                raise ValueError(f"a vote is yes, no or abstain, not {choice!r}")
            counts[choice] += 1
        return cls(counts["yes"], counts["no"], counts["abstain"])

    @property
    def cast(self) -> int:
        """The votes cast: yes + no (abstentions do not count)."""
        return self.yes + self.no

    def as_json(self) -> dict[str, int]:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain}


def rule_holds(majority: Majority, base_count: int, tally: Tally) -> bool:
    """Whether ``majority`` holds for ``tally`` over a base of ``base_count``.

    An empty base, or no yes at all, never passes.
    """
    if base_count <= 0 or tally.yes == 0:
        return False
    if majority == "simple":
        return tally.yes > tally.no
    if majority == "absolute":
        return 2 * tally.yes > base_count
    if majority == "two_thirds":
        return 3 * tally.yes >= 2 * base_count
    if majority == "three_quarters":
        return 4 * tally.yes >= 3 * base_count
    raise ValueError(f"unknown majority {majority!r}")


@dataclass(frozen=True)
class Condition:
    """A concurrent majority: ``majority`` over ``base`` within each value of ``group``
    held by at least ``min_entitled`` entitled members, in all of them or in at least K."""

    group: GroupName
    majority: Majority
    base: ConditionBase
    min_entitled: int = 1
    groups_needed: int | Literal["all"] = "all"

    @classmethod
    def parse(cls, obj: Any) -> Condition:
        """The condition in a request's JSON object, or ``Invalid`` (field "conditions").

        ``group``, ``majority`` and ``base`` are required; ``min_entitled`` defaults to 1
        and ``groups_needed`` to ``"all"``.
        """
        if not isinstance(obj, dict):
            raise Invalid(N_("Each condition must be an object."), field=FIELD)
        if not CONDITION_KEYS.issuperset(obj):
            raise Invalid(
                N_(
                    "A condition may only have group, majority, base, min_entitled and "
                    "groups_needed."
                ),
                field=FIELD,
            )
        group, majority, base = obj.get("group"), obj.get("majority"), obj.get("base")
        if not _one_of(group, GROUPS):
            raise Invalid(
                N_("A condition's group must be party, state_region, ethnicity or chamber."),
                field=FIELD,
            )
        if not _one_of(majority, MAJORITIES):
            raise Invalid(
                N_(
                    "A condition's majority must be simple, absolute, two_thirds or three_quarters."
                ),
                field=FIELD,
            )
        if not _one_of(base, CONDITION_BASES):
            raise Invalid(N_("A condition's base must be cast or present."), field=FIELD)
        min_entitled = obj.get("min_entitled", 1)
        if not _whole(min_entitled) or min_entitled < 1:
            raise Invalid(
                N_("A condition's min_entitled must be a whole number of at least 1."),
                field=FIELD,
            )
        needed = obj.get("groups_needed", "all")
        if needed != "all" and (not _whole(needed) or needed < 1):
            raise Invalid(
                N_('A condition\'s groups_needed must be "all" or a whole number of at least 1.'),
                field=FIELD,
            )
        return cls(group, majority, base, min_entitled, needed)

    @classmethod
    def parse_list(cls, obj: Any) -> tuple[Condition, ...]:
        """A poll's ``conditions``: a list of at most ``MAX_CONDITIONS`` condition objects
        (``None`` or absent means none)."""
        if obj is None:
            return ()
        if not isinstance(obj, list) or len(obj) > MAX_CONDITIONS:
            raise Invalid(N_("Conditions must be a list of at most 16 conditions."), field=FIELD)
        return tuple(cls.parse(item) for item in obj)

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "majority": self.majority,
            "base": self.base,
            "min_entitled": self.min_entitled,
            "groups_needed": self.groups_needed,
        }


@dataclass(frozen=True)
class Voter:
    """An entitled member and her groups (``{"state_region": "Shan", ...}``)."""

    member_id: int
    groups: Mapping[str, str]


@dataclass(frozen=True)
class GroupOutcome:
    value: str
    entitled: int
    tally: Tally
    passed: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "entitled": self.entitled,
            "tally": self.tally.as_json(),
            "passed": self.passed,
        }


@dataclass(frozen=True)
class ConditionOutcome:
    """One condition's result: each group large enough to count, sorted by value; how many
    entitled members had no value for the group; the values of the groups too small."""

    condition: Condition
    groups: list[GroupOutcome]
    held: bool
    ungrouped: int = 0
    too_small: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """API.md's poll ``conditions`` entry, plus ``ungrouped`` and ``too_small``."""
        return {
            **self.condition.as_json(),
            "groups": [group.as_json() for group in self.groups],
            "held": self.held,
            "ungrouped": self.ungrouped,
            "too_small": list(self.too_small),
        }


@dataclass(frozen=True)
class Outcome:
    """A poll's result: its tally, the size of its base, whether its own rule and each
    condition held, and whether it passed (the rule and every condition)."""

    tally: Tally
    base_count: int
    rule_held: bool
    conditions: list[ConditionOutcome]
    passed: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "tally": self.tally.as_json(),
            "base_count": self.base_count,
            "rule_held": self.rule_held,
            "conditions": [condition.as_json() for condition in self.conditions],
            "passed": self.passed,
        }


def decide(
    majority: Majority,
    base: Base,
    conditions: Sequence[Condition],
    entitled: Sequence[Voter],
    counted: Mapping[int, str],
    members: int,
) -> Outcome:
    """The result of a poll.

    ``entitled`` are the members entitled to vote, ``counted`` each one's counted vote
    (member id -> "yes" | "no" | "abstain"; one who did not vote is absent) and ``members``
    the number of all active members (the ``members`` base). A vote by someone not entitled,
    an entitled member listed twice, or an unknown choice is a ``ValueError``: the caller
    holds the rows these come from, and such a result must not be computed.
    """
    ids = [voter.member_id for voter in entitled]
    if len(set(ids)) != len(ids):
        raise ValueError("an entitled member is listed twice")
    if not set(counted).issubset(ids):
        raise ValueError("a counted vote is not by an entitled member")
    tally = Tally.of(counted.values())
    base_count = {"cast": tally.cast, "present": len(entitled), "members": members}[base]
    rule_held = rule_holds(majority, base_count, tally)
    outcomes = [_condition_outcome(c, entitled, counted) for c in conditions]
    passed = rule_held and all(outcome.held for outcome in outcomes)
    return Outcome(tally, base_count, rule_held, outcomes, passed)


def _condition_outcome(
    condition: Condition, entitled: Sequence[Voter], counted: Mapping[int, str]
) -> ConditionOutcome:
    by_value: dict[str, list[int]] = {}
    ungrouped = 0
    for voter in entitled:
        value = voter.groups.get(condition.group)
        if value:
            by_value.setdefault(value, []).append(voter.member_id)
        else:
            ungrouped += 1
    groups: list[GroupOutcome] = []
    too_small: list[str] = []
    for value in sorted(by_value):
        ids = by_value[value]
        if len(ids) < condition.min_entitled:
            too_small.append(value)
            continue
        tally = Tally.of(counted[i] for i in ids if i in counted)
        base_count = tally.cast if condition.base == "cast" else len(ids)
        groups.append(
            GroupOutcome(value, len(ids), tally, rule_holds(condition.majority, base_count, tally))
        )
    passing = sum(group.passed for group in groups)
    needed = len(groups) if condition.groups_needed == "all" else condition.groups_needed
    held = bool(groups) and needed <= len(groups) and passing >= needed
    return ConditionOutcome(condition, groups, held, ungrouped, tuple(too_small))
