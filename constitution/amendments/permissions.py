"""The amendments part's rules: which state allows which action, and who may act.

Each rule is a pure function of the member, the amendment (and a setting); it returns
``None`` when the action is allowed, else the refusal to raise. The services raise it; the
pages ask ``allowed(...)`` to show or hide a button (see ``abilities``).
"""

from __future__ import annotations

from constitution.accounts.models import Committee, Member
from constitution.accounts.permissions import is_admin, participation_refusal, takes_part
from constitution.amendments.models import OPEN_STATUSES, Amendment, Status
from constitution.errors import N_, DomainError, Forbidden, StateConflict

# action -> (states it is allowed from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "submit": (frozenset({Status.DRAFT}), Status.SUBMITTED),
    "to_committee": (frozenset({Status.SUBMITTED}), Status.IN_COMMITTEE),
    "recommend": (frozenset({Status.SUBMITTED, Status.IN_COMMITTEE}), Status.RECOMMENDED),
    "schedule": (
        frozenset({Status.SUBMITTED, Status.IN_COMMITTEE, Status.RECOMMENDED}),
        Status.SCHEDULED,
    ),
    # Taken off the agenda: back to the state it was scheduled from (its audit event).
    "unschedule": (frozenset({Status.SCHEDULED}), Status.SUBMITTED),
    "adopt": (frozenset({Status.SCHEDULED}), Status.ADOPTED),
    # Voted down, also when a revision left it needing an update while its poll was open.
    "reject": (frozenset({Status.SCHEDULED, Status.NEEDS_UPDATE}), Status.REJECTED),
    # Withdrawn by the proposer until its poll opens (a scheduled one leaves the agenda:
    # the sitting's part is asked first, see ``workflow.register_agenda_withdrawal``).
    "withdraw": (frozenset(OPEN_STATUSES), Status.WITHDRAWN),
    "needs_update": (OPEN_STATUSES - {Status.NEEDS_UPDATE}, Status.NEEDS_UPDATE),
    "obsolete": (frozenset(OPEN_STATUSES), Status.OBSOLETE),
    "updated": (frozenset({Status.NEEDS_UPDATE}), Status.SUBMITTED),
    # Updated, an amendment that was still a draft when it needed an update is a draft again.
    "redrafted": (frozenset({Status.NEEDS_UPDATE}), Status.DRAFT),
}
SPONSORABLE = frozenset({Status.DRAFT, Status.SUBMITTED, Status.IN_COMMITTEE})
AMENDABLE = frozenset({Status.DRAFT, Status.SUBMITTED, Status.IN_COMMITTEE, Status.RECOMMENDED})
EDITABLE = frozenset({Status.DRAFT, Status.NEEDS_UPDATE})
# What an adopted amendment to an amendment may still be merged into: an amendment that may
# be amended, or one on a sitting's agenda (its amendments are voted on before it; that its
# own poll has not opened is the voting part's rule).
TAKES_AMENDMENTS = AMENDABLE | {Status.SCHEDULED}
# What a committee's queue holds.
IN_REVIEW = frozenset({Status.SUBMITTED, Status.IN_COMMITTEE, Status.RECOMMENDED})
# States an amendment leaves for the agenda of a sitting.
SCHEDULABLE = TRANSITIONS["schedule"][0]


def wrong_status() -> StateConflict:
    return StateConflict(
        N_("The amendment is not in a state that allows this."), code="wrong_status"
    )


def can_move(amendment: Amendment, action: str) -> bool:
    """The amendment's state allows ``action`` (a key of TRANSITIONS)."""
    return amendment.status in TRANSITIONS[action][0]


def is_proposer(member: Member, amendment: Amendment) -> bool:
    return member.id == amendment.proposer_id


def _is_sponsor(member: Member, amendment: Amendment) -> bool:
    return any(s.member_id == member.id for s in amendment.sponsors)


def sponsor_refusal(member: Member, amendment: Amendment) -> DomainError | None:
    if (observer := participation_refusal(member)) is not None:
        return observer
    if is_proposer(member, amendment):
        return StateConflict(
            N_("The proposer cannot co-sponsor her own amendment."), code="own_amendment"
        )
    if amendment.status not in SPONSORABLE:
        return wrong_status()
    if _is_sponsor(member, amendment):
        return StateConflict(N_("You already co-sponsor this amendment."), code="already_sponsor")
    return None


