"""The voting order of a sitting's agenda, as parliaments vote on conflicting amendments,
and which polls fall when one passes.

The suggested order (``voting_order``):

1. Only the polls still to be voted on are ordered: ``created`` polls on amendments that
   have not fallen. Motions, open and closed polls and fallen ones keep their places.
2. Polls whose amendments conflict (``amendments.conflict_map``: their changes touch the
   same words, or one deletes what the other changes), or of which one amends the other,
   form a group (with every poll linked to them in turn). A group keeps the places its
   polls hold on the agenda; only their order within it changes.
3. Within a group, an amendment to an amendment comes right before the amendment it
   amends (the amendments to it are voted on first, furthest first, then it).
4. Otherwise the amendment that departs furthest from the text it amends comes first
   (see ``Departure``); at equal departure, the agenda's order stands.

What falls (``falls``): when the amendment of a poll is adopted, the polls still to be
voted on whose amendments conflict with it fall (for an amendment to an amendment, those
of the other amendments to the same amendment that conflict with it: the amended
amendment itself is still to be voted on); so do the amendments to it (they can no longer
be merged into it), and the amendments to any amendment that falls. ``polls._adopt``
marks the same polls fallen when a poll passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.amendments import services as amendments
from constitution.amendments.models import Amendment, AmendmentChange
from constitution.audit.services import record
from constitution.db import clean_ids
from constitution.diffing.bounded import Diff
from constitution.diffing.diff import EQUAL
from constitution.diffing.tokens import tokenize
from constitution.errors import N_, DomainError, Invalid
from constitution.texts.diffs import Differ
from constitution.texts.models import Document
from constitution.votes import permissions as rules
from constitution.votes.models import Poll, PollStatus, Sitting, SittingStatus
from constitution.votes.services.queries import agenda

ZERO = Fraction(0)


@dataclass(frozen=True)
class Departure:
    """How far an amendment departs from the text it amends, as shares from 0 to 1.

    Each change is diffed on tokens (the project's diffs: words, numbers, punctuation,
    Myanmar syllables) from the text it amends to the text its adoption would write: the
    provision's text at the amendment's base for an amendment (a committee substitute's
    text in place of its own where there is one), the amended amendment's text for the
    same provision for an amendment to an amendment; an inserted provision is all new, a
    deleted one all gone, a moved one unchanged. In each language, the share is the
    tokens deleted or inserted over all tokens of the diff (whitespace not counted),
    summed over the amendment's changes: 0 changes nothing, 1 replaces everything.

    ``authoritative`` is that share in the document's authoritative language, ``largest``
    the largest share in any of its languages. Amendments are compared by
    ``authoritative`` first, then by ``largest`` (so that one that changes only a
    translation still ranks among those that leave the authoritative text alone)."""

    authoritative: Fraction
    largest: Fraction

    def key(self) -> tuple[Fraction, Fraction]:
        return (self.authoritative, self.largest)

    def as_json(self) -> dict[str, float]:
        return {
            "authoritative": round(float(self.authoritative), 4),
            "largest": round(float(self.largest), 4),
        }


@dataclass(frozen=True)
class VotingOrder:
    """``suggested``: the created polls' ids in the suggested order; ``falls``: for each
    poll still to be voted on (created or open, on an amendment, not fallen), the polls
    that fall if it passes, in agenda order; ``departures``: each ordered poll's
    ``Departure``."""

    suggested: list[int]
    falls: dict[int, list[int]]
    departures: dict[int, Departure]

    def as_json(self) -> dict[str, Any]:
        return {
            "suggested_order": self.suggested,
            "falls": {str(k): v for k, v in self.falls.items()},
            "departures": {str(k): d.as_json() for k, d in self.departures.items()},
        }


def _counted(text: str) -> int:
    return sum(1 for token in tokenize(text) if not token.isspace())


def _changed_and_total(diff: Diff) -> tuple[int, int]:
    changed = total = 0
    for op, piece in diff.pairs:
        count = _counted(piece)
        total += count
        if op != EQUAL:
            changed += count
    return changed, total


def _amended_text(change: AmendmentChange, parent: Amendment | None) -> dict[str, str]:
    """The text the change amends: the amended amendment's for that provision, else the
    provision's at the amendment's base."""
    if parent is not None:
        for theirs in parent.changes:
            if theirs.key == change.key and theirs.op in ("replace", "insert"):
                return dict(theirs.text)
    return dict(change.base_text) if change.op != "insert" else {}


def _adopted_text(
    change: AmendmentChange, old: dict[str, str], substitute: dict[str, Any]
) -> dict[str, str]:
    """The text adopting the change would write (languages it leaves out keep theirs)."""
    if change.op == "delete":
        return {}
    if change.op == "move":
        return old
    # A replace gives only the languages it changes: the others keep the amended text
    # (for an amendment to an amendment, the amended amendment's, not the provision's).
    given = substitute.get(change.key, change.own_text())
    return {**old, **{k: v for k, v in given.items() if isinstance(v, str)}}


def _pairs(
    document: Document, amendment: Amendment, parent: Amendment | None
) -> list[tuple[str, str, str]]:
    """(language, amended text, adopted text) of each change of the amendment."""
    substitute = (amendment.substitute or {}) if amendment.amends_id is None else {}
    found = []
    for change in amendment.changes:
        old = _amended_text(change, parent)
        new = _adopted_text(change, old, substitute)
        for language in document.languages:
            found.append((language, old.get(language, ""), new.get(language, "")))
    return found


def departures(
    db: Session, subjects: Iterable[Amendment], differ: Differ | None = None
) -> dict[int, Departure]:
    """The ``Departure`` of each amendment (all diffs made in one batch)."""
    differ = differ if differ is not None else Differ()
    items: list[tuple[int, str, str, str]] = []
    languages: dict[int, tuple[str, list[str]]] = {}
    for amendment in subjects:
        document = amendments.document_of(db, amendment)
        parent = db.get(Amendment, amendment.amends_id) if amendment.amends_id else None
        languages[amendment.id] = (document.authoritative, list(document.languages))
        items += [
            (amendment.id, lang, old, new) for lang, old, new in _pairs(document, amendment, parent)
        ]
    diffs = differ.diffs([(old, new) for _, _, old, new in items])
    sums: dict[tuple[int, str], list[int]] = {}
    for (amendment_id, lang, _, _), diff in zip(items, diffs, strict=True):
        changed, total = _changed_and_total(diff)
        tally = sums.setdefault((amendment_id, lang), [0, 0])
        tally[0] += changed
        tally[1] += total
    result = {}
    for amendment_id, (authoritative, langs) in languages.items():
        shares = {}
        for lang in langs:
            changed, total = sums.get((amendment_id, lang), [0, 0])
            shares[lang] = Fraction(changed, total) if total else ZERO
        result[amendment_id] = Departure(
            shares.get(authoritative, ZERO), max(shares.values(), default=ZERO)
        )
    return result


@dataclass
class _Agenda:
    """A sitting's polls still to be voted on, their amendments and conflicts."""

    polls: list[Poll]  # the whole agenda, in order
    live: dict[int, Poll]  # amendment id -> its created poll, not fallen
    amendments: dict[int, Amendment]  # of the live polls and the subject
    conflicts: dict[int, list[int]]


