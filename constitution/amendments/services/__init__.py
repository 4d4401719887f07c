"""The amendments part's services, the only code that writes amendments. By concern:

* ``queries``: reading amendments, their conflicts and diffs;
* ``proposing``: proposing and rewriting an amendment;
* ``workflow``: the state machine and the seams a vote calls (schedule, unschedule, adopt,
  adopt_into_amendment, reject); who may act is in ``constitution.amendments.permissions``;
* ``committees``: covering committees, queues, recommendations;
* ``conflicts``: conflicts between open amendments;
* ``rebase``: bringing an amendment onto the current text (``would_apply`` is a dry run);
* ``recheck``: the re-check of open amendments after every new revision.

The names below are the part's public surface; callers import them from here.
"""

from constitution.amendments.services.committees import (
    committee_queue,
    covering_committees,
    recommend,
    recommendation_history,
)
from constitution.amendments.services.conflicts import refresh_conflicts
from constitution.amendments.services.proposing import propose, update_changes
from constitution.amendments.services.queries import (
    amendments_by_ids,
    amendments_to,
    change_diff,
    change_diffs,
    changed_provisions,
    conflict_counts,
    conflict_map,
    conflicts_of,
    document_of,
    get_amendment,
    list_amendments,
    of_member,
    open_amendments,
    open_amendments_for,
    open_counts,
    thread_of,
)
from constitution.amendments.services.rebase import RebaseOutcome, RebasePlan, would_apply
from constitution.amendments.services.recheck import recheck
from constitution.amendments.services.workflow import (
    adopt,
    adopt_into_amendment,
    register_agenda_withdrawal,
    reject,
    schedule,
    sponsor,
    submit,
    transition,
    unschedule,
    withdraw,
)

__all__ = [
    "RebaseOutcome",
    "RebasePlan",
    "adopt",
    "adopt_into_amendment",
    "amendments_by_ids",
    "amendments_to",
    "change_diff",
    "change_diffs",
    "changed_provisions",
    "committee_queue",
    "conflict_counts",
    "conflict_map",
    "conflicts_of",
    "covering_committees",
    "document_of",
    "get_amendment",
    "list_amendments",
    "of_member",
    "open_amendments",
    "open_amendments_for",
    "open_counts",
    "propose",
    "recheck",
    "recommend",
    "recommendation_history",
    "refresh_conflicts",
    "register_agenda_withdrawal",
    "reject",
    "schedule",
    "sponsor",
    "submit",
    "thread_of",
    "transition",
    "unschedule",
    "update_changes",
    "withdraw",
    "would_apply",
]
