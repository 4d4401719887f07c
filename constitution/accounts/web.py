"""The accounts part's side of a request (placeholder until the web layer moves here)."""

from __future__ import annotations

from constitution.accounts.models import Member
from constitution.web.framework import Ctx


def current_member(ctx: Ctx) -> Member:
    """The member a view acts for (its route's access level guarantees one)."""
    member = ctx.member
    assert isinstance(member, Member)
    return member
