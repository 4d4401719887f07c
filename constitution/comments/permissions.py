"""Who may do what with comments: pure predicates the services enforce and pages use."""

from __future__ import annotations

from constitution.accounts.models import Member, Role

MODERATORS = (Role.CHAIR, Role.SECRETARIAT, Role.ADMIN)


def may_moderate(member: Member) -> bool:
    """A chair, the secretariat or an admin may hide a comment (with a reason)."""
    return any(member.has_role(role) for role in MODERATORS)
