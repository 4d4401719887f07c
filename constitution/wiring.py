"""Every hook between the parts, registered in one place.

Parts never register anything as a side effect of being imported: an import that did not
happen would silently drop a hook (``constitution verify`` skipping a row check, say).
``wire()`` is called by the app factory and by the command line before anything runs; it
may be called again (each registration replaces itself).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from constitution.accounts import permissions
from constitution.accounts.audit_states import committee_states, member_states
from constitution.accounts.committees import committee_count, committee_query
from constitution.amendments import services as amendment_services
from constitution.amendments.audit_states import amendment_states
from constitution.amendments.services import recheck
from constitution.audit.services import head_number, register_row_check, register_state_kind
from constitution.comments.audit_states import comment_states
from constitution.comments.display import UrlFor, comment_targets
from constitution.db import is_id
from constitution.inbox.models import Notification
from constitution.inbox.services import unread_count, unread_query
from constitution.inbox.views import register_link_finder
from constitution.live import register_snapshot
from constitution.texts.services import (
    check_revision_row,
    register_after_revision,
    revision_states,
    settled_revisions,
)
from constitution.votes import live as votes_live
from constitution.votes.audit_states import (
    ballot_states,
    check_poll_electorate,
    check_poll_record,
    poll_states,
    proxy_states,
    sitting_states,
)
from constitution.votes.services.polls import withdraw_from_agenda
from constitution.votes.services.queries import open_sitting_count, open_sitting_query
from constitution.web.page_cache import register_stamp
from constitution.web.render import register_nav_item, register_permission

# Actions whose events record a hash of rows, each with the check ``verify`` runs on it.
ROW_CHECKED_ACTIONS = ("revision.created", "poll.opened", "poll.closed")
# The kinds of rows (``kind:id`` objects) whose state every event on them records, and
# ``verify`` compares with the rows.
STATE_KINDS = (
    "member",
    "committee",
    "amendment",
    "comment",
    "revision",
    "sitting",
    "proxy",
    "poll",
    "ballot",
)


def _comment_links(db: Session, url: UrlFor, rows: Sequence[Notification]) -> dict[int, str]:
    targets = comment_targets(db, url, [n.comment_id for n in rows if n.comment_id])
    return {n.id: targets[n.comment_id] for n in rows if n.comment_id in targets}


def _amendment_links(db: Session, url: UrlFor, rows: Sequence[Notification]) -> dict[int, str]:
    return {
        n.id: url("amendments.detail", amendment_id=n.amendment_id)
        for n in rows
        if n.amendment_id is not None and n.comment_id is None
    }


# The kinds of notifications the voting part sends, each about a sitting in its payload.
SITTING_NOTICES = ("proxy_approved", "proxy_refused", "proxy_held")


def _sitting_links(db: Session, url: UrlFor, rows: Sequence[Notification]) -> dict[int, str]:
    found = {}
    for n in rows:
        sitting = (n.payload or {}).get("sitting")
        if n.kind in SITTING_NOTICES and is_id(sitting):
            found[n.id] = url("votes.sitting", sitting_id=sitting)
    return found


def wire() -> None:
    """Register every hook, row check, navigation item, template permission and inbox link."""
    # texts -> amendments: open amendments are re-checked after every new revision.
    register_after_revision("amendments.recheck", recheck)
    # audit: the rows that events cover.
    register_row_check("revision.created", check_revision_row)
    register_row_check("poll.opened", check_poll_electorate)
    register_row_check("poll.closed", check_poll_record)
    register_state_kind("member", member_states)
    register_state_kind("committee", committee_states)
    register_state_kind("amendment", amendment_states)
    register_state_kind("comment", comment_states)
    register_state_kind("revision", revision_states)
    register_state_kind("sitting", sitting_states)
    register_state_kind("proxy", proxy_states)
    register_state_kind("poll", poll_states)
    register_state_kind("ballot", ballot_states)
    # amendments -> votes: a scheduled amendment withdrawn by its proposer leaves the agenda.
    amendment_services.register_agenda_withdrawal(withdraw_from_agenda)
    # web: the navigation's counts.
    register_nav_item("unread", unread_count, unread_query)
    register_nav_item("committees", committee_count, committee_query)
    register_nav_item("sittings_open", open_sitting_count, open_sitting_query)
    # web: kept pages are rebuilt when the audit chain has grown.
    register_stamp("audit", head_number)
    # ... and when the re-check after a revision has moved open amendments onto it.
    register_stamp("settled", settled_revisions)
    # web: what templates may ask of the logged-in member, as ``may.<name>``.
    register_permission("administer", permissions.is_admin)
    register_permission("edit_text", permissions.is_editor)
    register_permission("take_part", permissions.takes_part)
    # inbox: where a notification leads (a comment's page first, else the amendment's).
    register_link_finder("comments", _comment_links)
    register_link_finder("amendments", _amendment_links)
    # live: what a sitting's event stream shows (GET /api/v1/sittings/{id}/events).
    register_snapshot(votes_live.PREFIX, votes_live.sitting_events)
    register_link_finder("votes", _sitting_links)
