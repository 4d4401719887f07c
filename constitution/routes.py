"""Every URL of the platform, in one table. Names are ``domain.action``.

Pages pass through the accounts' ``BrowserGate``, the API through ``ApiGate`` (bearer
token or session, JSON bodies)."""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from constitution.accounts import admin_views, views
from constitution.accounts.web import BrowserGate
from constitution.amendments.views import committees as committee_views
from constitution.amendments.views import detail as amendment_detail
from constitution.amendments.views import lists as amendment_lists
from constitution.amendments.views import propose as amendment_propose
from constitution.api import accounts as api_accounts
from constitution.api import amendments as api_amendments
from constitution.api import audit as api_audit
from constitution.api import openapi
from constitution.api import texts as api_texts
from constitution.api import votes as api_votes
from constitution.api.auth import ApiGate
from constitution.errors import DomainError
from constitution.inbox import views as inbox_views
from constitution.pages import comments as comment_pages
from constitution.pages import home as home_page
from constitution.pages import provision as provision_pages
from constitution.pages import reading
from constitution.texts import views as text_views
from constitution.votes.views import ballots as ballot_views
from constitution.votes.views import console as console_views
from constitution.votes.views import results as result_views
from constitution.votes.views import sittings as sitting_views
from constitution.web.errors import plain_error, render_page_error
from constitution.web.framework import (
    Access,
    Ctx,
    ErrorRenderer,
    RequestPool,
    ViewFn,
    api_error,
    make_endpoint,
)
from constitution.web.live import ChannelOf, make_stream_endpoint
from constitution.web.page_cache import cached
from constitution.web.render import STATIC_DIR
from constitution.web.static import HashedStaticFiles

A = Access


class IdConvertor(IntegerConvertor):
    """A row id in a path: at most 9 digits, so it fits an INTEGER column on every engine
    (a longer number is a 404, not an overflow or a 500 in ``int()``)."""

    regex = "[0-9]{1,9}"


# Every ``{name:int}`` below is a row id; registered before the table is built.
register_url_convertor("int", IdConvertor())

BROWSER_GATE = BrowserGate()
# Logins check a password (argon2: tens of MiB and a good part of a second each) before
# they take the write lock; at most two at a time per worker, a few more waiting, and a
# flood beyond that is answered 503 at once (accounts.sessions.authenticate).
LOGINS = RequestPool(2, queue=6, wait=3.0)
API_GATE = ApiGate()


def page(
    path: str,
    view: ViewFn,
    name: str,
    access: Access,
    methods: tuple[str, ...] = ("GET",),
    *,
    phased: bool = False,
    pool: RequestPool | None = None,
    render_error: ErrorRenderer = render_page_error,
) -> Route:
    endpoint = make_endpoint(
        view,
        access=access,
        phased=phased,
        pool=pool,
        gate=BROWSER_GATE,
        render_error=render_error,
        plain_error=plain_error,
    )
    return Route(path, endpoint, name=name, methods=list(methods))


def api(
    path: str,
    view: ViewFn,
    name: str,
    access: Access,
    methods: tuple[str, ...] = ("GET",),
    *,
    phased: bool = False,
    pool: RequestPool | None = None,
) -> Route:
    endpoint = make_endpoint(
        view,
        access=access,
        phased=phased,
        pool=pool,
        gate=API_GATE,
        render_error=_api_error,
        plain_error=plain_error,
        parse_body=API_GATE.parse_body,
    )
    return Route("/api/v1" + path, endpoint, name=name, methods=list(methods))


def stream(path: str, channel_of: ChannelOf, name: str, access: Access) -> Route:
    """A live event stream of the API (``constitution.web.live``): authenticated as the API
    is, then streamed outside the credential's lane."""
    endpoint = make_stream_endpoint(
        channel_of, access=access, gate=API_GATE, render_error=_api_error, plain_error=plain_error
    )
    return Route("/api/v1" + path, endpoint, name=name, methods=["GET"])


def _api_error(_ctx: Ctx, error: DomainError) -> Response:
    return api_error(error)


