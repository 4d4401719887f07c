"""Who may do what with comments: pure predicates the services enforce and pages use."""

from __future__ import annotations

from constitution.accounts.models import Member
from constitution.accounts.permissions import is_office_holder


def may_moderate(member: Member) -> bool:
    """An office holder (a chair, the secretariat or an admin) may hide a comment, with a
    reason."""
    return is_office_holder(member)
