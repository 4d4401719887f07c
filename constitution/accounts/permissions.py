"""Role rules of the accounts part (placeholder; the web-layer work extends it)."""

from __future__ import annotations

from constitution.accounts.models import Member, Role


def is_admin(member: Member) -> bool:
    return member.has_role(Role.ADMIN)