POST = ("POST",)

# The voting pages: sittings, the chair's console, ballots, results, her voting record.
VOTE_PAGES: list[Route] = [
    page("/sittings", sitting_views.sitting_list, "votes.sittings", A.MEMBER),
    page("/sittings", sitting_views.sitting_create, "votes.sitting_create", A.MEMBER, POST),
    page("/sittings/{sitting_id:int}", sitting_views.sitting_detail, "votes.sitting", A.MEMBER),
    page(
        "/sittings/{sitting_id:int}/check-in",
        sitting_views.check_in,
        "votes.check_in",
        A.MEMBER,
        POST,
    ),
    page(
        "/sittings/{sitting_id:int}/check-out",
        sitting_views.check_out,
        "votes.check_out",
        A.MEMBER,
        POST,
    ),
    page(
        "/sittings/{sitting_id:int}/proxy",
        sitting_views.proxy_request,
        "votes.proxy_request",
        A.MEMBER,
        POST,
    ),
    page(
        "/proxies/{proxy_id:int}/revoke",
        sitting_views.proxy_revoke,
        "votes.proxy_revoke",
        A.MEMBER,
        POST,
    ),
    page("/sittings/{sitting_id:int}/console", console_views.console, "votes.console", A.CHAIR),
    page(
        "/sittings/{sitting_id:int}/open",
        console_views.sitting_open,
        "votes.sitting_open",
        A.MEMBER,
        POST,
    ),
    page(
        "/sittings/{sitting_id:int}/close",
        console_views.sitting_close,
        "votes.sitting_close",
        A.MEMBER,
        POST,
    ),
    page(
        "/sittings/{sitting_id:int}/polls",
        console_views.poll_create,
        "votes.poll_create",
        A.MEMBER,
        POST,
    ),
    page(
        "/polls/{poll_id:int}/remove",
        console_views.poll_remove,
        "votes.poll_remove",
        A.MEMBER,
        POST,
    ),
    page("/polls/{poll_id:int}/move", console_views.poll_move, "votes.poll_move", A.MEMBER, POST),
    page("/polls/{poll_id:int}/open", console_views.poll_open, "votes.poll_open", A.MEMBER, POST),
    page(
        "/polls/{poll_id:int}/close", console_views.poll_close, "votes.poll_close", A.MEMBER, POST
    ),
    page(
        "/proxies/{proxy_id:int}/approve",
        console_views.proxy_approve,
        "votes.proxy_approve",
        A.MEMBER,
        POST,
    ),
    page(
        "/proxies/{proxy_id:int}/refuse",
        console_views.proxy_refuse,
        "votes.proxy_refuse",
        A.MEMBER,
        POST,
    ),
    page("/polls/{poll_id:int}", ballot_views.poll_detail, "votes.poll", A.MEMBER),
    # A vote sent again after it was counted answers with her vote, not an error page.
    page(
        "/polls/{poll_id:int}/vote",
        ballot_views.vote,
        "votes.vote",
        A.MEMBER,
        POST,
        render_error=ballot_views.vote_error,
    ),
    page("/polls/{poll_id:int}/voted", ballot_views.voted, "votes.voted", A.MEMBER),
    page("/account/votes", result_views.my_votes, "votes.my_votes", A.MEMBER),
]

