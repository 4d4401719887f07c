"""Admin pages: members, invitations and committees."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution.accounts import committees, password_changes, services
from constitution.accounts.models import LANGUAGES, ROLES, Member
from constitution.accounts.web import current_member
from constitution.db import utcnow
from constitution.errors import N_, DomainError, NotFound
from constitution.web.framework import Ctx
from constitution.web.params import parse_id
from constitution.web.render import render


def _path_int(ctx: Ctx, name: str) -> int:
    value = ctx.request.path_params[name]
    if not isinstance(value, int):
        raise NotFound(N_("Not found."))
    return value


def invitation_url(ctx: Ctx, token: str) -> str:
    base = ctx.settings.base_url or str(ctx.request.base_url)
    return base.rstrip("/") + ctx.url("accounts.accept_form", token=token)


def reset_url(ctx: Ctx, token: str) -> str:
    base = ctx.settings.base_url or str(ctx.request.base_url)
    return base.rstrip("/") + ctx.url("accounts.reset_form", reset_token=token)


def members(ctx: Ctx) -> Response:
    return render(ctx, "admin/members.html", {"members": services.list_members(ctx.db)})


def member_form(ctx: Ctx) -> Response:
    member = services.get_member(ctx.db, _path_int(ctx, "member_id"))
    return render(ctx, "admin/member.html", {"subject": member, "roles": ROLES, "error": None})


def member_update(ctx: Ctx) -> Response:
    subject = services.get_member(ctx.db, _path_int(ctx, "member_id"))
    roles = ctx.form_lists.get("roles", [])
    active = ctx.form.get("active") == "on"
    try:
        services.update_member(ctx.db, current_member(ctx), subject, active=active, roles=roles)
    except DomainError as error:
        ctx.start_over()
        subject = services.get_member(ctx.db, subject.id)
        return render(
            ctx,
            "admin/member.html",
            {"subject": subject, "roles": ROLES, "error": ctx._(error.message)},
            status=error.status,
        )
    return ctx.redirect(ctx.url("admin.member", member_id=subject.id), N_("The member was saved."))


def member_end_sessions(ctx: Ctx) -> Response:
    subject = services.get_member(ctx.db, _path_int(ctx, "member_id"))
    services.end_sessions_of(ctx.db, current_member(ctx), subject)
    if subject.id == current_member(ctx).id:
        return ctx.redirect(ctx.url("accounts.login_form"), N_("All your sessions have ended."))
    return ctx.redirect(
        ctx.url("admin.member", member_id=subject.id), N_("Her sessions have ended.")
    )


def member_reset(ctx: Ctx) -> Response:
    """A single-use link with which she sets a new password, shown once on this answer."""
    subject = services.get_member(ctx.db, _path_int(ctx, "member_id"))
    issued = password_changes.issue_reset(ctx.db, ctx.settings, current_member(ctx), subject)
    return render(
        ctx,
        "admin/reset_created.html",
        {"subject": subject, "url": reset_url(ctx, issued.token), "expires_at": issued.expires_at},
        status=201,
    )


def member_reset_totp(ctx: Ctx) -> Response:
    subject = services.get_member(ctx.db, _path_int(ctx, "member_id"))
    services.reset_totp(ctx.db, current_member(ctx), subject)
    if subject.id == current_member(ctx).id:
        return ctx.redirect(
            ctx.url("accounts.login_form"), N_("Your second factor was reset. Log in again.")
        )
    return ctx.redirect(
        ctx.url("admin.member", member_id=subject.id),
        N_("Her second factor was reset; her sessions have ended."),
    )


def _invitations_context(ctx: Ctx, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "invitations": services.list_invitations(ctx.db),
        "roles": ROLES,
        "error": None,
        "field": None,
        "values": dict.fromkeys(("username", "display_name", *services.GROUP_FIELDS), ""),
        "now": utcnow(),
    }
    context.update(extra)
    return context


def invitations(ctx: Ctx) -> Response:
    return render(ctx, "admin/invitations.html", _invitations_context(ctx))


def invitation_create(ctx: Ctx) -> Response:
    values = {k: ctx.form.get(k, "") for k in ("username", "display_name", *services.GROUP_FIELDS)}
    try:
        issued = services.invite(
            ctx.db,
            ctx.settings,
            current_member(ctx),
            username=values["username"],
            display_name=values["display_name"],
            roles=ctx.form_lists.get("roles", []),
            groups={k: values[k] for k in services.GROUP_FIELDS},
        )
    except DomainError as error:
        return render(
            ctx,
            "admin/invitations.html",
            _invitations_context(ctx, error=ctx._(error.message), field=error.field, values=values),
            status=error.status,
        )
    # The link is shown once, on this response only; it is not stored anywhere.
    return render(
        ctx,
        "admin/invitation_created.html",
        {"invitation": issued.invitation, "url": invitation_url(ctx, issued.token)},
        status=201,
    )


def invitation_revoke(ctx: Ctx) -> Response:
    services.revoke_invitation(ctx.db, current_member(ctx), _path_int(ctx, "invitation_id"))
    return ctx.redirect(ctx.url("admin.invitations"), N_("The invitation was revoked."))


def _committee_context(
    ctx: Ctx, committee: Any, error: str | None = None, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    all_members: list[Member] = services.list_members(ctx.db)
    if values is None:
        values = {
            "name": committee.name if committee else "",
            "names": dict(committee.names or {}) if committee else {},
            "members": {m.member_id for m in committee.members} if committee else set(),
            "provisions": " ".join(p.key for p in committee.provisions) if committee else "",
        }
    return {"committee": committee, "all_members": all_members, "error": error, "values": values}


def committee_list(ctx: Ctx) -> Response:
    return render(
        ctx,
        "admin/committees.html",
        {
            "committees": committees.list_committees(ctx.db, ctx.lang),
            **_committee_context(ctx, None),
        },
    )


def committee_form(ctx: Ctx) -> Response:
    committee = committees.get_committee(ctx.db, _path_int(ctx, "committee_id"))
    return render(ctx, "admin/committee.html", _committee_context(ctx, committee))


def _committee_values(ctx: Ctx) -> dict[str, Any]:
    # A number too long for any row is left out (the service would find nobody anyway).
    parsed = (parse_id(raw, max_digits=18) for raw in ctx.form_lists.get("members", []))
    ids = {member_id for member_id in parsed if member_id is not None}
    return {
        "name": ctx.form.get("name", ""),
        "names": {lang: ctx.form.get(f"name_{lang}", "") for lang in LANGUAGES},
        "members": ids,
        "provisions": ctx.form.get("provisions", ""),
    }


def committee_save(ctx: Ctx) -> Response:
    committee = None
    if "committee_id" in ctx.request.path_params:
        committee = committees.get_committee(ctx.db, _path_int(ctx, "committee_id"))
    values = _committee_values(ctx)
    try:
        saved = committees.save_committee(
            ctx.db,
            current_member(ctx),
            name=values["name"],
            names=values["names"],
            members=sorted(values["members"]),
            provisions=values["provisions"].replace(",", " ").split(),
            committee=committee,
        )
    except DomainError as error:
        ctx.start_over()
        if committee is not None:
            committee = committees.get_committee(ctx.db, committee.id)
        template = "admin/committee.html" if committee else "admin/committees.html"
        context = _committee_context(ctx, committee, ctx._(error.message), values)
        if committee is None:
            context["committees"] = committees.list_committees(ctx.db, ctx.lang)
        return render(ctx, template, context, status=error.status)
    return ctx.redirect(
        ctx.url("admin.committee", committee_id=saved.id), N_("The committee was saved.")
    )