def submit_refusal(member: Member, amendment: Amendment, threshold: int) -> DomainError | None:
    if not is_proposer(member, amendment):
        return Forbidden(N_("Only the proposer may submit her amendment."))
    if len(amendment.sponsors) < threshold:
        return StateConflict(
            N_("The amendment needs more co-sponsors before it can be submitted."),
            code="needs_sponsors",
        )
    if not can_move(amendment, "submit"):
        return wrong_status()
    return None


def withdraw_refusal(member: Member, amendment: Amendment) -> DomainError | None:
    if not is_proposer(member, amendment):
        return Forbidden(N_("Only the proposer may withdraw her amendment."))
    if not can_move(amendment, "withdraw"):
        return wrong_status()
    return None


def update_refusal(member: Member, amendment: Amendment) -> DomainError | None:
    """The proposer rewrites a draft, or an amendment that needs an update."""
    if not is_proposer(member, amendment):
        return Forbidden(N_("Only the proposer may change her amendment."))
    if amendment.status not in EDITABLE:
        return StateConflict(
            N_("Only a draft or an amendment that needs an update can be changed."),
            code="wrong_status",
        )
    return None


def amend_refusal(amendment: Amendment) -> DomainError | None:
    """An amendment to this amendment may be proposed (until it goes to a vote)."""
    if amendment.status not in AMENDABLE:
        return StateConflict(
            N_("This amendment can no longer be amended: it has gone to a vote or is closed."),
            field="amends",
            code="not_amendable",
        )
    return None


def merge_refusal(amendment: Amendment) -> DomainError | None:
    """An adopted amendment to this amendment may be merged into it (see TAKES_AMENDMENTS)."""
    if amendment.status not in TAKES_AMENDMENTS:
        return StateConflict(
            N_("The amendment it amends has gone to a vote or is closed."),
            code="not_amendable",
        )
    return None


def recommend_refusal(
    member: Member, amendment: Amendment, covering: list[Committee]
) -> DomainError | None:
    """A member of a committee whose provisions cover every provision the amendment
    touches (``covering``) may recommend, unless she proposed or co-sponsors it: a
    committee decides as a committee, not as the amendment's authors. Whether its state
    still takes a recommendation is ``may_recommend_now``."""
    if (observer := participation_refusal(member)) is not None:
        return observer
    if not any(sits_on(member, committee) for committee in covering):
        return Forbidden(
            N_("Only a member of a committee that covers these provisions may recommend.")
        )
    if is_proposer(member, amendment):
        return Forbidden(
            N_(
                "You proposed this amendment: another member of the committee records "
                "its recommendation."
            ),
            code="conflict_of_interest",
        )
    if _is_sponsor(member, amendment):
        return Forbidden(
            N_(
                "You co-sponsor this amendment: another member of the committee records "
                "its recommendation."
            ),
            code="conflict_of_interest",
        )
    return None


def may_see_queue(member: Member, committee: Committee) -> bool:
    """A committee's queue is for its members, and for admins."""
    return sits_on(member, committee) or is_admin(member)


def sits_on(member: Member, committee: Committee) -> bool:
    return any(m.member_id == member.id for m in committee.members)


def may_recommend_now(amendment: Amendment) -> bool:
    """The amendment's state still takes a committee's recommendation: a first one while
    submitted or in committee (it becomes recommended), a revised one while it is still
    recommended (in review, not yet on a sitting's agenda)."""
    return can_move(amendment, "recommend") or amendment.status == Status.RECOMMENDED


def agenda_refusal(amendment: Amendment, action: str) -> DomainError | None:
    """Whether the amendment's state allows a sitting's action on it (schedule, unschedule,
    adopt, reject). Who may act (the sitting's chair, a recorded vote) is the deciding
    part's rule: these seams are called only by it, never from a request."""
    if not can_move(amendment, action):
        return wrong_status()
    return None


def allowed(refusal: DomainError | None) -> bool:
    return refusal is None


def abilities(member: Member, amendment: Amendment) -> dict[str, bool]:
    """Which of the amendment page's actions the member may take now (submit is shown to
    the proposer of a draft, who is told if it still needs co-sponsors)."""
    return {
        "sponsor": allowed(sponsor_refusal(member, amendment)),
        "submit": is_proposer(member, amendment) and can_move(amendment, "submit"),
        "withdraw": allowed(withdraw_refusal(member, amendment)),
        "update": allowed(update_refusal(member, amendment)),
        "amend": takes_part(member) and allowed(amend_refusal(amendment)),
    }