PAGE_ROUTES: list[Route] = [
    page("/", home_page.home, "home", A.PUBLIC),
    page("/login", views.login_form, "accounts.login_form", A.PUBLIC),
    page("/login", views.login, "accounts.login", A.PUBLIC, POST, phased=True, pool=LOGINS),
    page("/login/totp", views.totp_login_form, "accounts.totp_login_form", A.PUBLIC),
    page("/login/totp", views.totp_login, "accounts.totp_login", A.PUBLIC, POST),
    page("/logout", views.logout, "accounts.logout", A.PUBLIC, POST),
    page(
        "/logout/everywhere", views.logout_everywhere, "accounts.logout_everywhere", A.PARTIAL, POST
    ),
    page("/language", views.set_language, "accounts.language", A.PUBLIC, POST),
    page("/invitations/{token}", views.accept_form, "accounts.accept_form", A.PUBLIC),
    page("/invitations/{token}", views.accept, "accounts.accept", A.PUBLIC, POST),
    page("/account", views.account, "accounts.account", A.MEMBER),
    page("/account/password", views.password_form, "accounts.password_form", A.MEMBER),
    page(
        "/account/password",
        views.password_change,
        "accounts.password",
        A.MEMBER,
        POST,
        phased=True,
        pool=LOGINS,
    ),
    page("/resets/{reset_token}", views.reset_form, "accounts.reset_form", A.PUBLIC),
    page(
        "/resets/{reset_token}",
        views.reset_accept,
        "accounts.reset",
        A.PUBLIC,
        POST,
        phased=True,
        pool=LOGINS,
    ),
    page("/account/totp", views.totp_setup_form, "accounts.totp_form", A.PARTIAL),
    page("/account/totp/start", views.totp_start, "accounts.totp_start", A.PARTIAL, POST),
    page("/account/totp/confirm", views.totp_confirm, "accounts.totp_confirm", A.PARTIAL, POST),
    # The reading pages are kept, rendered, per browser session until the text, its
    # amendments or comments change (web.page_cache).
    page("/documents", cached(text_views.documents), "texts.documents", A.MEMBER),
    page("/documents/{slug}", cached(text_views.contents), "texts.contents", A.MEMBER),
    page("/documents/{slug}/read", cached(reading.read), "texts.read", A.MEMBER),
    page("/documents/{slug}/read/{key}", cached(reading.read_unit), "texts.read_unit", A.MEMBER),
    page(
        "/documents/{slug}/p/{key}", cached(provision_pages.provision), "texts.provision", A.MEMBER
    ),
    page("/documents/{slug}/p/{key}/edit", text_views.edit_form, "texts.edit_form", A.EDITOR),
    page(
        "/documents/{slug}/p/{key}/edit",
        text_views.edit,
        "texts.edit",
        A.EDITOR,
        POST,
        phased=True,
    ),
    page("/documents/{slug}/revisions", text_views.revision_list, "texts.revisions", A.MEMBER),
    page("/documents/{slug}/compare", text_views.compare_page, "texts.compare", A.MEMBER),
    page("/documents/{slug}/search", text_views.search_page, "texts.search", A.MEMBER),
    page("/amendments", amendment_lists.index, "amendments.index", A.MEMBER),
    page(
        "/documents/{slug}/amendments",
        amendment_lists.amendment_list,
        "amendments.list",
        A.MEMBER,
    ),
    page(
        "/documents/{slug}/p/{key}/amend",
        amendment_propose.propose_form,
        "amendments.propose_form",
        A.MEMBER,
    ),
    page(
        "/documents/{slug}/p/{key}/amend",
        amendment_propose.propose,
        "amendments.propose",
        A.MEMBER,
        POST,
        phased=True,
    ),
    page(
        "/documents/{slug}/p/{key}/comments",
        provision_pages.provision_comment,
        "comments.provision",
        A.MEMBER,
        POST,
    ),
    page("/amendments/{amendment_id:int}", amendment_detail.detail, "amendments.detail", A.MEMBER),
    page(
        "/amendments/{amendment_id:int}/update",
        amendment_propose.update,
        "amendments.update",
        A.MEMBER,
        POST,
        phased=True,
    ),
    page(
        "/amendments/{amendment_id:int}/sponsor",
        amendment_detail.sponsor,
        "amendments.sponsor",
        A.MEMBER,
        POST,
    ),
    page(
        "/amendments/{amendment_id:int}/submit",
        amendment_detail.submit,
        "amendments.submit",
        A.MEMBER,
        POST,
    ),
    page(
        "/amendments/{amendment_id:int}/withdraw",
        amendment_detail.withdraw,
        "amendments.withdraw",
        A.MEMBER,
        POST,
    ),
    page(
        "/amendments/{amendment_id:int}/recommendation",
        committee_views.recommend,
        "amendments.recommend",
        A.MEMBER,
        POST,
    ),
    page(
        "/amendments/{amendment_id:int}/comments",
        amendment_detail.comment,
        "amendments.comment",
        A.MEMBER,
        POST,
    ),
    page(
        "/comments/{comment_id:int}/hide",
        comment_pages.hide_comment,
        "comments.hide",
        A.MEMBER,
        POST,
    ),
    page("/committees", committee_views.committee_list, "amendments.committees", A.MEMBER),
    page(
        "/committees/{committee_id:int}",
        committee_views.committee_page,
        "amendments.committee",
        A.MEMBER,
    ),
    page("/inbox", inbox_views.inbox, "inbox.index", A.MEMBER),
    page("/inbox/read", inbox_views.inbox_read, "inbox.read", A.MEMBER, POST),
    page("/admin/members", admin_views.members, "admin.members", A.ADMIN),
    page("/admin/members/{member_id:int}", admin_views.member_form, "admin.member", A.ADMIN),
    page(
        "/admin/members/{member_id:int}",
        admin_views.member_update,
        "admin.member_update",
        A.ADMIN,
        POST,
    ),
    page(
        "/admin/members/{member_id:int}/sessions/end",
        admin_views.member_end_sessions,
        "admin.member_sessions_end",
        A.ADMIN,
        POST,
    ),
    page(
        "/admin/members/{member_id:int}/totp/reset",
        admin_views.member_reset_totp,
        "admin.member_totp_reset",
        A.ADMIN,
        POST,
    ),
    page(
        "/admin/members/{member_id:int}/reset",
        admin_views.member_reset,
        "admin.member_reset",
        A.ADMIN,
        POST,
    ),
    page("/admin/invitations", admin_views.invitations, "admin.invitations", A.ADMIN),
    page(
        "/admin/invitations",
        admin_views.invitation_create,
        "admin.invitation_create",
        A.ADMIN,
        POST,
    ),
    page(
        "/admin/invitations/{invitation_id:int}/revoke",
        admin_views.invitation_revoke,
        "admin.invitation_revoke",
        A.ADMIN,
        POST,
    ),
    page("/admin/committees", admin_views.committee_list, "admin.committees", A.ADMIN),
    page("/admin/committees", admin_views.committee_save, "admin.committee_create", A.ADMIN, POST),
    page(
        "/admin/committees/{committee_id:int}",
        admin_views.committee_form,
        "admin.committee",
        A.ADMIN,
    ),
    page(
        "/admin/committees/{committee_id:int}",
        admin_views.committee_save,
        "admin.committee_update",
        A.ADMIN,
        POST,
    ),
    *VOTE_PAGES,
]

