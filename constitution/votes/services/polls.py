"""A sitting's agenda and its polls: creating, ordering and removing them; opening a poll
(its electorate fixed then) and closing it (the result computed once, the amendment
adopted or rejected, the record signed)."""

from __future__ import annotations

import hashlib
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.amendments import permissions as amendment_rules
from constitution.amendments import services as amendments
from constitution.amendments.models import Amendment, Status
from constitution.amendments.permissions import SCHEDULABLE
from constitution.audit.services import format_time, locked_head, record
from constitution.audit.signing import b64, instance_key
from constitution.db import clean_id, utcnow
from constitution.errors import N_, DomainError, Invalid, StateConflict
from constitution.settings import Settings
from constitution.texts.validation import Notices, clean_text_map
from constitution.votes import live
from constitution.votes import permissions as rules
from constitution.votes.majority import BASES, MAJORITIES, Base, Condition, Majority, Voter, decide
from constitution.votes.models import (
    Ballot,
    Elector,
    Poll,
    PollStatus,
    Proxy,
    ProxyStatus,
    Sitting,
    SittingStatus,
)
from constitution.votes.records import canonical_json, sign_record
from constitution.votes.services import order
from constitution.votes.services.queries import (
    agenda,
    get_sitting,
    presence,
    present_ids,
    voting_members,
)

MOTION_LANGUAGES = ["my", "en"]
MAX_MOTION = 4000
MAX_POLLS = 200


