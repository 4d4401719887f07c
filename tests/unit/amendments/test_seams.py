"""The seams a sitting's vote calls: schedule, unschedule, adopt, reject, and the dry run
``would_apply`` that answers "would this amendment still apply?" and changes nothing.
They check the amendment's state; who may act (the sitting's chair) is the votes' rule."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from constitution.accounts.models import Member
from constitution.amendments import services
from constitution.amendments.models import Amendment, Status
from constitution.audit.models import AuditEvent
from constitution.errors import StateConflict
from constitution.texts import services as texts
from tests.factories import edit_document as edit
from tests.factories import make_member
from tests.unit.amendments.test_conflicts_and_rebase import KEY, World, world  # noqa: F401


@pytest.fixture
def chair(world: World) -> Member:  # noqa: F811
    return make_member(world.db, world.settings, "chair", ["member", "chair"])


def events(world: World, amendment: Amendment, action: str) -> int:  # noqa: F811
    query = select(func.count()).where(
        AuditEvent.object == f"amendment:{amendment.id}", AuditEvent.action == action
    )
    return int(world.db.scalar(query.select_from(AuditEvent)) or 0)


def test_a_chair_schedules_and_unschedules_back_to_the_earlier_state(
    world: World,  # noqa: F811
    chair: Member,
) -> None:
    amendment = world.amend(0, "en", ("equal before", "equal in dignity before"))
    assert amendment.status == Status.SUBMITTED
    services.schedule(world.db, chair, amendment, {"sitting": 1})
    assert amendment.status == Status.SCHEDULED
    services.unschedule(world.db, chair, amendment)
    assert amendment.status == Status.SUBMITTED
    assert events(world, amendment, "amendment.schedule") == 1
    assert events(world, amendment, "amendment.unschedule") == 1


def test_unschedule_returns_a_recommended_amendment_to_recommended(
    world: World,  # noqa: F811
    chair: Member,
) -> None:
    amendment = world.amend(0, "en", ("equal before", "equal in dignity before"))
    services.transition(world.db, amendment, "recommend", None)
    services.schedule(world.db, chair, amendment)
    services.unschedule(world.db, chair, amendment)
    assert amendment.status == Status.RECOMMENDED


def test_the_agenda_seams_refuse_the_wrong_state(world: World, chair: Member) -> None:  # noqa: F811
    draft = world.propose(
        0, world.replace("en", "equal before", "equal in law before"), submit=False
    )
    with pytest.raises(StateConflict) as refused:
        services.schedule(world.db, chair, draft)
    assert refused.value.code == "wrong_status"
    for seam in (services.unschedule, services.reject):
        with pytest.raises(StateConflict):
            seam(world.db, chair, draft)
    assert draft.status == Status.DRAFT


def test_reject_closes_the_amendment_and_its_conflicts(world: World, chair: Member) -> None:  # noqa: F811
    one = world.amend(0, "en", ("equal before", "alike before"))
    two = world.amend(1, "en", ("equal before", "the same before"))
    assert services.conflicts_of(world.db, one) == [two.id]
    services.schedule(world.db, chair, one)
    services.reject(world.db, chair, one)
    assert one.status == Status.REJECTED
    assert services.conflicts_of(world.db, two) == []
    assert events(world, one, "amendment.reject") == 1


def test_adopt_merges_a_scheduled_amendment_as_a_new_revision(
    world: World,  # noqa: F811
    chair: Member,
) -> None:
    amendment = world.amend(0, "en", ("equal before", "equal in dignity before"))
    services.schedule(world.db, chair, amendment)
    revision = services.adopt(world.db, chair, amendment)
    assert amendment.status == Status.ADOPTED
    assert amendment.adopted_rev == revision.rev
    assert "equal in dignity before" in world.text()["en"]


def test_would_apply_answers_and_changes_nothing(
    world: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    amendment = world.amend(0, "en", ("equal before", "equal in dignity before"))
    assert services.would_apply(world.db, amendment).outcome is services.RebaseOutcome.UNCHANGED
    # The English text moves on elsewhere, with no re-check after it: the amendment would be
    # rebased, and the dry run says so without writing anything.
    monkeypatch.delitem(texts.AFTER_REVISION, "amendments.recheck")
    edit(world.db, world.editor, world.document, world.replace("en", "its equal", "its full"))
    before = (dict(amendment.changes[0].text), dict(amendment.changes[0].base_text))
    status = amendment.status
    plan = services.would_apply(world.db, amendment)
    assert plan.outcome is services.RebaseOutcome.REBASED
    assert plan.applies
    assert (dict(amendment.changes[0].text), dict(amendment.changes[0].base_text)) == before
    assert amendment.status == status
    assert not world.db.dirty


def test_would_apply_sees_a_conflict_without_marking_the_amendment(
    world: World,  # noqa: F811
    chair: Member,
) -> None:
    amendment = world.amend(0, "en", ("equal before", "alike before"))
    services.schedule(world.db, chair, amendment)
    other = world.amend(1, "en", ("equal before", "the same before"))
    services.schedule(world.db, chair, other)
    services.adopt(world.db, chair, other)
    # The re-check after the adoption marked it; a dry run on it says the same and writes
    # nothing more.
    assert amendment.status == Status.NEEDS_UPDATE
    count = events(world, amendment, "amendment.needs_update")
    plan = services.would_apply(world.db, amendment)
    assert plan.outcome is services.RebaseOutcome.NEEDS_UPDATE
    assert not plan.applies
    assert plan.problems and plan.problems[0]["key"] == KEY
    assert events(world, amendment, "amendment.needs_update") == count
