"""The authorisation matrix: every route × every kind of visitor.

``ROUTES`` states, for each route name, its method, path and who may reach it. It is written
out here on purpose, not read from ``constitution.routes``: a route added, removed or given
another access level without updating this table fails ``test_the_table_names_every_route``
or the matrix. From the access level and the visitor follows what she must get:

- pages: logged out → 303 to /login; password given but not the code → 303 to /login/totp;
  a role that needs a second factor not yet set up → 303 to /account/totp; a role missing →
  403; allowed → the route's own answer (``OK``).
- API: no credentials, a dead token or session → 401; second factor not set up → 403
  ``totp_required``; a role missing → 403 ``forbidden``; allowed → ``OK``.

Every request carries a valid CSRF token (form field or ``X-CSRF-Token``) and real ids, so
that what is tested is authorisation, not CSRF or a 404. A refused request must not write
anything: the audit chain does not grow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pyotp
import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from constitution.accounts import password_changes, services, sessions
from constitution.accounts.models import Member
from constitution.amendments import services as amendment_services
from constitution.audit.models import AuditEvent
from constitution.comments import services as amendment_comments
from constitution.routes import API_ROUTES, PAGE_ROUTES
from constitution.settings import Settings
from constitution.texts.validation import Notices
from constitution.votes import services as votes
from constitution.web.framework import Access
from tests import factories
from tests.factories import (
    PASSWORD,
    csrf_token,
    current_code,
    login,
    make_committee,
    make_document,
    make_member,
    post_form,
    propose_amendment,
    provision,
)
from tests.live.sse import fetch

A = Access
GET, POST, PATCH, DELETE = "GET", "POST", "PATCH", "DELETE"

# route name -> (method, path as written in the URL table, who may reach it)
ROUTES: dict[str, tuple[str, str, Access]] = {
    # pages
    "home": (GET, "/", A.PUBLIC),
    "accounts.login_form": (GET, "/login", A.PUBLIC),
    "accounts.login": (POST, "/login", A.PUBLIC),
    "accounts.totp_login_form": (GET, "/login/totp", A.PUBLIC),
    "accounts.totp_login": (POST, "/login/totp", A.PUBLIC),
    "accounts.logout": (POST, "/logout", A.PUBLIC),
    "accounts.logout_everywhere": (POST, "/logout/everywhere", A.PARTIAL),
    "accounts.language": (POST, "/language", A.PUBLIC),
    "accounts.accept_form": (GET, "/invitations/{token}", A.PUBLIC),
    "accounts.accept": (POST, "/invitations/{token}", A.PUBLIC),
    "accounts.account": (GET, "/account", A.MEMBER),
    "accounts.password_form": (GET, "/account/password", A.MEMBER),
    "accounts.password": (POST, "/account/password", A.MEMBER),
    "accounts.reset_form": (GET, "/resets/{reset_token}", A.PUBLIC),
    "accounts.reset": (POST, "/resets/{reset_token}", A.PUBLIC),
    "accounts.totp_form": (GET, "/account/totp", A.PARTIAL),
    "accounts.totp_start": (POST, "/account/totp/start", A.PARTIAL),
    "accounts.totp_confirm": (POST, "/account/totp/confirm", A.PARTIAL),
    "texts.documents": (GET, "/documents", A.MEMBER),
    "texts.contents": (GET, "/documents/{slug}", A.MEMBER),
    "texts.read": (GET, "/documents/{slug}/read", A.MEMBER),
    "texts.read_unit": (GET, "/documents/{slug}/read/{key}", A.MEMBER),
    "texts.provision": (GET, "/documents/{slug}/p/{key}", A.MEMBER),
    "texts.edit_form": (GET, "/documents/{slug}/p/{key}/edit", A.EDITOR),
    "texts.edit": (POST, "/documents/{slug}/p/{key}/edit", A.EDITOR),
    "texts.revisions": (GET, "/documents/{slug}/revisions", A.MEMBER),
    "texts.compare": (GET, "/documents/{slug}/compare", A.MEMBER),
    "texts.search": (GET, "/documents/{slug}/search", A.MEMBER),
    "amendments.index": (GET, "/amendments", A.MEMBER),
    "amendments.list": (GET, "/documents/{slug}/amendments", A.MEMBER),
    "amendments.propose_form": (GET, "/documents/{slug}/p/{key}/amend", A.MEMBER),
    "amendments.propose": (POST, "/documents/{slug}/p/{key}/amend", A.MEMBER),
    "comments.provision": (POST, "/documents/{slug}/p/{key}/comments", A.MEMBER),
    "amendments.detail": (GET, "/amendments/{amendment_id:int}", A.MEMBER),
    "amendments.update": (POST, "/amendments/{amendment_id:int}/update", A.MEMBER),
    "amendments.sponsor": (POST, "/amendments/{amendment_id:int}/sponsor", A.MEMBER),
    "amendments.submit": (POST, "/amendments/{amendment_id:int}/submit", A.MEMBER),
    "amendments.withdraw": (POST, "/amendments/{amendment_id:int}/withdraw", A.MEMBER),
    "amendments.recommend": (POST, "/amendments/{amendment_id:int}/recommendation", A.MEMBER),
    "amendments.comment": (POST, "/amendments/{amendment_id:int}/comments", A.MEMBER),
    "comments.hide": (POST, "/comments/{comment_id:int}/hide", A.MEMBER),
    "amendments.committees": (GET, "/committees", A.MEMBER),
    "amendments.committee": (GET, "/committees/{committee_id:int}", A.MEMBER),
    "inbox.index": (GET, "/inbox", A.MEMBER),
    "inbox.read": (POST, "/inbox/read", A.MEMBER),
    "admin.members": (GET, "/admin/members", A.ADMIN),
    "admin.member": (GET, "/admin/members/{member_id:int}", A.ADMIN),
    "admin.member_update": (POST, "/admin/members/{member_id:int}", A.ADMIN),
    "admin.member_sessions_end": (POST, "/admin/members/{member_id:int}/sessions/end", A.ADMIN),
    "admin.member_totp_reset": (POST, "/admin/members/{member_id:int}/totp/reset", A.ADMIN),
    "admin.member_reset": (POST, "/admin/members/{member_id:int}/reset", A.ADMIN),
    "admin.invitations": (GET, "/admin/invitations", A.ADMIN),
    "admin.invitation_create": (POST, "/admin/invitations", A.ADMIN),
    "admin.invitation_revoke": (POST, "/admin/invitations/{invitation_id:int}/revoke", A.ADMIN),
    "admin.committees": (GET, "/admin/committees", A.ADMIN),
    "admin.committee_create": (POST, "/admin/committees", A.ADMIN),
    "admin.committee": (GET, "/admin/committees/{committee_id:int}", A.ADMIN),
    "admin.committee_update": (POST, "/admin/committees/{committee_id:int}", A.ADMIN),
    "votes.sittings": (GET, "/sittings", A.MEMBER),
    "votes.sitting_create": (POST, "/sittings", A.MEMBER),
    "votes.sitting": (GET, "/sittings/{sitting_id:int}", A.MEMBER),
    "votes.check_in": (POST, "/sittings/{sitting_id:int}/check-in", A.MEMBER),
    "votes.check_out": (POST, "/sittings/{sitting_id:int}/check-out", A.MEMBER),
    "votes.proxy_request": (POST, "/sittings/{sitting_id:int}/proxy", A.MEMBER),
    "votes.proxy_revoke": (POST, "/proxies/{proxy_id:int}/revoke", A.MEMBER),
    "votes.console": (GET, "/sittings/{sitting_id:int}/console", A.CHAIR),
    "votes.sitting_open": (POST, "/sittings/{sitting_id:int}/open", A.MEMBER),
    "votes.sitting_close": (POST, "/sittings/{sitting_id:int}/close", A.MEMBER),
    "votes.poll_create": (POST, "/sittings/{sitting_id:int}/polls", A.MEMBER),
    "votes.poll_remove": (POST, "/polls/{poll_id:int}/remove", A.MEMBER),
    "votes.poll_move": (POST, "/polls/{poll_id:int}/move", A.MEMBER),
    "votes.poll_open": (POST, "/polls/{poll_id:int}/open", A.MEMBER),
    "votes.poll_close": (POST, "/polls/{poll_id:int}/close", A.MEMBER),
    "votes.proxy_approve": (POST, "/proxies/{proxy_id:int}/approve", A.MEMBER),
    "votes.proxy_refuse": (POST, "/proxies/{proxy_id:int}/refuse", A.MEMBER),
    "votes.poll": (GET, "/polls/{poll_id:int}", A.MEMBER),
    "votes.vote": (POST, "/polls/{poll_id:int}/vote", A.MEMBER),
    "votes.voted": (GET, "/polls/{poll_id:int}/voted", A.MEMBER),
    "votes.my_votes": (GET, "/account/votes", A.MEMBER),
    # API v1
    "api.openapi": (GET, "/api/v1/openapi.json", A.PUBLIC),
    "api.tokens.create": (POST, "/api/v1/tokens", A.PUBLIC),
    "api.tokens.delete": (DELETE, "/api/v1/tokens/current", A.PARTIAL),
    "api.me": (GET, "/api/v1/me", A.PARTIAL),
    "api.me.totp": (POST, "/api/v1/me/totp", A.PARTIAL),
    "api.me.totp_confirm": (POST, "/api/v1/me/totp/confirm", A.PARTIAL),
    "api.me.password": (POST, "/api/v1/me/password", A.MEMBER),
    "api.invitations.create": (POST, "/api/v1/invitations", A.ADMIN),
    "api.invitations.accept": (POST, "/api/v1/invitations/accept", A.PUBLIC),
    "api.members.list": (GET, "/api/v1/members", A.MEMBER),
    "api.members.update": (PATCH, "/api/v1/members/{member_id:int}", A.ADMIN),
    "api.members.sessions_end": (POST, "/api/v1/members/{member_id:int}/sessions/end", A.ADMIN),
    "api.members.totp_reset": (POST, "/api/v1/members/{member_id:int}/totp/reset", A.ADMIN),
    "api.members.reset": (POST, "/api/v1/members/{member_id:int}/reset", A.ADMIN),
    "api.resets.accept": (POST, "/api/v1/resets/accept", A.PUBLIC),
    "api.committees.list": (GET, "/api/v1/committees", A.MEMBER),
    "api.committees.create": (POST, "/api/v1/committees", A.ADMIN),
    "api.audit.list": (GET, "/api/v1/audit", A.ADMIN),
    "api.audit.head": (GET, "/api/v1/audit/head", A.MEMBER),
    "api.public_key": (GET, "/api/v1/public-key", A.MEMBER),
    "api.documents.list": (GET, "/api/v1/documents", A.MEMBER),
    "api.documents.create": (POST, "/api/v1/documents", A.EDITOR),
    "api.documents.detail": (GET, "/api/v1/documents/{slug}", A.MEMBER),
    "api.revisions.list": (GET, "/api/v1/documents/{slug}/revisions", A.MEMBER),
    "api.revisions.create": (POST, "/api/v1/documents/{slug}/revisions", A.EDITOR),
    "api.documents.compare": (GET, "/api/v1/documents/{slug}/compare", A.MEMBER),
    "api.documents.search": (GET, "/api/v1/documents/{slug}/search", A.MEMBER),
    "api.amendments.list": (GET, "/api/v1/documents/{slug}/amendments", A.MEMBER),
    "api.amendments.create": (POST, "/api/v1/documents/{slug}/amendments", A.MEMBER),
    "api.amendments.detail": (GET, "/api/v1/amendments/{amendment_id:int}", A.MEMBER),
    "api.amendments.update": (POST, "/api/v1/amendments/{amendment_id:int}/changes", A.MEMBER),
    "api.amendments.sponsor": (POST, "/api/v1/amendments/{amendment_id:int}/sponsor", A.MEMBER),
    "api.amendments.submit": (POST, "/api/v1/amendments/{amendment_id:int}/submit", A.MEMBER),
    "api.amendments.withdraw": (POST, "/api/v1/amendments/{amendment_id:int}/withdraw", A.MEMBER),
    "api.amendments.recommendation": (
        POST,
        "/api/v1/amendments/{amendment_id:int}/recommendation",
        A.MEMBER,
    ),
    "api.comments.list": (GET, "/api/v1/amendments/{amendment_id:int}/comments", A.MEMBER),
    "api.comments.create": (POST, "/api/v1/amendments/{amendment_id:int}/comments", A.MEMBER),
    "api.comments.hide": (POST, "/api/v1/comments/{comment_id:int}/hide", A.MEMBER),
    "api.inbox": (GET, "/api/v1/inbox", A.MEMBER),
    "api.inbox.read": (POST, "/api/v1/inbox/read", A.MEMBER),
    "api.sittings.events": (GET, "/api/v1/sittings/{sitting_id:int}/events", A.MEMBER),
    "api.sittings.list": (GET, "/api/v1/sittings", A.MEMBER),
    "api.sittings.create": (POST, "/api/v1/sittings", A.MEMBER),
    "api.sittings.detail": (GET, "/api/v1/sittings/{sitting_id:int}", A.MEMBER),
    "api.sittings.order": (POST, "/api/v1/sittings/{sitting_id:int}/order", A.MEMBER),
    "api.sittings.open": (POST, "/api/v1/sittings/{sitting_id:int}/open", A.MEMBER),
    "api.sittings.close": (POST, "/api/v1/sittings/{sitting_id:int}/close", A.MEMBER),
    "api.sittings.check_in": (POST, "/api/v1/sittings/{sitting_id:int}/attendance", A.MEMBER),
    "api.sittings.check_out": (DELETE, "/api/v1/sittings/{sitting_id:int}/attendance", A.MEMBER),
    "api.proxies.list": (GET, "/api/v1/sittings/{sitting_id:int}/proxies", A.MEMBER),
    "api.proxies.create": (POST, "/api/v1/sittings/{sitting_id:int}/proxies", A.MEMBER),
    "api.proxies.approve": (POST, "/api/v1/proxies/{proxy_id:int}/approve", A.MEMBER),
    "api.proxies.refuse": (POST, "/api/v1/proxies/{proxy_id:int}/refuse", A.MEMBER),
    "api.proxies.revoke": (DELETE, "/api/v1/proxies/{proxy_id:int}", A.MEMBER),
    "api.polls.list": (GET, "/api/v1/sittings/{sitting_id:int}/polls", A.MEMBER),
    "api.polls.create": (POST, "/api/v1/sittings/{sitting_id:int}/polls", A.MEMBER),
    "api.polls.detail": (GET, "/api/v1/polls/{poll_id:int}", A.MEMBER),
    "api.polls.delete": (DELETE, "/api/v1/polls/{poll_id:int}", A.MEMBER),
    "api.polls.move": (POST, "/api/v1/polls/{poll_id:int}/position", A.MEMBER),
    "api.polls.open": (POST, "/api/v1/polls/{poll_id:int}/open", A.MEMBER),
    "api.polls.close": (POST, "/api/v1/polls/{poll_id:int}/close", A.MEMBER),
    "api.polls.vote": (POST, "/api/v1/polls/{poll_id:int}/votes", A.MEMBER),
    "api.polls.my_vote": (GET, "/api/v1/polls/{poll_id:int}/votes/mine", A.MEMBER),
    "api.polls.record": (GET, "/api/v1/polls/{poll_id:int}/record", A.MEMBER),
    "api.members.votes": (GET, "/api/v1/members/{member_id:int}/votes", A.MEMBER),
}

PAGE_NAMES = [r.name for r in PAGE_ROUTES]
API_NAMES = [r.name for r in API_ROUTES]


# ---- who visits -------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    roles: tuple[str, ...] | None  # None: not logged in at all
    totp: bool = False  # a confirmed second factor
    started_totp: bool = False  # a secret begun but not confirmed
    disabled: bool = False  # logged in, then disabled by an admin
    code_pending: bool = False  # gave her password, not yet her TOTP code

    @property
    def logged_out(self) -> bool:
        return self.roles is None or self.disabled

    @property
    def needs_totp(self) -> bool:
        return not self.totp and any(
            r in {"chair", "secretariat", "admin"} for r in self.roles or ()
        )


PERSONAS: dict[str, Persona] = {
    "anonymous": Persona(None),
    "member": Persona(("member",)),
    "chair": Persona(("member", "chair"), totp=True),
    "secretariat": Persona(("member", "secretariat"), totp=True),
    "admin": Persona(("member", "admin"), totp=True),
    "disabled_member": Persona(("member",), disabled=True),
    "disabled_admin": Persona(("member", "admin"), totp=True, disabled=True),
    "chair_without_totp": Persona(("member", "chair"), started_totp=True),
    "admin_without_totp": Persona(("member", "admin"), started_totp=True),
    "admin_code_pending": Persona(("member", "admin"), totp=True, code_pending=True),
    # A partner organisation's reader: reaches what a member reads, takes no part.
    "observer": Persona(("observer",)),
}
# A bearer token is only issued after the code, so that state does not exist for tokens.
BEARER_PERSONAS = [p for p in PERSONAS if not PERSONAS[p].code_pending]

# The roles that open a level; any one of them will do.
ROLES_OF_ACCESS: dict[Access, set[str]] = {
    A.CHAIR: {"chair"},
    A.SECRETARIAT: {"secretariat"},
    A.ADMIN: {"admin"},
    A.EDITOR: {"secretariat", "admin"},
}


# ---- what an allowed request gets -------------------------------------------------------

# route name -> status when access is granted; a dict when it depends on the visitor
# (keys: persona names, or "logged_out", "pending", "*" for the rest).
OK: dict[str, int | dict[str, int]] = {
    "home": 200,
    "accounts.login_form": {"logged_out": 200, "pending": 200, "*": 303},
    "accounts.login": 303,
    "accounts.totp_login_form": {"logged_out": 303, "pending": 200, "*": 303},
    # Logged in already: the code is checked again; a member without a secret gets 409.
    "accounts.totp_login": {"logged_out": 303, "member": 409, "observer": 409, "*": 303},
    "accounts.logout": 303,
    "accounts.logout_everywhere": 303,
    "accounts.language": 303,
    "accounts.accept_form": 200,
    "accounts.accept": 303,
    "accounts.account": 200,
    "accounts.password_form": 200,
    "accounts.password": 303,
    "accounts.reset_form": 200,
    "accounts.reset": 303,
    "accounts.totp_form": 200,
    "accounts.totp_start": {"chair": 409, "secretariat": 409, "admin": 409, "*": 303},
    "accounts.totp_confirm": {"chair_without_totp": 303, "admin_without_totp": 303, "*": 409},
    "texts.documents": 200,
    "texts.contents": 200,
    "texts.read": 200,
    # The key is an article's: her part's or chapter's page, at the article.
    "texts.read_unit": 303,
    "texts.provision": 200,
    "texts.edit_form": 200,
    "texts.edit": 303,
    "texts.revisions": 200,
    "texts.compare": 200,
    "texts.search": 200,
    "amendments.index": 200,
    "amendments.list": 200,
    # An observer takes no part: no proposing, sponsoring, commenting, checking in, voting
    # (the form to propose says so before she fills it in).
    "amendments.propose_form": {"observer": 403, "*": 200},
    "amendments.propose": {"observer": 403, "*": 303},
    "comments.provision": {"observer": 403, "*": 303},
    "amendments.detail": 200,
    # The visitor is not the world's amendment's proposer, nor on its committee.
    "amendments.update": 403,
    "amendments.sponsor": {"observer": 403, "*": 303},
    "amendments.submit": 403,
    "amendments.withdraw": 403,
    "amendments.recommend": 403,
    "amendments.comment": {"observer": 403, "*": 303},
    "comments.hide": {"member": 403, "observer": 403, "*": 303},  # chairs, secretariat, admins
    "amendments.committees": 200,
    "amendments.committee": {"admin": 200, "*": 403},
    "inbox.index": 200,
    "inbox.read": 303,
    "admin.members": 200,
    "admin.member": 200,
    "admin.member_update": 303,
    "admin.member_sessions_end": 303,
    "admin.member_totp_reset": 303,
    "admin.member_reset": 201,
    "admin.invitations": 200,
    "admin.invitation_create": 201,
    "admin.invitation_revoke": 303,
    "admin.committees": 200,
    "admin.committee_create": 303,
    "admin.committee": 200,
    "admin.committee_update": 303,
    # The world's sitting is open, with a motion's poll not yet open (no quorum) and a
    # proxy the subject asked of the spare member; the visitor is neither of them.
    "votes.sittings": 200,
    "votes.sitting_create": {"chair": 303, "*": 403},
    "votes.sitting": 200,
    "votes.check_in": {"observer": 403, "*": 303},
    "votes.check_out": 303,
    "votes.proxy_request": {"observer": 403, "*": 303},
    "votes.proxy_revoke": 404,  # not her proxy
    "votes.console": 200,
    "votes.sitting_open": {"chair": 409, "*": 403},  # open already
    "votes.sitting_close": {"chair": 303, "*": 403},
    "votes.poll_create": {"chair": 303, "*": 403},
    "votes.poll_remove": {"chair": 303, "*": 403},
    "votes.poll_move": {"chair": 422, "*": 403},  # the only item: nowhere to move
    "votes.poll_open": {"chair": 409, "*": 403},  # no quorum
    "votes.poll_close": {"chair": 409, "*": 403},  # not open
    "votes.proxy_approve": {"chair": 303, "*": 403},
    "votes.proxy_refuse": {"chair": 303, "*": 403},
    "votes.poll": 200,
    "votes.vote": 409,  # not open
    "votes.voted": 200,
    "votes.my_votes": 200,
    "api.openapi": 200,
    "api.tokens.create": 201,
    "api.tokens.delete": 204,
    "api.me": 200,
    "api.me.totp": {"chair": 409, "secretariat": 409, "admin": 409, "*": 201},
    "api.me.totp_confirm": {"chair_without_totp": 200, "admin_without_totp": 200, "*": 409},
    "api.me.password": 204,
    "api.invitations.create": 201,
    "api.invitations.accept": 201,
    "api.members.list": 200,
    "api.members.update": 200,
    "api.members.sessions_end": 204,
    "api.members.totp_reset": 204,
    "api.members.reset": 201,
    "api.resets.accept": 204,
    "api.committees.list": 200,
    "api.committees.create": 201,
    "api.audit.list": 200,
    "api.audit.head": 200,
    "api.public_key": 200,
    "api.documents.list": 200,
    "api.documents.create": 201,
    "api.documents.detail": 200,
    "api.revisions.list": 200,
    "api.revisions.create": 201,
    "api.documents.compare": 200,
    "api.documents.search": 200,
    "api.amendments.list": 200,
    "api.amendments.create": {"observer": 403, "*": 201},
    "api.amendments.detail": 200,
    # As for the pages: the visitor is not the proposer, nor on the committee.
    "api.amendments.update": 403,
    "api.amendments.sponsor": {"observer": 403, "*": 200},
    "api.amendments.submit": 403,
    "api.amendments.withdraw": 403,
    "api.amendments.recommendation": 403,
    "api.comments.list": 200,
    "api.comments.create": {"observer": 403, "*": 201},
    "api.comments.hide": {"member": 403, "observer": 403, "*": 200},
    "api.inbox": 200,
    "api.inbox.read": 200,
    "api.sittings.events": 200,
    "api.sittings.list": 200,
    "api.sittings.create": {"chair": 201, "*": 403},
    "api.sittings.detail": 200,
    "api.sittings.order": {"chair": 422, "*": 403},
    "api.sittings.open": {"chair": 409, "*": 403},
    "api.sittings.close": {"chair": 200, "*": 403},
    "api.sittings.check_in": {"observer": 403, "*": 200},
    "api.sittings.check_out": 200,
    "api.proxies.list": 200,
    "api.proxies.create": {"observer": 403, "*": 201},
    "api.proxies.approve": {"chair": 200, "*": 403},
    "api.proxies.refuse": {"chair": 200, "*": 403},
    "api.proxies.revoke": 404,
    "api.polls.list": 200,
    "api.polls.create": {"chair": 201, "*": 403},
    "api.polls.detail": 200,
    "api.polls.delete": {"chair": 204, "*": 403},
    "api.polls.move": {"chair": 200, "*": 403},
    "api.polls.open": {"chair": 409, "*": 403},
    "api.polls.close": {"chair": 409, "*": 403},
    "api.polls.vote": 409,
    "api.polls.my_vote": 200,
    "api.polls.record": 409,
    "api.members.votes": 200,
}
# With the session cookie there is no bearer token to delete.
OK_WITH_COOKIE = {"api.tokens.delete": 422}


def ok_status(name: str, persona_name: str, cookie: bool = False) -> int:
    if cookie and name in OK_WITH_COOKIE:
        return OK_WITH_COOKIE[name]
    spec = OK[name]
    if isinstance(spec, int):
        return spec
    persona = PERSONAS[persona_name]
    for key in (
        persona_name,
        "logged_out" if persona.logged_out else None,
        "pending" if persona.code_pending else None,
    ):
        if key in spec:
            return spec[key]
    return spec["*"]


@dataclass(frozen=True)
class Outcome:
    status: int
    location: str | None = None  # for a refusal by redirect: where it leads
    code: str | None = None  # for an API refusal: the error code
    refused: bool = False


def expected_page(name: str, persona_name: str) -> Outcome:
    method, _path, access = ROUTES[name]
    persona = PERSONAS[persona_name]
    if access is A.PUBLIC:
        return Outcome(ok_status(name, persona_name))
    if persona.logged_out:
        target = "/login?next=" if method == GET else "/login"
        return Outcome(303, target, refused=True)
    if persona.code_pending:
        return Outcome(303, "/login/totp", refused=True)
    if access is A.PARTIAL:
        return Outcome(ok_status(name, persona_name))
    if persona.needs_totp:
        return Outcome(303, "/account/totp", refused=True)
    roles = ROLES_OF_ACCESS.get(access)
    if roles is not None and not roles & set(persona.roles or ()):
        return Outcome(403, refused=True)
    return Outcome(ok_status(name, persona_name))


def expected_api(name: str, persona_name: str, *, cookie: bool) -> Outcome:
    _method, _path, access = ROUTES[name]
    persona = PERSONAS[persona_name]
    if not cookie and persona.disabled:
        # A token that no longer works is refused wherever it is shown.
        return Outcome(401, code="invalid_token", refused=True)
    if access is A.PUBLIC:
        return Outcome(ok_status(name, persona_name, cookie))
    if persona.logged_out or persona.code_pending:
        return Outcome(401, code="not_authenticated", refused=True)
    if access is A.PARTIAL:
        return Outcome(ok_status(name, persona_name, cookie))
    if persona.needs_totp:
        return Outcome(403, code="totp_required", refused=True)
    roles = ROLES_OF_ACCESS.get(access)
    if roles is not None and not roles & set(persona.roles or ()):
        return Outcome(403, code="forbidden", refused=True)
    return Outcome(ok_status(name, persona_name, cookie))


# ---- the world every request runs in ----------------------------------------------------

NEW_PASSWORD = "a brand new long password"
SLUG = "draft"


def document_body(slug: str) -> dict[str, Any]:
    article = provision("art-1", "Article 1", "article", None, "ပြည်ထောင်စု", "The Union")
    return factories.document_body(slug, [article])


@dataclass
class World:
    root: Member
    root_token: str
    subject: Member
    spare: Member
    invitation_token: str
    reset_token: str
    revocable_id: int
    committee_id: int
    amendment_id: int
    comment_id: int
    sitting_id: int
    poll_id: int
    proxy_id: int


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    return build_world(db, settings)


def build_world(db: Session, settings: Settings) -> World:
    """Members, invitations, a committee and a document, so that every path has real ids."""
    root = make_member(db, settings, "root", ["member", "admin"])
    subject = make_member(db, settings, "subject")
    spare = make_member(db, settings, "spare")
    invitation = services.invite(
        db, settings, root, username="invitee", display_name="Invitee", roles=["member"]
    )
    revocable = services.invite(
        db, settings, root, username="revocable", display_name="Revocable", roles=["member"]
    )
    committee = make_committee(db, settings, "Drafting A", [subject], ["art-1"], admin=root)
    document = make_document(db, document_body(SLUG), root)
    change = {"op": "replace", "key": "art-1", "text": {"en": "Union"}}
    amendment = propose_amendment(db, settings, subject, document, change, title="Union")
    comment = amendment_comments.add_comment(
        db,
        subject,
        amendment_services.thread_of(amendment, document),
        body="Why?",
        notices=Notices(),
    )
    convener = make_member(db, settings, "convener", ["member", "chair"])
    sitting = votes.create_sitting(db, convener, "Sitting", {"fraction": 0.5})
    votes.open_sitting(db, convener, sitting)
    poll = votes.create_poll(db, convener, sitting, motion={"en": "Adopt the draft."})
    proxy = votes.request_proxy(db, subject, sitting, spare.id)
    root_token = sessions.issue_token(db, settings, root)
    reset = password_changes.issue_reset(db, settings, root, subject)
    db.commit()
    return World(
        root=root,
        root_token=root_token,
        subject=subject,
        spare=spare,
        invitation_token=invitation.token,
        reset_token=reset.token,
        revocable_id=revocable.invitation.id,
        committee_id=committee.id,
        amendment_id=amendment.id,
        comment_id=comment.id,
        sitting_id=sitting.id,
        poll_id=poll.id,
        proxy_id=proxy.id,
    )


def make_persona(db: Session, settings: Settings, name: str) -> Member | None:
    persona = PERSONAS[name]
    if persona.roles is None:
        return None
    member = make_member(db, settings, "visitor", list(persona.roles), totp=persona.totp)
    if persona.started_totp:
        member.totp_secret = pyotp.random_base32()
        db.commit()
    return member


def log_in_browser(client: TestClient, member: Member, persona: Persona) -> None:
    if persona.code_pending:
        response = post_form(
            client, "/login", "/login", {"username": member.username, "password": PASSWORD}
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login/totp")
    else:
        login(client, member)


def disable(client: TestClient, world: World, member: Member) -> None:
    """The admin disables her through the API."""
    response = client.patch(
        f"/api/v1/members/{member.id}",
        json={"active": False},
        headers={"Authorization": f"Bearer {world.root_token}"},
    )
    assert response.status_code == 200, response.text


def fresh_csrf(client: TestClient) -> str:
    """A form token from the start page, keeping the session cookie the browser sent.

    A dead session's cookie is removed by the page; it is put back so that the request under
    test still carries it (and is refused for it, not for a missing cookie).
    """
    kept = client.cookies.get("session")
    token = csrf_token(client.get("/").text)
    if kept is not None and client.cookies.get("session") is None:
        client.cookies.set("session", kept)
    return token


def audit_count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def path_for(app: Starlette, name: str, world: World) -> str:
    params = {
        "token": world.invitation_token,
        "reset_token": world.reset_token,
        "member_id": world.subject.id,
        "invitation_id": world.revocable_id,
        "committee_id": world.committee_id,
        "amendment_id": world.amendment_id,
        "comment_id": world.comment_id,
        "sitting_id": world.sitting_id,
        "poll_id": world.poll_id,
        "proxy_id": world.proxy_id,
        "slug": SLUG,
        "key": "art-1",
    }
    route = next(r for r in app.routes if isinstance(r, Route) and r.name == name)
    wanted = {k: v for k, v in params.items() if k in route.param_convertors}
    return str(app.url_path_for(name, **wanted)) + QUERIES.get(name, "")


QUERIES = {
    "texts.compare": "?from=1&to=1",
    "texts.search": "?q=Union",
    "api.documents.compare": "?from=1&to=1",
    "api.documents.search": "?q=Union",
}


def next_code(member: Member | None) -> str:
    """A code not used yet (the next time step's), or six digits when she has no secret."""
    return current_code(member, 1) if member is not None and member.totp_secret else "000000"


def page_form(name: str, world: World, member: Member | None) -> dict[str, Any]:
    forms: dict[str, dict[str, Any]] = {
        "accounts.login": {"username": "spare", "password": PASSWORD, "next": "/"},
        "accounts.totp_login": {"otp": next_code(member), "next": "/"},
        "accounts.language": {"language": "en", "next": "/"},
        "accounts.accept": {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        "accounts.password": {
            "current": PASSWORD,
            "new": NEW_PASSWORD,
            "new_again": NEW_PASSWORD,
            "otp": next_code(member),
        },
        "accounts.reset": {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        "accounts.totp_confirm": {
            "otp": current_code(member) if member is not None and member.totp_secret else "0"
        },
        "admin.member_update": {"roles": ["member", "chair"], "active": "on"},
        "texts.edit": {
            "text_my": "ပြည်ထောင်စု",
            "text_en": "The Federal Union",
            "reason": "Spelling",
        },
        "amendments.propose": {
            "title": "The Federal Union",
            "op": "replace",
            "text_my": "ပြည်ထောင်စု",
            "text_en": "The Federal Union",
            "action": "save",
        },
        "comments.provision": {"body": "A comment"},
        "amendments.comment": {"body": "A comment"},
        "amendments.update": {"title": "Union", "c0_text_en": "The Union", "action": "save"},
        "amendments.recommend": {"recommendation": "adopt", "committee": str(world.committee_id)},
        "comments.hide": {"reason": "Off topic"},
        "admin.invitation_create": {
            "username": "newbie",
            "display_name": "Newbie",
            "roles": ["member"],
        },
        "admin.committee_create": {
            "name": "Drafting B",
            "members": [str(world.subject.id)],
            "provisions": "art-2",
        },
        "votes.sitting_create": {"title": "Another sitting", "quorum": "50"},
        "votes.proxy_request": {"holder": str(world.spare.id)},
        "votes.poll_create": {"kind": "motion", "motion_en": "Adopt the draft."},
        "votes.poll_move": {"direction": "up"},
        "votes.vote": {"choice": "yes"},
        "admin.committee_update": {
            "name": "Drafting A",
            "members": [str(world.subject.id), str(world.spare.id)],
            "provisions": "art-1 art-3",
        },
    }
    return forms.get(name, {})


def api_body(name: str, world: World, member: Member | None) -> Any:
    bodies: dict[str, Any] = {
        "api.tokens.create": {"username": "spare", "password": PASSWORD},
        "api.me.totp_confirm": {
            "otp": current_code(member) if member is not None and member.totp_secret else "0"
        },
        "api.invitations.create": {
            "username": "newbie",
            "display_name": "Newbie",
            "roles": ["member"],
        },
        "api.invitations.accept": {"token": world.invitation_token, "password": NEW_PASSWORD},
        "api.me.password": {"current": PASSWORD, "new": NEW_PASSWORD, "otp": next_code(member)},
        "api.resets.accept": {"token": world.reset_token, "password": NEW_PASSWORD},
        "api.members.update": {"roles": ["member", "chair"]},
        "api.committees.create": {
            "name": "Drafting B",
            "members": [world.subject.id],
            "provisions": ["art-2"],
        },
        "api.documents.create": document_body("second-draft"),
        "api.revisions.create": {
            "reason": "Spelling",
            "changes": [{"op": "replace", "key": "art-1", "text": {"en": "The Federal Union"}}],
        },
        "api.amendments.create": {
            "title": "The Federal Union",
            "changes": [{"op": "replace", "key": "art-1", "text": {"en": "The Federal Union"}}],
        },
        "api.amendments.update": {
            "changes": [{"op": "replace", "key": "art-1", "text": {"en": "The Union"}}]
        },
        "api.amendments.recommendation": {"recommendation": "adopt", "note": ""},
        "api.comments.create": {"body": "A comment"},
        "api.comments.hide": {"reason": "Off topic"},
        "api.inbox.read": {},
        "api.sittings.create": {"title": "Another sitting"},
        "api.proxies.create": {"holder": world.spare.id},
        "api.polls.create": {"motion": {"en": "Adopt the draft."}},
        "api.polls.move": {"position": 1},
        "api.polls.vote": {"choice": "yes"},
    }
    return bodies.get(name)


# ---- the tests --------------------------------------------------------------------------


def test_the_table_names_every_route() -> None:
    routes = [*PAGE_ROUTES, *API_ROUTES]
    names = [r.name for r in routes]
    assert len(names) == len(set(names)), "two routes share a name"
    assert set(ROUTES) == set(names)
    assert set(OK) == set(names)
    for route in routes:
        method, path, _access = ROUTES[route.name]
        assert route.path == path, route.name
        assert (route.methods or set()) - {"HEAD"} == {method}, route.name


def test_every_persona_and_outcome_is_exercised() -> None:
    """The matrix is not vacuous: each kind of refusal and each persona occurs."""
    page = {expected_page(n, p) for n in PAGE_NAMES for p in PERSONAS}
    api = {expected_api(n, p, cookie=False) for n in API_NAMES for p in BEARER_PERSONAS}
    assert {(o.status, o.location) for o in page if o.refused} == {
        (303, "/login?next="),
        (303, "/login"),
        (303, "/login/totp"),
        (303, "/account/totp"),
        (403, None),
    }
    assert {(o.status, o.code) for o in api if o.refused} == {
        (401, "not_authenticated"),
        (401, "invalid_token"),
        (403, "totp_required"),
        (403, "forbidden"),
    }


@contextmanager
def rolled_back(connection: Connection, db: Session) -> Iterator[None]:
    """Whatever happens inside is undone, so each visitor meets the same world."""
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        db.rollback()
        if savepoint.is_active:
            savepoint.rollback()
        db.expire_all()


def prepare_browser(
    client: TestClient, db: Session, settings: Settings, world: World, persona_name: str
) -> Member | None:
    persona = PERSONAS[persona_name]
    client.cookies.clear()
    member = make_persona(db, settings, persona_name)
    if member is not None:
        log_in_browser(client, member, persona)
    if persona.disabled:
        assert member is not None
        disable(client, world, member)
    return member


def check_page(
    app: Starlette,
    client: TestClient,
    db: Session,
    settings: Settings,
    world: World,
    name: str,
    persona_name: str,
) -> str | None:
    """None when the visitor got what the table says; else what went wrong."""
    if name not in ROUTES:
        return f"{name} is not in ROUTES: add it with its access level"
    member = prepare_browser(client, db, settings, world, persona_name)
    method, _path, _access = ROUTES[name]
    url = path_for(app, name, world)
    expected = expected_page(name, persona_name)
    if method == GET:
        before = audit_count(db)
        response = client.get(url)
    else:
        data = {"csrf_token": fresh_csrf(client), **page_form(name, world, member)}
        before = audit_count(db)
        response = client.post(url, data=data)

    problems = []
    if response.status_code != expected.status:
        problems.append(f"status {response.status_code}, expected {expected.status}")
    location = response.headers.get("location", "")
    if expected.location is not None and not location.startswith(expected.location):
        problems.append(f"location {location!r}, expected {expected.location!r}")
    if expected.location == "/login?next=" and location != f"/login?next={quote(url, safe='/')}":
        problems.append(f"location {location!r} does not lead back to {url!r}")
    if expected.refused and audit_count(db) != before:
        problems.append("a refused request wrote to the audit log")
    # A refusal by role says so; one by the object (not her amendment) gives its reason.
    says_why = "not allowed" in response.text or (
        not expected.refused and 'role="alert"' in response.text
    )
    if response.status_code == 403 and not says_why:
        problems.append("the 403 page does not say why")
    return f"{persona_name}: {'; '.join(problems)}" if problems else None


def check_api(
    app: Starlette,
    client: TestClient,
    db: Session,
    world: World,
    name: str,
    persona_name: str,
    member: Member | None,
    headers: dict[str, str],
    *,
    cookie: bool,
) -> str | None:
    if name not in ROUTES:
        return f"{name} is not in ROUTES: add it with its access level"
    method, _path, _access = ROUTES[name]
    url = path_for(app, name, world)
    expected = expected_api(name, persona_name, cookie=cookie)
    body = api_body(name, world, member)
    before = audit_count(db)

    response = fetch(client, method, url, json=body, headers=headers)  # a stream too

    problems = []
    if response.status_code != expected.status:
        problems.append(f"status {response.status_code}, expected {expected.status}")
    if response.status_code >= 400:
        error = response.json().get("error", {})
        if not {"code", "message"} <= set(error):
            problems.append(f"error body {response.text!r}")
        elif expected.code is not None and error["code"] != expected.code:
            problems.append(f"code {error['code']!r}, expected {expected.code!r}")
    if expected.refused and audit_count(db) != before:
        problems.append("a refused request wrote to the audit log")
    if problems:
        problems.append(response.text[:300])
    return f"{persona_name}: {'; '.join(problems)}" if problems else None


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_access(
    name: str,
    app: Starlette,
    client: TestClient,
    connection: Connection,
    db: Session,
    settings: Settings,
    world: World,
) -> None:
    failures = []
    for persona_name in PERSONAS:
        with rolled_back(connection, db):
            failures.append(check_page(app, client, db, settings, world, name, persona_name))
    assert [f for f in failures if f] == []


@pytest.mark.parametrize("name", API_NAMES)
def test_api_access_with_a_bearer_token(
    name: str,
    app: Starlette,
    client: TestClient,
    connection: Connection,
    db: Session,
    settings: Settings,
    world: World,
) -> None:
    failures = []
    for persona_name in BEARER_PERSONAS:
        with rolled_back(connection, db):
            client.cookies.clear()
            member = make_persona(db, settings, persona_name)
            headers: dict[str, str] = {}
            if member is not None:
                token = sessions.issue_token(db, settings, member)
                db.commit()
                headers["Authorization"] = f"Bearer {token}"
            if PERSONAS[persona_name].disabled:
                assert member is not None
                disable(client, world, member)
            failures.append(
                check_api(app, client, db, world, name, persona_name, member, headers, cookie=False)
            )
    assert [f for f in failures if f] == []


@pytest.mark.parametrize("name", API_NAMES)
def test_api_access_with_the_session_cookie(
    name: str,
    app: Starlette,
    client: TestClient,
    connection: Connection,
    db: Session,
    settings: Settings,
    world: World,
) -> None:
    failures = []
    for persona_name in PERSONAS:
        with rolled_back(connection, db):
            member = prepare_browser(client, db, settings, world, persona_name)
            headers = {"X-CSRF-Token": fresh_csrf(client)}
            failures.append(
                check_api(app, client, db, world, name, persona_name, member, headers, cookie=True)
            )
    assert [f for f in failures if f] == []


def test_chair_without_totp_is_refused_the_member_list(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """The contract's own example, spelled out."""
    make_member(db, settings, "khin", ["member", "chair"], totp=False)
    created = client.post("/api/v1/tokens", json={"username": "khin", "password": PASSWORD})
    assert created.status_code == 201
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    response = client.get("/api/v1/members", headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "totp_required"
    assert client.get("/api/v1/me", headers=headers).status_code == 200