def _load(db: Session, sitting_id: int, subject: Poll | None = None) -> _Agenda:
    """The agenda's state; the amendments of its open polls and of ``subject`` (a poll
    closing) are loaded with those of the live ones."""
    polls = agenda(db, sitting_id)
    live = {
        p.amendment_id: p
        for p in polls
        if p.status == PollStatus.CREATED and p.amendment_id is not None and p.fell_by_id is None
    }
    voting = [p for p in polls if p.status == PollStatus.OPEN]
    pending = set(live) | {
        p.amendment_id for p in [*voting, *([subject] if subject else [])] if p.amendment_id
    }
    found = {a.id: a for a in amendments.amendments_by_ids(db, pending)}
    return _Agenda(polls, live, found, amendments.conflict_map(db, found))


def _falls(state: _Agenda, subject: Amendment) -> list[int]:
    """The polls that fall when ``subject`` is adopted (see the module's documentation)."""
    others = {i: a for i, a in state.amendments.items() if i in state.live and i != subject.id}
    gone = {
        i
        for i in state.conflicts.get(subject.id, [])
        if i in others and (subject.amends_id is None or others[i].amends_id == subject.amends_id)
    }
    parents = gone | {subject.id}
    grew = True
    while grew:
        more = {i for i, a in others.items() if i not in gone and a.amends_id in parents}
        gone |= more
        parents |= more
        grew = bool(more)
    return [
        p.id for p in state.polls if p.amendment_id in gone and state.live.get(p.amendment_id) is p
    ]


def falling(db: Session, poll: Poll) -> list[Poll]:
    """The polls of the sitting that fall when ``poll``'s amendment is adopted."""
    if poll.amendment_id is None:
        return []
    state = _load(db, poll.sitting_id, poll)
    subject = state.amendments.get(poll.amendment_id)
    if subject is None:
        return []
    ids = set(_falls(state, subject))
    return [p for p in state.polls if p.id in ids]


