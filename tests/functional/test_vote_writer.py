"""The vote writer (``constitution.api.vote_writer``, votes committed in groups): the app's
vote route goes through it (tests/functional/test_api_votes.py runs the voting API that
way, and test_api_votes_one_by_one.py again without it); a group of votes of every kind
cast together leaves the same ballots, receipts and refusals as one at a time, with an
audit chain that verifies; a stopped writer refuses with 503 and saves nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.api import vote_writer
from constitution.audit.models import AuditEvent
from constitution.audit.services import verify
from constitution.errors import DomainError
from constitution.settings import Settings
from constitution.votes import services as votes
from constitution.votes.models import Ballot
from constitution.votes.services.grouped import VoteRequest, cast_votes
from tests.factories import make_member
from tests.functional.test_api_votes import error_of, make_hall


def test_the_vote_route_goes_through_the_writer(app: Starlette) -> None:
    assert isinstance(app.state.vote_writer, vote_writer.VoteWriter)
    route = next(r for r in app.router.routes if getattr(r, "name", "") == "api.polls.vote")
    assert route.endpoint.__qualname__.startswith("grouped_vote_endpoint")  # type: ignore[attr-defined]


def test_a_group_of_every_kind_of_vote_is_cast_as_one_at_a_time(
    db: Session, settings: Settings
) -> None:
    chair = make_member(db, settings, "chair", ["member", "chair"])
    ms = [make_member(db, settings, f"m{i}") for i in range(6)]
    giver, holder = ms[5], ms[0]
    sitting = votes.create_sitting(db, chair, "Group", {"base": "members", "fraction": 0.5})
    votes.open_sitting(db, chair, sitting)
    proxy = votes.request_proxy(db, giver, sitting, holder.id)
    votes.decide_proxy(db, settings, chair, proxy, approve=True)
    for m in (chair, *ms[:4]):  # ms[4] stays away: not entitled; ms[5] by proxy
        votes.check_in(db, m, sitting)
    poll = votes.create_poll(db, chair, sitting, motion={"en": "Adopt"})
    votes.open_poll(db, settings, chair, poll)
    group = [
        VoteRequest(ms[1], poll.id, "yes"),
        VoteRequest(ms[2], poll.id, "no"),
        VoteRequest(ms[1], poll.id, "no"),  # changed in the same group: the last counts
        VoteRequest(ms[3], poll.id, "maybe"),  # unknown choice
        VoteRequest(ms[4], poll.id, "yes"),  # not entitled
        VoteRequest(holder, poll.id, "yes", giver.id),  # by proxy
        VoteRequest(ms[2], poll.id, "no"),  # the same again: the same receipt
        VoteRequest(ms[3], poll.id, "abstain", giver.id),  # a forged proxy vote
        VoteRequest(chair, poll.id + 1000, "yes"),  # no such poll
        VoteRequest(chair, poll.id, "yes"),
    ]
    outcomes = cast_votes(db, group)
    codes = [o.code if isinstance(o, DomainError) else "ok" for o in outcomes]
    assert codes == [
        "ok",
        "ok",
        "ok",
        "unknown_choice",
        "not_entitled",
        "ok",
        "ok",
        "not_proxy_holder",
        "not_found",
        "ok",
    ]
    assert outcomes[6].receipt == outcomes[1].receipt  # type: ignore[union-attr]
    ballots = {
        b.member_id: (b.choice, b.cast_by_id, b.version)
        for b in db.scalars(select(Ballot).where(Ballot.poll_id == poll.id))
    }
    assert ballots == {
        ms[1].id: ("no", ms[1].id, 2),
        ms[2].id: ("no", ms[2].id, 1),
        giver.id: ("yes", holder.id, 1),
        chair.id: ("yes", chair.id, 1),
    }
    cast = db.scalars(select(AuditEvent).where(AuditEvent.action == "ballot.cast")).all()
    assert len(cast) == 5  # two first votes of ms[1] and ms[2], ms[1]'s change, proxy, chair
    result = verify(db)
    assert result.ok, result
    closed = votes.close_poll(db, settings, chair, poll.id)
    assert closed.result is not None and closed.result["tally"] == {"yes": 2, "no": 2, "abstain": 0}


def test_a_tampered_group_ballot_is_named_by_verify(db: Session, settings: Settings) -> None:
    chair = make_member(db, settings, "chair", ["member", "chair"])
    ms = [make_member(db, settings, f"m{i}") for i in range(3)]
    sitting = votes.create_sitting(db, chair, "Group", {"base": "members", "fraction": 0.5})
    votes.open_sitting(db, chair, sitting)
    for m in (chair, *ms):
        votes.check_in(db, m, sitting)
    poll = votes.create_poll(db, chair, sitting, motion={"en": "Adopt"})
    votes.open_poll(db, settings, chair, poll)
    outcomes = cast_votes(db, [VoteRequest(m, poll.id, "yes") for m in ms])
    assert all(not isinstance(o, DomainError) for o in outcomes)
    assert verify(db).ok
    ballot = db.scalars(select(Ballot).where(Ballot.member_id == ms[1].id)).one()
    ballot.choice = "no"
    db.flush()
    result = verify(db)
    assert not result.ok
    assert f"ballot:{ballot.id}" in str(result)
    assert isinstance(db.get(Member, ms[1].id), Member)


def test_a_stopped_writer_refuses_votes_with_503_and_saves_nothing(
    app: Starlette, client: TestClient, db: Session, settings: Settings
) -> None:
    hall = make_hall(client, db, settings)
    sitting = hall.sitting()
    hall.check_in(sitting, hall.chair, *hall.members[:3])
    poll = hall.poll(sitting, motion={"en": "Adopt revision 1"})["id"]
    hall.chair.ok(f"/api/v1/polls/{poll}/open")
    hall.vote(hall.members[0], poll, "yes")
    writer = app.state.vote_writer
    assert writer.thread is not None and writer.thread.is_alive()
    assert writer.stop(timeout=10)
    assert not writer.thread.is_alive()
    refused = hall.members[1].post(f"/api/v1/polls/{poll}/votes", {"choice": "no"})
    error_of(refused, 503, "busy")
    assert refused.headers["Retry-After"]
    voters = set(db.scalars(select(Ballot.member_id).where(Ballot.poll_id == poll)))
    assert voters == {hall.members[0].id}
    assert writer.stop()  # stopping twice is harmless