# API.md Voting: sittings, attendance, proxies, the agenda, polls, votes, records.
VOTE_ROUTES: list[Route] = [
    api("/sittings", api_votes.sitting_list, "api.sittings.list", A.MEMBER),
    api("/sittings", api_votes.sitting_create, "api.sittings.create", A.MEMBER, POST),
    api("/sittings/{sitting_id:int}", api_votes.sitting_detail, "api.sittings.detail", A.MEMBER),
    stream(
        "/sittings/{sitting_id:int}/events",
        api_votes.sitting_events,
        "api.sittings.events",
        A.MEMBER,
    ),
    api(
        "/sittings/{sitting_id:int}/open",
        api_votes.sitting_open,
        "api.sittings.open",
        A.MEMBER,
        POST,
    ),
    api(
        "/sittings/{sitting_id:int}/close",
        api_votes.sitting_close,
        "api.sittings.close",
        A.MEMBER,
        POST,
    ),
    api(
        "/sittings/{sitting_id:int}/order",
        api_votes.sitting_order,
        "api.sittings.order",
        A.MEMBER,
        POST,
    ),
    api(
        "/sittings/{sitting_id:int}/attendance",
        api_votes.attendance_in,
        "api.sittings.check_in",
        A.MEMBER,
        POST,
    ),
    api(
        "/sittings/{sitting_id:int}/attendance",
        api_votes.attendance_out,
        "api.sittings.check_out",
        A.MEMBER,
        ("DELETE",),
    ),
    api("/sittings/{sitting_id:int}/proxies", api_votes.proxy_list, "api.proxies.list", A.MEMBER),
    api(
        "/sittings/{sitting_id:int}/proxies",
        api_votes.proxy_create,
        "api.proxies.create",
        A.MEMBER,
        POST,
    ),
    api(
        "/proxies/{proxy_id:int}/approve",
        api_votes.proxy_approve,
        "api.proxies.approve",
        A.MEMBER,
        POST,
    ),
    api(
        "/proxies/{proxy_id:int}/refuse",
        api_votes.proxy_refuse,
        "api.proxies.refuse",
        A.MEMBER,
        POST,
    ),
    api(
        "/proxies/{proxy_id:int}",
        api_votes.proxy_revoke,
        "api.proxies.revoke",
        A.MEMBER,
        ("DELETE",),
    ),
    api("/sittings/{sitting_id:int}/polls", api_votes.poll_list, "api.polls.list", A.MEMBER),
    api(
        "/sittings/{sitting_id:int}/polls",
        api_votes.poll_create,
        "api.polls.create",
        A.MEMBER,
        POST,
    ),
    api("/polls/{poll_id:int}", api_votes.poll_detail, "api.polls.detail", A.MEMBER),
    api("/polls/{poll_id:int}", api_votes.poll_delete, "api.polls.delete", A.MEMBER, ("DELETE",)),
    api("/polls/{poll_id:int}/position", api_votes.poll_move, "api.polls.move", A.MEMBER, POST),
    api("/polls/{poll_id:int}/open", api_votes.poll_open, "api.polls.open", A.MEMBER, POST),
    api("/polls/{poll_id:int}/close", api_votes.poll_close, "api.polls.close", A.MEMBER, POST),
    api("/polls/{poll_id:int}/votes", api_votes.vote, "api.polls.vote", A.MEMBER, POST),
    api("/polls/{poll_id:int}/votes/mine", api_votes.my_vote, "api.polls.my_vote", A.MEMBER),
    api("/polls/{poll_id:int}/record", api_votes.poll_record, "api.polls.record", A.MEMBER),
    api("/members/{member_id:int}/votes", api_votes.member_votes, "api.members.votes", A.MEMBER),
]


