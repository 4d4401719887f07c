"""Who may do what in a sitting, as pure functions returning the refusal (or None)."""

from __future__ import annotations

from constitution.accounts.models import Member
from constitution.accounts.permissions import is_chair
from constitution.errors import N_, DomainError, Forbidden, StateConflict
from constitution.votes.models import PollStatus, Sitting, SittingStatus

CHOICES = ("yes", "no", "abstain")


def chair_refusal(member: Member) -> DomainError | None:
    """Sittings are planned, opened and closed, polls created, opened and closed, and
    proxies decided by a chair (the network's chairs share the work of chairing)."""
    if not is_chair(member):
        return Forbidden(N_("Only a chair may do this."), code="not_chair")
    return None


def sitting_refusal(sitting: Sitting, *allowed: SittingStatus) -> DomainError | None:
    if sitting.status not in allowed:
        return StateConflict(
            N_("The sitting is not in a state that allows this."), code="sitting_state"
        )
    return None


def poll_state_refusal(status: PollStatus, *allowed: PollStatus) -> DomainError | None:
    if status in allowed:
        return None
    if status == PollStatus.CLOSED:
        return StateConflict(N_("The poll is closed."), code="poll_closed")
    if status == PollStatus.CREATED:
        return StateConflict(N_("The poll is not open yet."), code="poll_not_open")
    if status == PollStatus.OPEN:
        return StateConflict(N_("The poll is already open."), code="poll_open")
    return StateConflict(N_("The poll was taken off the agenda."), code="poll_removed")
