"""Who may do what, as pure predicates on a member: services enforce them, the access check
and the pages use them to let in, show or hide."""

from __future__ import annotations

from constitution.accounts.models import TOTP_ROLES, Member, Role
from constitution.errors import N_, DomainError, Forbidden


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


def is_observer(member: Member) -> bool:
    """A partner organisation's observer: reads everything a member reads, takes no part."""
    return member.has_role(Role.OBSERVER)


def takes_part(member: Member) -> bool:
    """She may propose, sponsor, comment, recommend, check in and vote (not an observer)."""
    return not is_observer(member)


def participation_refusal(member: Member) -> DomainError | None:
    """The refusal an observer meets when she tries to take part, else None."""
    if is_observer(member):
        return Forbidden(N_("Observers follow the work but take no part in it."), code="observer")
    return None


def require_participant(member: Member) -> None:
    refusal = participation_refusal(member)
    if refusal is not None:
        raise refusal
