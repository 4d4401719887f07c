"""Who may do what, as pure predicates on a member: services enforce them, the access check
and the pages use them to let in, show or hide."""

from __future__ import annotations

from constitution.accounts.models import TOTP_ROLES, Member, Role


def is_admin(member: Member) -> bool:
    return member.has_role(Role.ADMIN)


def is_chair(member: Member) -> bool:
    return member.has_role(Role.CHAIR)


def is_secretariat(member: Member) -> bool:
    return member.has_role(Role.SECRETARIAT)


def is_editor(member: Member) -> bool:
    """Secretariat or admin: may change the text directly (editorial revisions, imports)."""
    return is_secretariat(member) or is_admin(member)


def is_office_holder(member: Member) -> bool:
    """Chair, secretariat or admin: a role that needs a second factor (``TOTP_ROLES``)."""
    return any(member.has_role(role) for role in TOTP_ROLES)


def needs_second_factor(member: Member) -> bool:
    """Her role asks for a second factor and she has not confirmed one yet."""
    return member.needs_totp