def _groups(state: _Agenda) -> list[list[int]]:
    """The amendment ids of the live polls linked by conflicts or by amending, by group."""
    links: dict[int, set[int]] = {i: set() for i in state.live}
    for i in state.live:
        for j in state.conflicts.get(i, []):
            if j in links:
                links[i].add(j)
                links[j].add(i)
        parent = state.amendments[i].amends_id
        if parent in links:
            links[i].add(parent)
            links[parent].add(i)
    seen: set[int] = set()
    groups = []
    for start in state.live:
        if start in seen:
            continue
        group, stack = [], [start]
        seen.add(start)
        while stack:
            node = stack.pop()
            group.append(node)
            for other in links[node] - seen:
                seen.add(other)
                stack.append(other)
        groups.append(group)
    return groups


def _group_order(
    group: list[int], state: _Agenda, far: dict[int, Departure], place: dict[int, int]
) -> list[int]:
    """The group's amendments in voting order: furthest first, each right after the
    amendments to it."""
    members = set(group)

    def rank(i: int) -> tuple[Fraction, Fraction, int]:
        a, b = far[i].key()
        return (-a, -b, place[i])

    children: dict[int, list[int]] = {i: [] for i in group}
    roots = []
    for i in group:
        parent = state.amendments[i].amends_id
        if parent in members:
            children[parent].append(i)
        else:
            roots.append(i)
    ordered: list[int] = []

    def emit(i: int) -> None:
        for child in sorted(children[i], key=rank):
            emit(child)
        ordered.append(i)

    for root in sorted(roots, key=rank):
        emit(root)
    return ordered


def voting_order(db: Session, sitting: Sitting, differ: Differ | None = None) -> VotingOrder:
    """The suggested order of the sitting's created polls, and what falls if each passes."""
    state = _load(db, sitting.id)
    created = [p for p in state.polls if p.status == PollStatus.CREATED]
    place = {p.amendment_id: n for n, p in enumerate(created) if p.amendment_id is not None}
    live_amendments = [state.amendments[i] for i in state.live]
    far = departures(db, live_amendments, differ)
    suggested = list(created)
    for group in _groups(state):
        if len(group) < 2:
            continue
        slots = sorted(place[i] for i in group)
        for slot, amendment_id in zip(slots, _group_order(group, state, far, place), strict=True):
            suggested[slot] = state.live[amendment_id]
    falls = {}
    for poll in state.polls:
        pending = poll.status == PollStatus.OPEN or poll.amendment_id in state.live
        if pending and poll.amendment_id is not None and poll.fell_by_id is None:
            falls[poll.id] = _falls(state, state.amendments[poll.amendment_id])
    return VotingOrder(
        suggested=[p.id for p in suggested],
        falls=falls,
        departures={state.live[i].id: d for i, d in far.items()},
    )


def _refuse(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def order_agenda(
    db: Session,
    actor: Member,
    sitting: Sitting,
    *,
    order: Any = None,
    suggested: Any = None,
    differ: Differ | None = None,
) -> list[Poll]:
    """The chair puts the created polls in the given order (exactly the created polls,
    each once), or in the suggested one (``suggested=True``); the other polls keep their
    places. The agenda in its new order."""
    _refuse(rules.chair_refusal(actor))
    _refuse(rules.sitting_refusal(sitting, SittingStatus.PLANNED, SittingStatus.OPEN))
    if order is not None and suggested is not None:
        raise Invalid(N_("Give the order, or ask for the suggested one: not both."), field="order")
    polls = agenda(db, sitting.id)
    created = {p.id: p for p in polls if p.status == PollStatus.CREATED}
    if suggested is not None:
        if suggested is not True:
            raise Invalid(N_("Ask for the suggested order with true."), field="suggested")
        wanted = voting_order(db, sitting, differ).suggested
    else:
        if order is None:
            raise Invalid(N_("Give the order of the polls not yet opened."), field="order")
        wanted = clean_ids(order, "order", N_("The order is a list of poll ids."))
        if len(set(wanted)) != len(wanted) or set(wanted) != set(created):
            raise Invalid(
                N_("The order names every poll not yet opened, each once, and no other."),
                field="order",
            )
    slots = [n for n, p in enumerate(polls) if p.status == PollStatus.CREATED]
    for slot, poll_id in zip(slots, wanted, strict=True):
        polls[slot] = created[poll_id]
    for place, poll in enumerate(polls, start=1):
        poll.position = place
    record(
        db,
        "sitting.ordered",
        f"sitting:{sitting.id}",
        actor_id=actor.id,
        payload={"order": wanted, "suggested": suggested is True},
    )
    return polls