API_ROUTES: list[Route] = [
    api("/openapi.json", openapi.document, "api.openapi", A.PUBLIC),
    api(
        "/tokens",
        api_accounts.token_create,
        "api.tokens.create",
        A.PUBLIC,
        POST,
        phased=True,
        pool=LOGINS,
    ),
    api("/tokens/current", api_accounts.token_delete, "api.tokens.delete", A.PARTIAL, ("DELETE",)),
    api("/me", api_accounts.me, "api.me", A.PARTIAL),
    api("/me/totp", api_accounts.totp_create, "api.me.totp", A.PARTIAL, POST),
    api("/me/totp/confirm", api_accounts.totp_confirm, "api.me.totp_confirm", A.PARTIAL, POST),
    api(
        "/me/password",
        api_accounts.password_change,
        "api.me.password",
        A.MEMBER,
        POST,
        phased=True,
        pool=LOGINS,
    ),
    api("/invitations", api_accounts.invitation_create, "api.invitations.create", A.ADMIN, POST),
    api(
        "/invitations/accept",
        api_accounts.invitation_accept,
        "api.invitations.accept",
        A.PUBLIC,
        POST,
    ),
    api("/members", api_accounts.member_list, "api.members.list", A.MEMBER),
    api(
        "/members/{member_id:int}",
        api_accounts.member_update,
        "api.members.update",
        A.ADMIN,
        ("PATCH",),
    ),
    api(
        "/members/{member_id:int}/sessions/end",
        api_accounts.member_sessions_end,
        "api.members.sessions_end",
        A.ADMIN,
        POST,
    ),
    api(
        "/members/{member_id:int}/totp/reset",
        api_accounts.member_totp_reset,
        "api.members.totp_reset",
        A.ADMIN,
        POST,
    ),
    api(
        "/members/{member_id:int}/reset",
        api_accounts.member_reset,
        "api.members.reset",
        A.ADMIN,
        POST,
    ),
    api(
        "/resets/accept",
        api_accounts.reset_accept,
        "api.resets.accept",
        A.PUBLIC,
        POST,
        phased=True,
        pool=LOGINS,
    ),
    api("/committees", api_accounts.committee_list, "api.committees.list", A.MEMBER),
    api("/committees", api_accounts.committee_create, "api.committees.create", A.ADMIN, POST),
    api("/audit", api_accounts.audit_list, "api.audit.list", A.ADMIN),
    api("/audit/head", api_audit.audit_head, "api.audit.head", A.MEMBER),
    api("/public-key", api_audit.public_key, "api.public_key", A.MEMBER),
    api("/documents", api_texts.document_list, "api.documents.list", A.MEMBER),
    api("/documents", api_texts.document_create, "api.documents.create", A.EDITOR, POST),
    api("/documents/{slug}", api_texts.document_detail, "api.documents.detail", A.MEMBER),
    api("/documents/{slug}/revisions", api_texts.revision_list, "api.revisions.list", A.MEMBER),
    api(
        "/documents/{slug}/revisions",
        api_texts.revision_create,
        "api.revisions.create",
        A.EDITOR,
        POST,
        phased=True,
    ),
    api("/documents/{slug}/compare", api_texts.compare_view, "api.documents.compare", A.MEMBER),
    api("/documents/{slug}/search", api_texts.search_view, "api.documents.search", A.MEMBER),
    api(
        "/documents/{slug}/amendments",
        api_amendments.amendment_list,
        "api.amendments.list",
        A.MEMBER,
    ),
    api(
        "/documents/{slug}/amendments",
        api_amendments.amendment_create,
        "api.amendments.create",
        A.MEMBER,
        POST,
        phased=True,
    ),
    api(
        "/amendments/{amendment_id:int}",
        api_amendments.amendment_detail,
        "api.amendments.detail",
        A.MEMBER,
    ),
    api(
        "/amendments/{amendment_id:int}/changes",
        api_amendments.amendment_update,
        "api.amendments.update",
        A.MEMBER,
        POST,
        phased=True,
    ),
    api(
        "/amendments/{amendment_id:int}/sponsor",
        api_amendments.sponsor,
        "api.amendments.sponsor",
        A.MEMBER,
        POST,
    ),
    api(
        "/amendments/{amendment_id:int}/submit",
        api_amendments.submit,
        "api.amendments.submit",
        A.MEMBER,
        POST,
    ),
    api(
        "/amendments/{amendment_id:int}/withdraw",
        api_amendments.withdraw,
        "api.amendments.withdraw",
        A.MEMBER,
        POST,
    ),
    api(
        "/amendments/{amendment_id:int}/recommendation",
        api_amendments.recommendation,
        "api.amendments.recommendation",
        A.MEMBER,
        POST,
    ),
    api(
        "/amendments/{amendment_id:int}/comments",
        api_amendments.comment_list,
        "api.comments.list",
        A.MEMBER,
    ),
    api(
        "/amendments/{amendment_id:int}/comments",
        api_amendments.comment_create,
        "api.comments.create",
        A.MEMBER,
        POST,
    ),
    api(
        "/comments/{comment_id:int}/hide",
        api_amendments.comment_hide,
        "api.comments.hide",
        A.MEMBER,
        POST,
    ),
    api("/inbox", api_amendments.inbox, "api.inbox", A.MEMBER),
    api("/inbox/read", api_amendments.inbox_read, "api.inbox.read", A.MEMBER, POST),
    *VOTE_ROUTES,
]


def routes() -> list[BaseRoute]:
    return [
        *PAGE_ROUTES,
        *API_ROUTES,
        Mount("/static", app=HashedStaticFiles(directory=STATIC_DIR), name="static"),
    ]
