"""The inbox page: a member's notifications, newest first, each linked to what it is about.

The inbox knows no part: the parts that notify register a ``LinkFinder`` (through
``constitution.wiring``) that says where a notification about their objects leads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session
from starlette.responses import Response

from constitution.accounts.web import current_member
from constitution.errors import N_
from constitution.inbox import services
from constitution.inbox.models import Notification
from constitution.web.framework import Ctx
from constitution.web.render import render

UrlFor = Callable[..., str]
# (database, url_for, notifications) -> notification id -> where it leads
LinkFinder = Callable[[Session, UrlFor, Sequence[Notification]], dict[int, str]]
LINK_FINDERS: dict[str, LinkFinder] = {}


def register_link_finder(name: str, finder: LinkFinder) -> None:
    """Register (or replace) the finder of links for one part's notifications."""
    LINK_FINDERS[name] = finder


def links(db: Session, url: UrlFor, rows: Sequence[Notification]) -> dict[int, str]:
    """Where each notification leads: the first finder that knows wins."""
    found: dict[int, str] = {}
    for finder in LINK_FINDERS.values():
        for notification_id, link in finder(db, url, rows).items():
            found.setdefault(notification_id, link)
    return found


def _member_id(ctx: Ctx) -> int:
    return current_member(ctx).id


def inbox(ctx: Ctx) -> Response:
    rows = services.inbox(ctx.db, _member_id(ctx))
    targets = links(ctx.db, ctx.url, rows)
    items = [{"n": row, "p": row.payload, "link": targets.get(row.id)} for row in rows]
    unread = sum(1 for row in rows if row.read_at is None)
    return render(ctx, "inbox/inbox.html", {"items": items, "unread": unread})


def inbox_read(ctx: Ctx) -> Response:
    services.mark_read(ctx.db, _member_id(ctx))
    return ctx.redirect(ctx.url("inbox.index"), N_("All notifications are marked as read."))
