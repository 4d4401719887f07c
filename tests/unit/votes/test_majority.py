"""Majority rules and concurrent majorities (``constitution.votes.majority``)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constitution.errors import Invalid
from constitution.votes.majority import (
    MAJORITIES,
    Condition,
    ConditionOutcome,
    GroupOutcome,
    Majority,
    Tally,
    Voter,
    decide,
    rule_holds,
)
from tests.unit.diffing.strategies import PROPERTY

# ---- rule_holds -------------------------------------------------------------------------

# (majority, base_count, yes, no, abstain, holds)
RULES: list[tuple[Majority, int, int, int, int, bool]] = [
    # simple: more yes than no; a tie, no votes or all abstaining fail
    ("simple", 3, 2, 1, 0, True),
    ("simple", 2, 1, 1, 0, False),
    ("simple", 0, 0, 0, 0, False),
    ("simple", 5, 0, 0, 5, False),
    ("simple", 10, 1, 0, 9, True),
    ("simple", 10, 0, 0, 0, False),
    # absolute: more than half the base
    ("absolute", 10, 6, 0, 0, True),
    ("absolute", 10, 5, 0, 0, False),
    ("absolute", 9, 5, 4, 0, True),
    ("absolute", 9, 4, 0, 0, False),
    ("absolute", 1, 1, 0, 0, True),
    ("absolute", 0, 0, 0, 0, False),
    # two thirds: exactly 2/3 passes, one short fails
    ("two_thirds", 9, 6, 3, 0, True),
    ("two_thirds", 9, 5, 4, 0, False),
    ("two_thirds", 10, 7, 3, 0, True),
    ("two_thirds", 10, 6, 4, 0, False),
    ("two_thirds", 3, 2, 1, 0, True),
    ("two_thirds", 150, 100, 0, 0, True),
    ("two_thirds", 150, 99, 0, 0, False),
    ("two_thirds", 0, 0, 0, 0, False),
    # three quarters: exactly 3/4 passes, one short fails
    ("three_quarters", 4, 3, 1, 0, True),
    ("three_quarters", 4, 2, 2, 0, False),
    ("three_quarters", 100, 75, 0, 0, True),
    ("three_quarters", 100, 74, 0, 0, False),
    ("three_quarters", 101, 76, 0, 0, True),
    ("three_quarters", 101, 75, 0, 0, False),
    ("three_quarters", 0, 0, 0, 0, False),
]


@pytest.mark.parametrize(("majority", "base", "yes", "no", "abstain", "holds"), RULES)
def test_rule_holds(
    majority: Majority, base: int, yes: int, no: int, abstain: int, holds: bool
) -> None:
    assert rule_holds(majority, base, Tally(yes, no, abstain)) is holds


def oracle(majority: str, base: int, tally: Tally) -> bool:
    """The rules as API.md writes them, in fractions, plus the two documented edge cases."""
    if base == 0 or tally.yes == 0:
        return False
    share = Fraction(tally.yes, base)
    return {
        "simple": tally.yes > tally.no,
        "absolute": share > Fraction(1, 2),
        "two_thirds": share >= Fraction(2, 3),
        "three_quarters": share >= Fraction(3, 4),
    }[majority]


def near_thresholds(base: int) -> list[int]:
    """Yes counts at and next to each rule's threshold for ``base``."""
    edges = [base // 2, (2 * base + 2) // 3, (3 * base + 3) // 4]
    return [max(0, edge + step) for edge in edges for step in (-1, 0, 1)]


@st.composite
def yes_and_base(draw: st.DrawFn) -> tuple[int, int]:
    base = draw(st.integers(0, 50).map(lambda k: 12 * k) | st.integers(0, 600))
    yes = draw(st.sampled_from(near_thresholds(base)) | st.integers(0, 600))
    return yes, base


@settings(PROPERTY, max_examples=500)
@given(
    majority=st.sampled_from(MAJORITIES),
    yes_base=yes_and_base(),
    no=st.integers(0, 600),
    abstain=st.integers(0, 600),
)
def test_rule_holds_agrees_with_fractions(
    majority: Majority, yes_base: tuple[int, int], no: int, abstain: int
) -> None:
    yes, base = yes_base
    tally = Tally(yes, no, abstain)
    assert rule_holds(majority, base, tally) is oracle(majority, base, tally)


def test_rule_holds_agrees_with_fractions_on_every_small_tally() -> None:
    """Every tally up to 40 on every base up to 40: each threshold is met exactly somewhere."""
    for majority in MAJORITIES:
        for base in range(41):
            for yes in range(41):
                for no in (0, 1, yes, yes + 1):
                    tally = Tally(yes, no, 1)
                    assert rule_holds(majority, base, tally) is oracle(majority, base, tally), (
                        majority,
                        base,
                        tally,
                    )


def test_an_unknown_majority_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown majority"):
        rule_holds("most", 3, Tally(3, 0, 0))  # type: ignore[arg-type]


@pytest.mark.parametrize("counts", [(-1, 0, 0), (0, True, 0), (0, 0, 1.0)])
def test_a_tally_counts_whole_numbers(counts: tuple[Any, Any, Any]) -> None:
    with pytest.raises(ValueError, match="whole numbers"):
        Tally(*counts)


def test_tally() -> None:
    tally = Tally.of(["yes", "no", "abstain", "yes"])
    assert tally == Tally(2, 1, 1)
    assert tally.cast == 3
    assert tally.as_json() == {"yes": 2, "no": 1, "abstain": 1}
    with pytest.raises(ValueError, match="yes, no or abstain"):
        Tally.of(["maybe"])


# ---- decide: the poll's own rule over each base -----------------------------------------


def voters(spec: str, group: str = "state_region") -> list[Voter]:
    """Voters 1, 2, … whose ``group`` is each letter of ``spec`` ("." for none)."""
    return [
        Voter(i, {} if value == "." else {group: value}) for i, value in enumerate(spec, start=1)
    ]


def votes(choices: str) -> dict[int, str]:
    """Votes of members 1, 2, … ("y", "n", "a"; "." did not vote)."""
    names = {"y": "yes", "n": "no", "a": "abstain"}
    return {i: names[c] for i, c in enumerate(choices, start=1) if c != "."}


# 10 entitled, 20 members: 5 yes, 2 no, 1 abstain, 2 did not vote.
# (majority, base, base_count, rule_held)
ON_EACH_BASE: list[tuple[Majority, str, int, bool]] = [
    ("simple", "cast", 7, True),
    ("simple", "present", 10, True),
    ("simple", "members", 20, True),
    ("absolute", "cast", 7, True),  # 5 > 3.5
    ("absolute", "present", 10, False),  # 5 is not more than 5
    ("absolute", "members", 20, False),
    ("two_thirds", "cast", 7, True),  # 15 >= 14
    ("two_thirds", "present", 10, False),
    ("two_thirds", "members", 20, False),
    ("three_quarters", "cast", 7, False),  # 20 < 21
    ("three_quarters", "present", 10, False),
    ("three_quarters", "members", 20, False),
]


@pytest.mark.parametrize(("majority", "base", "base_count", "held"), ON_EACH_BASE)
def test_each_majority_over_each_base(
    majority: Majority, base: Any, base_count: int, held: bool
) -> None:
    outcome = decide(majority, base, [], voters("a" * 10), votes("yyyyynna.."), members=20)
    assert outcome.tally == Tally(5, 2, 1)
    assert outcome.base_count == base_count
    assert outcome.rule_held is held
    assert outcome.passed is held
    assert outcome.conditions == []


@pytest.mark.parametrize(
    ("choices", "passed"),
    [("", False), ("...", False), ("aaa", False), ("yn", False), ("yyn", True), ("y..", True)],
)
def test_ties_no_votes_and_all_abstaining(choices: str, passed: bool) -> None:
    assert decide("simple", "cast", [], voters("x" * 3), votes(choices), 3).passed is passed


def test_a_poll_with_no_one_entitled_fails() -> None:
    for base in ("cast", "present", "members"):
        assert not decide("absolute", base, [], [], {}, members=10).passed  # type: ignore[arg-type]


def test_the_inputs_must_be_consistent() -> None:
    with pytest.raises(ValueError, match="not by an entitled member"):
        decide("simple", "cast", [], voters("ab"), {3: "yes"}, 3)
    with pytest.raises(ValueError, match="listed twice"):
        decide("simple", "cast", [], [Voter(1, {}), Voter(1, {})], {}, 3)
    with pytest.raises(ValueError, match="yes, no or abstain"):
        decide("simple", "cast", [], voters("ab"), {1: "si"}, 3)


# ---- decide: concurrent majorities ------------------------------------------------------


def condition(**fields: Any) -> Condition:
    return Condition.parse(
        {"group": "state_region", "majority": "simple", "base": "cast", **fields}
    )


# Three groups: A (4 members) votes yes 3-1, B (3) votes no 1-2, C (1) votes yes.
# Members 9 and 10 have no state or region, and vote no.
GROUPS = "AAAABBBC.."
CHOICES = "yyynynnynn"  # overall 5 yes, 5 no: the simple rule alone fails on a tie
# (condition fields, held, passing values, values too small to count)
CONDITIONS: list[tuple[dict[str, Any], bool, list[str], list[str]]] = [
    ({}, False, ["A", "C"], []),  # all: B fails
    ({"groups_needed": 2}, True, ["A", "C"], []),
    ({"groups_needed": 3}, False, ["A", "C"], []),
    ({"groups_needed": 4}, False, ["A", "C"], []),  # more groups needed than there are
    ({"min_entitled": 2}, False, ["A"], ["C"]),  # C is too small; B still fails
    ({"min_entitled": 2, "groups_needed": 1}, True, ["A"], ["C"]),
    ({"min_entitled": 4}, True, ["A"], ["B", "C"]),  # only A counts, and passes
    ({"min_entitled": 4, "groups_needed": 2}, False, ["A"], ["B", "C"]),  # 2 needed, 1 counts
    ({"min_entitled": 5}, False, [], ["A", "B", "C"]),  # no group counts: does not hold
    ({"min_entitled": 5, "groups_needed": 1}, False, [], ["A", "B", "C"]),
    # within each group over its entitled members: A has 3 of 4 (> half); C 1 of 1
    ({"majority": "absolute", "base": "present"}, False, ["A", "C"], []),
    ({"majority": "three_quarters", "base": "present", "groups_needed": 2}, True, ["A", "C"], []),
    ({"majority": "two_thirds", "base": "present", "min_entitled": 3}, False, ["A"], ["C"]),
]


@pytest.mark.parametrize(("fields", "held", "passing", "too_small"), CONDITIONS)
def test_conditions(
    fields: dict[str, Any], held: bool, passing: list[str], too_small: list[str]
) -> None:
    rule = condition(**fields)
    outcome = decide("simple", "present", [rule], voters(GROUPS), votes(CHOICES), 10)
    (result,) = outcome.conditions
    assert result.condition == rule
    assert result.held is held
    assert [g.value for g in result.groups if g.passed] == passing
    assert list(result.too_small) == too_small
    assert result.ungrouped == 2
    assert not outcome.passed  # the poll's own rule fails on the 5-5 tie


@pytest.mark.parametrize(
    ("majority", "base", "held"),
    [
        ("absolute", "cast", True),  # 2 of 3 cast
        ("absolute", "present", False),  # 2 of 4 entitled is not more than half
        ("two_thirds", "cast", True),
        ("two_thirds", "present", False),
        ("simple", "present", True),  # the base does not change a simple majority
    ],
)
def test_a_group_base_counts_votes_cast_or_its_entitled_members(
    majority: Majority, base: str, held: bool
) -> None:
    # One group of 4: 2 yes, 1 no, 1 did not vote.
    rule = condition(majority=majority, base=base)
    outcome = decide("simple", "cast", [rule], voters("AAAA"), votes("yyn."), 4)
    assert outcome.conditions[0].groups == [GroupOutcome("A", 4, Tally(2, 1, 0), held)]
    assert outcome.conditions[0].held is held


def test_group_tallies_and_the_answer_shape() -> None:
    rule = condition(groups_needed=2)
    outcome = decide("absolute", "cast", [rule], voters("BBAA.C"), votes("yy.nya"), members=6)
    assert outcome.tally == Tally(3, 1, 1)
    assert outcome.rule_held
    assert outcome.conditions == [
        ConditionOutcome(
            rule,
            [
                GroupOutcome("A", 2, Tally(0, 1, 0), False),  # member 3 did not vote
                GroupOutcome("B", 2, Tally(2, 0, 0), True),
                GroupOutcome("C", 1, Tally(0, 0, 1), False),  # all abstained
            ],
            held=False,
            ungrouped=1,
        )
    ]
    assert not outcome.passed
    assert outcome.as_json() == {
        "tally": {"yes": 3, "no": 1, "abstain": 1},
        "base_count": 4,
        "rule_held": True,
        "passed": False,
        "conditions": [
            {
                "group": "state_region",
                "majority": "simple",
                "base": "cast",
                "min_entitled": 1,
                "groups_needed": 2,
                "groups": [
                    {
                        "value": "A",
                        "entitled": 2,
                        "tally": {"yes": 0, "no": 1, "abstain": 0},
                        "passed": False,
                    },
                    {
                        "value": "B",
                        "entitled": 2,
                        "tally": {"yes": 2, "no": 0, "abstain": 0},
                        "passed": True,
                    },
                    {
                        "value": "C",
                        "entitled": 1,
                        "tally": {"yes": 0, "no": 0, "abstain": 1},
                        "passed": False,
                    },
                ],
                "held": False,
                "ungrouped": 1,
                "too_small": [],
            }
        ],
    }


def test_the_poll_passes_only_when_its_rule_and_every_condition_hold() -> None:
    entitled = [
        Voter(1, {"state_region": "Shan", "chamber": "union"}),
        Voter(2, {"state_region": "Shan", "chamber": "state_region"}),
        Voter(3, {"state_region": "Mon", "chamber": "union"}),
        Voter(4, {"state_region": "Mon", "chamber": ""}),  # an empty value is no group
    ]
    by_region = condition()
    by_chamber = condition(group="chamber")
    both = decide("simple", "cast", [by_region, by_chamber], entitled, votes("yyya"), 4)
    assert [c.held for c in both.conditions] == [True, True]
    assert both.conditions[1].ungrouped == 1
    assert both.passed
    one_fails = decide("simple", "cast", [by_region, by_chamber], entitled, votes("yaya"), 4)
    # each region has a yes and an abstention; the state_region chamber only abstains
    assert [c.held for c in one_fails.conditions] == [True, False]
    assert not one_fails.passed


def test_groups_are_sorted_by_value() -> None:
    outcome = decide("simple", "cast", [condition()], voters("cbaXc"), {}, 5)
    assert [g.value for g in outcome.conditions[0].groups] == ["X", "a", "b", "c"]


# ---- Condition.parse --------------------------------------------------------------------

GOOD: dict[str, Any] = {"group": "ethnicity", "majority": "two_thirds", "base": "present"}


def test_parse_a_condition() -> None:
    parsed = Condition.parse(GOOD)
    assert parsed == Condition("ethnicity", "two_thirds", "present", 1, "all")
    assert parsed.as_json() == {**GOOD, "min_entitled": 1, "groups_needed": "all"}
    full = {**GOOD, "min_entitled": 3, "groups_needed": 7}
    assert Condition.parse(full).as_json() == full
    assert Condition.parse(Condition.parse(full).as_json()) == Condition.parse(full)


BAD: list[tuple[Any, str]] = [
    (None, "must be an object"),
    ([GOOD], "must be an object"),
    ("state_region", "must be an object"),
    ({**GOOD, "quorum": 1}, "may only have"),
    ({**GOOD, "Group": "party"}, "may only have"),
    ({"majority": "simple", "base": "cast"}, "group must be"),
    ({**GOOD, "group": "religion"}, "group must be"),
    ({**GOOD, "group": ["party"]}, "group must be"),
    ({**GOOD, "group": None}, "group must be"),
    ({**GOOD, "majority": "unanimous"}, "majority must be"),
    ({**GOOD, "majority": "Simple"}, "majority must be"),
    ({"group": "party", "base": "cast"}, "majority must be"),
    ({**GOOD, "base": "members"}, "base must be"),
    ({"group": "party", "majority": "simple"}, "base must be"),
    ({**GOOD, "base": 1}, "base must be"),
    ({**GOOD, "min_entitled": 0}, "min_entitled must be"),
    ({**GOOD, "min_entitled": -3}, "min_entitled must be"),
    ({**GOOD, "min_entitled": True}, "min_entitled must be"),
    ({**GOOD, "min_entitled": 2.0}, "min_entitled must be"),
    ({**GOOD, "min_entitled": "2"}, "min_entitled must be"),
    ({**GOOD, "min_entitled": None}, "min_entitled must be"),
    ({**GOOD, "groups_needed": 0}, "groups_needed must be"),
    ({**GOOD, "groups_needed": True}, "groups_needed must be"),
    ({**GOOD, "groups_needed": "ALL"}, "groups_needed must be"),
    ({**GOOD, "groups_needed": "2"}, "groups_needed must be"),
    ({**GOOD, "groups_needed": 1.5}, "groups_needed must be"),
    ({**GOOD, "groups_needed": None}, "groups_needed must be"),
]


@pytest.mark.parametrize(("obj", "message"), BAD)
def test_parse_refuses(obj: Any, message: str) -> None:
    with pytest.raises(Invalid, match=message) as refused:
        Condition.parse(obj)
    assert refused.value.field == "conditions"
    assert refused.value.status == 422


def test_parse_a_list() -> None:
    assert Condition.parse_list(None) == ()
    assert Condition.parse_list([]) == ()
    assert Condition.parse_list([GOOD, GOOD]) == (Condition.parse(GOOD),) * 2
    for bad in ({"0": GOOD}, GOOD, "x", [GOOD] * 17):
        with pytest.raises(Invalid, match="list of at most 16") as refused:
            Condition.parse_list(bad)
        assert refused.value.field == "conditions"
    with pytest.raises(Invalid, match="must be an object"):
        Condition.parse_list([GOOD, 3])
