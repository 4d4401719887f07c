"""Tampering with votes in the database, as an attacker with the database would (issue 9,
"a tamper test"): a ballot's choice edited straight in SQL, with or without the audit's
append-only triggers dropped, a ballot removed or slipped in, a closed poll's stored result
or signed record edited: ``verify`` fails and names the ballot or the poll. The command
line says the same (a process of its own, on a database of its own).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.audit.services import verify
from constitution.cli import migrate
from constitution.db import Database, make_engine
from constitution.settings import PROJECT_ROOT, Settings
from constitution.votes import services as votes
from constitution.votes.models import Ballot, Elector, Poll
from constitution.wiring import wire
from tests.conftest import make_settings
from tests.factories import drop_append_only_triggers, make_member
from tests.functional.test_api_votes import Api
from tests.live.seed import seed_sitting
from tests.live.server import fresh_database, site_env


@dataclass
class Polls:
    closed: int  # voted by five members and closed (passed)
    open: int  # voted by two members, still open
    ballots: dict[int, int]  # member id -> her ballot id in the closed poll


@pytest.fixture
def polls(client: TestClient, db: Session, settings: Settings) -> Polls:
    chair = Api(client, make_member(db, settings, "chair", ["member", "chair"]))
    members = [Api(client, make_member(db, settings, f"m{i}")) for i in range(5)]
    body = {"title": "Tampered sitting", "quorum": {"fraction": 0.5}}
    sitting = chair.ok("/api/v1/sittings", body, 201)["id"]
    chair.ok(f"/api/v1/sittings/{sitting}/open")
    for api in [chair, *members]:
        api.ok(f"/api/v1/sittings/{sitting}/attendance")
    polls = []
    for title in ("Closed", "Open"):
        poll = chair.ok(f"/api/v1/sittings/{sitting}/polls", {"motion": {"en": title}}, 201)
        chair.ok(f"/api/v1/polls/{poll['id']}/open")
        voting = members if title == "Closed" else members[:2]
        for api, choice in zip(voting, ["yes", "yes", "no", "yes", "abstain"], strict=False):
            api.ok(f"/api/v1/polls/{poll['id']}/votes", {"choice": choice})
        if title == "Closed":
            members[2].ok(f"/api/v1/polls/{poll['id']}/votes", {"choice": "yes"})  # changed
            closed = chair.ok(f"/api/v1/polls/{poll['id']}/close")
            assert closed["passed"] is True
        polls.append(poll["id"])
    db.expire_all()
    rows = db.scalars(select(Ballot).where(Ballot.poll_id == polls[0])).all()
    assert verify(db).ok
    return Polls(polls[0], polls[1], {b.member_id: b.id for b in rows})


Tamper = Callable[[Session, Polls], str]


def ballot_in(db: Session, poll: int) -> Ballot:
    ballot = db.scalars(select(Ballot).where(Ballot.poll_id == poll).order_by(Ballot.id)).first()
    assert ballot is not None
    return ballot


def sql(db: Session, statement: str, **values: Any) -> None:
    db.execute(text(statement), values)


def change_choice(db: Session, p: Polls) -> str:
    ballot = ballot_in(db, p.closed)
    sql(db, "UPDATE ballots SET choice = 'no' WHERE id = :i", i=ballot.id)
    return f"ballot:{ballot.id}"


def change_choice_without_triggers(db: Session, p: Polls) -> str:
    drop_append_only_triggers(db)
    return change_choice(db, p)


def change_choice_in_an_open_poll(db: Session, p: Polls) -> str:
    ballot = ballot_in(db, p.open)
    sql(db, "UPDATE ballots SET choice = 'abstain' WHERE id = :i", i=ballot.id)
    return f"ballot:{ballot.id}"


def change_receipt(db: Session, p: Polls) -> str:
    ballot = ballot_in(db, p.closed)
    sql(db, "UPDATE ballots SET receipt = :r WHERE id = :i", r="0" * 32, i=ballot.id)
    return f"ballot:{ballot.id}"


def give_to_another(db: Session, p: Polls) -> str:
    """Her ballot moved to a member who did not vote in the open poll."""
    ballot = ballot_in(db, p.open)
    other = max(p.ballots)
    sql(db, "UPDATE ballots SET member_id = :m WHERE id = :i", m=other, i=ballot.id)
    return f"ballot:{ballot.id}"


def delete_ballot(db: Session, p: Polls) -> str:
    ballot = ballot_in(db, p.closed)
    sql(db, "DELETE FROM ballots WHERE id = :i", i=ballot.id)
    return f"ballot:{ballot.id}"


def insert_ballot(db: Session, p: Polls) -> str:
    """A vote slipped into the open poll for a member who never cast it."""
    voter = max(p.ballots)
    model = ballot_in(db, p.open)
    new_id = (db.scalar(select(func.max(Ballot.id))) or 0) + 1
    db.execute(
        insert(Ballot).values(
            id=new_id,
            poll_id=p.open,
            member_id=voter,
            cast_by_id=voter,
            choice="yes",
            cast_at=model.cast_at,
            version=1,
            receipt="f" * 32,
        )
    )
    return f"ballot:{new_id}"


def change_tally(db: Session, p: Polls) -> str:
    poll = db.get_one(Poll, p.closed)
    result = {**(poll.result or {}), "tally": {"yes": 1, "no": 3, "abstain": 1}}
    db.execute(Poll.__table__.update().where(Poll.id == p.closed).values(result=result))
    return f"poll:{p.closed}"


def flip_passed(db: Session, p: Polls) -> str:
    sql(db, "UPDATE polls SET passed = :f WHERE id = :i", f=False, i=p.closed)
    return f"poll:{p.closed}"


def change_record_roll_call(db: Session, p: Polls) -> str:
    """The signed record kept on the poll, one name's choice changed (hash and signature
    left as they were)."""
    drop_append_only_triggers(db)
    poll = db.get_one(Poll, p.closed)
    record = dict(poll.record or {})
    rows = [dict(row) for row in record["roll_call"]]
    rows[0]["choice"] = "no" if rows[0]["choice"] != "no" else "yes"
    record["roll_call"] = rows
    db.execute(Poll.__table__.update().where(Poll.id == p.closed).values(record=record))
    return f"poll:{p.closed}"


def change_record_tally(db: Session, p: Polls) -> str:
    poll = db.get_one(Poll, p.closed)
    record = {**(poll.record or {}), "tally": {"yes": 0, "no": 5, "abstain": 0}, "passed": False}
    db.execute(Poll.__table__.update().where(Poll.id == p.closed).values(record=record))
    return f"poll:{p.closed}"


def change_record_hash(db: Session, p: Polls) -> str:
    sql(db, "UPDATE polls SET record_hash = :h WHERE id = :i", h="0" * 64, i=p.closed)
    return f"poll:{p.closed}"


def strike_off_an_elector(db: Session, p: Polls) -> str:
    voter = db.scalars(select(Elector.member_id).where(Elector.poll_id == p.open)).first()
    sql(db, "DELETE FROM electors WHERE poll_id = :p AND member_id = :m", p=p.open, m=voter)
    return f"poll:{p.open}"


TAMPERINGS: dict[str, Tamper] = {
    "strike an elector off an open poll": strike_off_an_elector,
    "change a ballot's choice": change_choice,
    "change a ballot's choice, the audit's triggers dropped": change_choice_without_triggers,
    "change a ballot's choice in an open poll": change_choice_in_an_open_poll,
    "change a ballot's receipt": change_receipt,
    "give a ballot to another member": give_to_another,
    "delete a ballot": delete_ballot,
    "slip in a ballot": insert_ballot,
    "change a closed poll's tally": change_tally,
    "flip a closed poll's result": flip_passed,
    "change a name's choice in the stored record": change_record_roll_call,
    "change the stored record's tally": change_record_tally,
    "change the stored record's hash": change_record_hash,
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_a_tampered_vote_or_result_is_caught_and_named(
    polls: Polls, db: Session, name: str
) -> None:
    obj = TAMPERINGS[name](db, polls)
    db.expire_all()
    result = verify(db)
    assert not result.ok, name
    assert result.object == obj, result


# ---- the command line, on a database of its own -----------------------------------------


def run_verify(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "constitution.cli", "verify"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_constitution_verify_names_an_edited_ballot_and_an_edited_record(tmp_path: Path) -> None:
    wire()
    with fresh_database(tmp_path) as url:
        settings = make_settings(url, tmp_path)
        migrate(settings)
        database = Database(make_engine(url, pool_size=1))
        try:
            with database.transaction() as db:
                seeded = seed_sitting(db, settings, {"voters": 3})
                from constitution.accounts.models import Member

                for voter in seeded["voters"]:
                    votes.cast_vote(db, db.get_one(Member, voter["id"]), seeded["poll"], "yes")
                chair = db.get_one(Member, seeded["chair"]["id"])
                votes.close_poll(db, settings, chair, seeded["poll"])
            env = site_env(url, tmp_path)
            with database.transaction(write=False) as db:
                assert verify(db).ok
            with database.transaction() as db:
                ballot = ballot_in(db, seeded["poll"])
                sql(db, "UPDATE ballots SET choice = 'no' WHERE id = :i", i=ballot.id)
            done = run_verify(env)
            assert done.returncode == 1
            assert f"ballot:{ballot.id}" in done.stderr, done.stderr
            with database.transaction() as db:
                sql(db, "UPDATE ballots SET choice = 'yes' WHERE id = :i", i=ballot.id)
                poll = db.get_one(Poll, seeded["poll"])
                record = {**(poll.record or {}), "passed": False}
                db.execute(Poll.__table__.update().where(Poll.id == poll.id).values(record=record))
            done = run_verify(env)
            assert done.returncode == 1
            assert f"poll:{seeded['poll']}" in done.stderr, done.stderr
        finally:
            database.close()
