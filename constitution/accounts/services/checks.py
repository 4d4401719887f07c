"""Checking account input (usernames, display names, roles, groups, passwords) and the
admin rule the account services share."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy.engine import CursorResult, Result

from constitution import myanmar
from constitution.accounts import permissions
from constitution.accounts.models import (
    ROLES,
    Member,
    Role,
)
from constitution.accounts.passwords import is_common
from constitution.errors import N_, Forbidden, Invalid

USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{2,39}")
GROUP_FIELDS = ("party", "state_region", "ethnicity", "chamber")
PASSWORD_MIN = 10
PASSWORD_MAX = 1024


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# ---- validation -------------------------------------------------------------------------


def clean_username(value: Any, field: str = "username") -> str:
    if not isinstance(value, str):
        raise Invalid(N_("Give a username."), field=field)
    name = myanmar.nfc(value).strip().lower()
    if myanmar.has_invisible_characters(value):
        raise Invalid(
            N_("This field contains invisible characters or direction marks."),
            field=field,
            code="invisible_character",
        )
    if not USERNAME.fullmatch(name):
        raise Invalid(
            N_(
                "A username has 3 to 40 characters: Latin letters, digits, dot, dash or "
                "underscore, starting with a letter or digit."
            ),
            field=field,
        )
    return name


def clean_text(value: Any, field: str, *, max_length: int, required: bool = True) -> str:
    """A single-line text (a display name, a committee's name, a group): its length and
    runs of combining marks are checked before Zawgyi is detected and converted; line
    breaks, control and invisible characters and direction marks are refused."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise Invalid(N_("This field must be text."), field=field)
    raw = value.strip()
    text = myanmar.nfc(raw)
    if len(text) > max_length:
        raise Invalid(N_("This field is too long."), field=field)
    if myanmar.has_mark_run(text):
        raise Invalid(
            N_("This text has too many combining marks in a row."),
            field=field,
            code="too_many_marks",
        )
    if myanmar.has_control_characters(text) or "\n" in text or "\r" in text:
        raise Invalid(N_("This field contains control characters."), field=field)
    if myanmar.has_invisible_characters(value):
        raise Invalid(
            N_("This field contains invisible characters or direction marks."),
            field=field,
            code="invisible_character",
        )
    if required and not text:
        raise Invalid(N_("This field is required."), field=field)
    text = myanmar.clean(raw).text
    if len(text) > max_length:
        raise Invalid(N_("This field is too long."), field=field)
    return text


def clean_roles(value: Any, field: str = "roles") -> list[str]:
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise Invalid(N_("Roles must be a list of role names."), field=field)
    unknown = [r for r in value if r not in ROLES]
    if unknown:
        raise Invalid(N_("Unknown role."), field=field)
    if Role.OBSERVER.value in value:
        if set(value) != {Role.OBSERVER.value}:
            raise Invalid(N_("An observer has no other role."), field=field, code="observer_only")
        return [Role.OBSERVER.value]
    roles = sorted(set(value) | {Role.MEMBER.value}, key=ROLES.index)
    return roles


def clean_groups(value: Any, field: str = "groups") -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Invalid(N_("Groups must be an object."), field=field)
    unknown = set(value) - set(GROUP_FIELDS)
    if unknown:
        raise Invalid(N_("Unknown group."), field=f"{field}.{sorted(unknown)[0]}")
    groups: dict[str, str] = {}
    for key in GROUP_FIELDS:
        text = clean_text(value.get(key), f"{field}.{key}", max_length=100, required=False)
        if text:
            groups[key] = text
    return groups


def clean_password(value: Any, username: str, field: str = "password") -> str:
    if not isinstance(value, str):
        raise Invalid(N_("Give a password."), field=field)
    password = myanmar.nfc(value)
    if len(password) < PASSWORD_MIN:
        raise Invalid(N_("A password needs at least 10 characters."), field=field)
    if len(password) > PASSWORD_MAX:
        raise Invalid(N_("This password is too long."), field=field)
    if password.strip().lower() == username:
        raise Invalid(N_("The password must not be the username."), field=field)
    if is_common(password):
        raise Invalid(
            N_("This password is among the most common ones. Choose another."),
            field=field,
            code="password_common",
        )
    return password


def require_admin(actor: Member) -> None:
    if not actor.active or not permissions.is_admin(actor):
        raise Forbidden(N_("You are not allowed to do this."))