def _refuse(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def _choose(value: Any, options: tuple[str, ...], field: str, default: str) -> str:
    """One of ``options`` (``default`` when not given)."""
    if value is None:
        return default
    if not isinstance(value, str) or value not in options:
        raise Invalid(N_("This is not one of the allowed values."), field=field)
    return value


def clean_conditions(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return [c.as_json() for c in Condition.parse_list(value)]


def subject_of(db: Session, poll: Poll) -> Amendment | None:
    return db.get(Amendment, poll.amendment_id) if poll.amendment_id is not None else None


def _schedulable(db: Session, amendment_id: int) -> Amendment:
    amendment = amendments.get_amendment(db, amendment_id)
    if amendment.status not in SCHEDULABLE:
        raise StateConflict(
            N_("Only a submitted, in-committee or recommended amendment can be put to a vote."),
            code="wrong_status",
        )
    return amendment


def create_poll(
    db: Session,
    actor: Member,
    sitting: Sitting,
    *,
    amendment: Any = None,
    motion: Any = None,
    majority: Any = None,
    base: Any = None,
    conditions: Any = None,
) -> Poll:
    """Put an amendment (it becomes ``scheduled``) or a motion on the sitting's agenda."""
    _refuse(rules.chair_refusal(actor))
    _refuse(rules.sitting_refusal(sitting, SittingStatus.PLANNED, SittingStatus.OPEN))
    if (amendment is None) == (motion is None):
        raise Invalid(N_("A poll is on an amendment or on a motion: give one."), field="amendment")
    rule = _choose(majority, MAJORITIES, "majority", "simple")
    counted_over = _choose(base, BASES, "base", "cast")
    condition_list = clean_conditions(conditions)
    count = db.scalar(select(func.count()).select_from(Poll).where(Poll.sitting_id == sitting.id))
    if (count or 0) >= MAX_POLLS:
        raise StateConflict(N_("The agenda is full."), code="agenda_full")
    position = (
        db.scalar(select(func.max(Poll.position)).where(Poll.sitting_id == sitting.id)) or 0
    ) + 1
    poll = Poll(
        sitting_id=sitting.id,
        position=position,
        majority=rule,
        base=counted_over,
        conditions=condition_list,
        status=PollStatus.CREATED,
    )
    subject: Amendment | None = None
    if amendment is not None:
        subject = _schedulable(
            db, clean_id(amendment, "amendment", N_("Name the amendment by its id."))
        )
        poll.amendment_id = subject.id
    else:
        text = clean_text_map(motion, "motion", MOTION_LANGUAGES, Notices(), max_length=MAX_MOTION)
        text = {k: v for k, v in text.items() if v}
        if not text:
            raise Invalid(N_("The motion needs its text."), field="motion")
        poll.motion = text
    db.add(poll)
    db.flush()
    if subject is not None:
        amendments.schedule(db, actor, subject, {"sitting": sitting.id, "poll": poll.id})
    record(
        db,
        "poll.created",
        f"poll:{poll.id}",
        actor_id=actor.id,
        payload={"sitting": sitting.id, "amendment": poll.amendment_id, "motion": poll.motion},
    )
    live.changed(db, sitting.id)
    return poll


def remove_poll(db: Session, actor: Member, poll: Poll, *, unschedule: bool = True) -> None:
    """Take a poll that has not opened off the agenda; its amendment returns to the state
    it had (unless it is being withdrawn: ``unschedule=False``)."""
    _refuse(rules.chair_refusal(actor) if unschedule else None)
    _refuse(rules.poll_state_refusal(poll.status, PollStatus.CREATED))
    poll.status = PollStatus.REMOVED
    db.flush()
    subject = subject_of(db, poll)
    if unschedule and subject is not None and subject.status == Status.SCHEDULED:
        amendments.unschedule(db, actor, subject, {"poll": poll.id})
    record(db, "poll.removed", f"poll:{poll.id}", actor_id=actor.id)
    live.changed(db, poll.sitting_id)


def withdraw_from_agenda(db: Session, actor: Member, amendment: Amendment) -> None:
    """The proposer withdraws a scheduled amendment: allowed until its poll opens."""
    polls = list(
        db.scalars(
            select(Poll).where(
                Poll.amendment_id == amendment.id,
                Poll.status.in_([PollStatus.CREATED, PollStatus.OPEN]),
            )
        )
    )
    if any(p.status == PollStatus.OPEN for p in polls):
        raise StateConflict(
            N_("Its poll is open: the amendment can no longer be withdrawn."), code="poll_open"
        )
    for poll in polls:
        remove_poll(db, actor, poll, unschedule=False)


def move_poll(db: Session, actor: Member, poll: Poll, position: Any) -> list[Poll]:
    """Move a poll that has not opened to another place (1-based) in the voting order."""
    _refuse(rules.chair_refusal(actor))
    _refuse(rules.poll_state_refusal(poll.status, PollStatus.CREATED))
    items = agenda(db, poll.sitting_id)
    if (
        isinstance(position, bool)
        or not isinstance(position, int)
        or not 1 <= position <= len(items)
    ):
        raise Invalid(N_("Give a place in the agenda."), field="position")
    items.remove(poll)
    items.insert(position - 1, poll)
    for place, item in enumerate(items, start=1):
        item.position = place
    record(db, "poll.moved", f"poll:{poll.id}", actor_id=actor.id, payload={"position": position})
    return items


def _electorate(db: Session, sitting: Sitting, limit: int) -> dict[int, Proxy | None]:
    """Member id -> her proxy for the members entitled now: those checked in (None), and
    those whose approved proxy is held by a member checked in (at most ``limit`` per
    holder)."""
    present = present_ids(db, sitting.id)
    electorate: dict[int, Proxy | None] = dict.fromkeys(present)
    proxies = db.scalars(
        select(Proxy)
        .where(Proxy.sitting_id == sitting.id, Proxy.status == ProxyStatus.APPROVED)
        .order_by(Proxy.id)
    )
    held: dict[int, int] = {}
    voters = set(present)
    for proxy in proxies:
        if proxy.giver_id in electorate or proxy.holder_id not in voters:
            continue
        if held.get(proxy.holder_id, 0) >= limit:
            continue
        giver = db.get(Member, proxy.giver_id)
        if giver is None or not giver.active:
            continue
        held[proxy.holder_id] = held.get(proxy.holder_id, 0) + 1
        electorate[proxy.giver_id] = proxy
    return electorate


def open_poll(db: Session, settings: Settings, actor: Member, poll: Poll) -> Poll:
    """Open the poll: the sitting must be open and quorate, no other poll of it open, and
    an amendment must still apply to the current text (checked without changing it). The
    entitled members are fixed now."""
    _refuse(rules.chair_refusal(actor))
    _refuse(rules.poll_state_refusal(poll.status, PollStatus.CREATED))
    sitting = get_sitting(db, poll.sitting_id, lock=True)
    # Holding the sitting's row, read the poll again: another chair may have opened it
    # since the caller read it (the session would keep its older copy).
    db.refresh(poll)
    _refuse(rules.poll_state_refusal(poll.status, PollStatus.CREATED))
    _refuse(rules.sitting_refusal(sitting, SittingStatus.OPEN))
    if any(p.status == PollStatus.OPEN for p in agenda(db, sitting.id)):
        raise StateConflict(
            N_("Another poll of this sitting is open: close it first."), code="poll_open"
        )
    if not presence(db, sitting).quorum_met:
        raise StateConflict(N_("The quorum is not met."), code="no_quorum")
    subject = subject_of(db, poll)
    if poll.fell_by_id is not None:
        raise StateConflict(
            N_("This amendment fell when a conflicting amendment was adopted."), code="fallen"
        )
    if subject is not None:
        if subject.status != Status.SCHEDULED:
            raise StateConflict(
                N_("The amendment is not in a state that allows a vote."), code="wrong_status"
            )
        _refuse(parent_refusal(db, subject))
        if subject.amends_id is None:
            plan = amendments.would_apply(db, subject)
            if not plan.applies:
                raise StateConflict(
                    N_(
                        "The amendment no longer applies to the current text; "
                        "its proposer must update it first."
                    ),
                    code="rebase_conflict",
                )
    electorate = _electorate(db, sitting, settings.proxy_limit)
    members = {m.id: m for m in db.scalars(select(Member).where(Member.id.in_(list(electorate))))}
    for member_id, proxy in electorate.items():
        db.add(
            Elector(
                poll_id=poll.id,
                member_id=member_id,
                groups=members[member_id].groups,
                proxy_id=proxy.id if proxy else None,
                proxy_holder_id=proxy.holder_id if proxy else None,
            )
        )
    poll.status = PollStatus.OPEN
    poll.opened_at = utcnow()
    poll.members_count = voting_members(db)
    db.flush()
    record(
        db,
        "poll.opened",
        f"poll:{poll.id}",
        actor_id=actor.id,
        payload={"entitled": sorted(electorate), "members": poll.members_count},
    )
    live.changed(db, sitting.id)
    return poll


def _roll_call(
    db: Session, electors: list[Elector], ballots: dict[int, Ballot]
) -> list[dict[str, Any]]:
    names = dict(
        db.execute(
            select(Member.id, Member.display_name).where(
                Member.id.in_([e.member_id for e in electors])
            )
        ).all()
    )
    rows = []
    for elector in sorted(electors, key=lambda e: e.member_id):
        ballot = ballots.get(elector.member_id)
        rows.append(
            {
                "member": elector.member_id,
                "display_name": names.get(elector.member_id, ""),
                "groups": dict(elector.groups),
                "choice": ballot.choice if ballot else None,
                "proxy": ballot.cast_by_id if ballot and ballot.proxy_id else None,
                "receipt": ballot.receipt if ballot else None,
            }
        )
    return rows


def _subject_json(db: Session, poll: Poll) -> dict[str, Any]:
    subject = subject_of(db, poll)
    if subject is None:
        return {"motion": poll.motion}
    return {
        "amendment": {
            "id": subject.id,
            "number": subject.number,
            "title": subject.title,
            "document": subject.document_id,
        }
    }


def parent_refusal(db: Session, subject: Amendment) -> DomainError | None:
    """An amendment to an amendment is voted on, and merged, only while the amendment it
    amends may take it: that one may still be amended or is on an agenda, and no poll on
    it has opened or fallen."""
    parent = db.get(Amendment, subject.amends_id) if subject.amends_id is not None else None
    if parent is None:
        return None
    refusal = amendment_rules.merge_refusal(parent)
    if refusal is not None:
        return refusal
    voted = db.scalar(
        select(Poll.id)
        .where(
            Poll.amendment_id == parent.id,
            (Poll.status == PollStatus.OPEN)
            | ((Poll.status == PollStatus.CREATED) & Poll.fell_by_id.is_not(None)),
        )
        .limit(1)
    )
    if voted is not None:
        return StateConflict(
            N_("The amendment it amends is being voted on, or has fallen."),
            code="not_amendable",
        )
    return None


def _into_amendment(db: Session, actor: Member, poll: Poll, subject: Amendment) -> str | None:
    """Merge a passed amendment to an amendment into the one it amends; why not, when it
    can no longer be (the result stands; one whose amended amendment is gone is
    obsolete)."""
    refusal = parent_refusal(db, subject)
    if refusal is not None:
        if amendment_rules.can_move(subject, "obsolete"):
            amendments.transition(db, subject, "obsolete", actor, {"poll": poll.id})
        return refusal.message
    try:
        amendments.adopt_into_amendment(db, actor, subject)
    except StateConflict as refused:  # it needs an update: a revision landed meanwhile
        return refused.message
    return None


def _adopt(db: Session, actor: Member, poll: Poll, passed: bool) -> int | None:
    """Adopt (merge) or reject the poll's amendment. A merge that fails (another revision
    landed meanwhile) leaves the result standing, the amendment ``needs_update`` with its
    conflict, and nothing half-applied. Adopted, the polls its adoption makes fall are
    marked (``order.falling``). The revision number when one was written."""
    subject = subject_of(db, poll)
    if subject is None:
        return None
    if not passed:
        # A revision may have left it needing an update (or obsolete) while it was voted on.
        if amendment_rules.can_move(subject, "reject"):
            amendments.reject(db, actor, subject, {"poll": poll.id})
        return None
    falling = order.falling(db, poll)
    revision: int | None = None
    if subject.amends_id is not None:
        poll.adoption_problem = _into_amendment(db, actor, poll, subject)
        if poll.adoption_problem is not None:
            return None
    else:
        try:
            # ``adopt`` plans the merge before it writes anything: refused, it has written
            # only the amendment's new state (needs_update, with its conflict).
            revision = amendments.adopt(db, actor, subject).rev
        except StateConflict as refused:
            if subject.status == Status.SCHEDULED:  # refused before marking it: mark it now
                amendments.transition(db, subject, "needs_update", actor, {"poll": poll.id})
            poll.adoption_problem = refused.message
            return None
    for other in falling:
        other.fell_by_id = subject.id
        record(
            db,
            "poll.fell",
            f"poll:{other.id}",
            actor_id=actor.id,
            payload={"adopted": subject.id},
        )
    return revision


def close_poll(db: Session, settings: Settings, actor: Member, poll_id: int) -> Poll:
    """Close the poll and compute its result, once: in this transaction, which holds the
    poll's row (no vote is accepted after it), the result is stored, the amendment adopted
    or rejected, and the signed record written."""
    from constitution.votes.services.queries import get_poll

    _refuse(rules.chair_refusal(actor))
    poll = get_poll(db, poll_id, lock=True)
    _refuse(rules.poll_state_refusal(poll.status, PollStatus.OPEN))
    electors = list(db.scalars(select(Elector).where(Elector.poll_id == poll.id)))
    ballots = {b.member_id: b for b in db.scalars(select(Ballot).where(Ballot.poll_id == poll.id))}
    outcome = decide(
        cast(Majority, poll.majority),
        cast(Base, poll.base),
        [Condition.parse(c) for c in poll.conditions],
        [Voter(e.member_id, e.groups) for e in electors],
        {member_id: b.choice for member_id, b in ballots.items()},
        poll.members_count or 0,
    )
    now = utcnow()
    poll.status = PollStatus.CLOSED
    poll.closed_at = now
    poll.passed = outcome.passed
    result = {
        "tally": outcome.tally.as_json(),
        "rule_held": outcome.rule_held,
        "conditions": [c.as_json() for c in outcome.conditions],
        "passed": outcome.passed,
    }
    poll.result = result
    db.flush()
    adopted_rev = _adopt(db, actor, poll, outcome.passed)
    # Locked now: no other event lands between this head and the close's own event.
    head = locked_head(db)
    roll_call = _roll_call(db, electors, ballots)
    body = {
        "poll": poll.id,
        "sitting": poll.sitting_id,
        "subject": _subject_json(db, poll),
        "majority": poll.majority,
        "base": poll.base,
        "conditions": result["conditions"],
        "members": poll.members_count,
        "entitled": sorted(e.member_id for e in electors),
        "roll_call": roll_call,
        "tally": result["tally"],
        "rule_held": result["rule_held"],
        "passed": outcome.passed,
        "receipts": sorted(b.receipt for b in ballots.values()),
        "adopted_rev": adopted_rev,
        "adoption_problem": poll.adoption_problem,
        "chain_head": head.hash,
        "chain_seq": head.seq,
        "opened_at": format_time(poll.opened_at) if poll.opened_at else None,
        "closed_at": format_time(now),
    }
    envelope = sign_record(instance_key(settings), body)
    poll.record = envelope["record"]
    poll.signature = envelope["signature"]
    poll.record_hash = hashlib.sha256(canonical_json(body)).hexdigest()
    record(
        db,
        "poll.closed",
        f"poll:{poll.id}",
        actor_id=actor.id,
        payload={
            "passed": outcome.passed,
            "tally": result["tally"],
            "record_hash": poll.record_hash,
            "adopted_rev": adopted_rev,
        },
    )
    live.changed(db, poll.sitting_id)
    return poll


def public_key(settings: Settings) -> str:
    return b64(instance_key(settings).public_key)


def signed_record(settings: Settings, poll: Poll) -> dict[str, Any]:
    """The poll's record as signed when it closed, with the key that signed it."""
    if poll.status != PollStatus.CLOSED or poll.record is None:
        raise StateConflict(N_("The poll has not closed yet."), code="poll_not_closed")
    return {"record": poll.record, "signature": poll.signature, "public_key": public_key(settings)}
