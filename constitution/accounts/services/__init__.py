"""The accounts part's services, the only code that writes members and invitations:

* ``checks``: account input and the admin rule;
* ``members``: members, created without an invitation or changed;
* ``invitations``: issuing, revoking and accepting invitations.

The names below are the part's public surface; callers import them from here.
"""

from constitution.accounts.services.checks import (
    GROUP_FIELDS,
    PASSWORD_MAX,
    PASSWORD_MIN,
    USERNAME,
    clean_groups,
    clean_password,
    clean_roles,
    clean_text,
    clean_username,
    require_admin,
    rowcount,
    sha256,
)
from constitution.accounts.services.invitations import (
    IssuedInvitation,
    accept_invitation,
    find_invitation,
    invite,
    list_invitations,
    revoke_invitation,
)
from constitution.accounts.services.members import (
    add_member,
    create_admin,
    create_member,
    display_names,
    end_member_sessions,
    end_sessions_of,
    get_member,
    list_members,
    members_by_ids,
    reset_totp,
    set_language,
    update_member,
    username_taken,
)

__all__ = [
    "GROUP_FIELDS",
    "PASSWORD_MAX",
    "PASSWORD_MIN",
    "USERNAME",
    "IssuedInvitation",
    "accept_invitation",
    "add_member",
    "clean_groups",
    "clean_password",
    "clean_roles",
    "clean_text",
    "clean_username",
    "create_admin",
    "create_member",
    "display_names",
    "end_member_sessions",
    "end_sessions_of",
    "find_invitation",
    "get_member",
    "invite",
    "list_invitations",
    "list_members",
    "members_by_ids",
    "require_admin",
    "reset_totp",
    "revoke_invitation",
    "rowcount",
    "set_language",
    "sha256",
    "update_member",
    "username_taken",
]
