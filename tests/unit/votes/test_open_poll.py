"""Opening a poll decides on the poll's state as it is once the sitting's row is held, not
as the caller's session read it before: on PostgreSQL two chairs opening the same poll at
once each read it ``created``, and the second, let through the sitting's lock, would open it
again (or fail on the electorate's primary key)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from constitution.errors import StateConflict
from constitution.settings import Settings
from constitution.votes import services
from constitution.votes.models import Elector, Poll, PollStatus
from tests.factories import make_member


def test_a_poll_opened_meanwhile_is_not_opened_again(db: Session, settings: Settings) -> None:
    chair = make_member(db, settings, "chair", ["member", "chair"])
    members = [make_member(db, settings, f"m{i}") for i in range(2)]
    sitting = services.create_sitting(db, chair, "Sitting", {"fraction": 0.5})
    services.open_sitting(db, chair, sitting)
    for member in [chair, *members]:
        services.check_in(db, member, sitting)
    poll = services.create_poll(db, chair, sitting, motion={"en": "Adopt."})
    db.commit()
    assert poll.status == PollStatus.CREATED  # what this session has read
    # Another chair's request opened it and committed meanwhile (this session's copy of
    # the row is not told: it is what a concurrent transaction looks like from here).
    db.execute(
        update(Poll)
        .where(Poll.id == poll.id)
        .values(status=PollStatus.OPEN)
        .execution_options(synchronize_session=False)
    )
    assert poll.status == PollStatus.CREATED
    with pytest.raises(StateConflict) as refused:
        services.open_poll(db, settings, chair, poll)
    assert refused.value.code == "poll_open"
    count = select(func.count()).select_from(Elector).where(Elector.poll_id == poll.id)
    assert db.scalar(count) == 0
