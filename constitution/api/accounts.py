"""API v1: tokens, the member herself, invitations, members, committees, audit."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution import myanmar
from constitution.accounts import committees, password_changes, permissions, services, sessions
from constitution.accounts.models import AuthSession, Committee, Invitation, Member
from constitution.accounts.web import current_member
from constitution.audit.services import format_time, list_events
from constitution.db import MAX_ID
from constitution.errors import N_, Invalid, NotFound
from constitution.web.framework import Ctx, json_response
from constitution.web.params import parse_id


def member_json(member: Member, viewer: Member | None = None) -> dict[str, Any]:
    """A member as ``viewer`` may see her: her login name, language and second-factor state
    only for herself and for admins (``viewer`` None: she is the one asking)."""
    if viewer is not None and viewer.id != member.id and not permissions.is_admin(viewer):
        return {
            "id": member.id,
            "display_name": member.display_name,
            "roles": list(member.roles),
            "groups": member.groups,
            "active": member.active,
        }
    return {
        "id": member.id,
        "username": member.username,
        "display_name": member.display_name,
        "roles": list(member.roles),
        "groups": member.groups,
        "active": member.active,
        "language": member.language,
        "totp_confirmed": member.totp_confirmed,
    }


def committee_json(committee: Committee) -> dict[str, Any]:
    return {
        "id": committee.id,
        "name": committee.name,
        "names": dict(committee.names or {}),
        "members": [m.member_id for m in committee.members],
        "provisions": [p.key for p in committee.provisions],
    }


def body_object(ctx: Ctx) -> dict[str, Any]:
    if not isinstance(ctx.body, dict):
        raise Invalid(
            N_("The request body must be a JSON object."), field="body", code="invalid_body"
        )
    return ctx.body


def zawgyi_notices(fields: dict[str, Any]) -> list[dict[str, str]]:
    """What arrived in Zawgyi (the services store it converted to Unicode), for the sender."""
    return [
        {"field": field, "code": "converted_from_zawgyi"}
        for field, value in fields.items()
        if isinstance(value, str) and myanmar.clean(value).converted_from_zawgyi
    ]


def _me(ctx: Ctx) -> Member:
    return current_member(ctx)


def token_create(ctx: Ctx) -> Response:
    body = body_object(ctx)
    device = body.get("device")
    member = sessions.authenticate(
        ctx.db, ctx.settings, body.get("username"), body.get("password"), device, ctx.begin_write
    )
    if member.totp_confirmed:
        if body.get("otp") is None:
            raise Invalid(
                N_("This account needs a code from its authenticator app."),
                field="otp",
                code="otp_required",
            )
        sessions.check_totp(ctx.db, ctx.settings, member, body.get("otp"))
    token = sessions.issue_token(ctx.db, ctx.settings, member)
    new_device = sessions.issue_device(ctx.db, ctx.settings, member, device)
    return json_response({"token": token, "member": member_json(member), "device": new_device}, 201)


def token_delete(ctx: Ctx) -> Response:
    if ctx.token is None:
        raise Invalid(N_("Only a bearer token can be deleted this way."), field="Authorization")
    sessions.revoke_token(ctx.db, ctx.token)
    return Response(status_code=204)


def me(ctx: Ctx) -> Response:
    return json_response(member_json(_me(ctx)))


def totp_create(ctx: Ctx) -> Response:
    secret, uri = sessions.totp_begin(ctx.db, _me(ctx))
    return json_response({"secret": secret, "otpauth_uri": uri}, 201)


def totp_confirm(ctx: Ctx) -> Response:
    body = body_object(ctx)
    sessions.totp_confirm(ctx.db, ctx.settings, _me(ctx), body.get("otp"))
    return json_response(member_json(_me(ctx)))


def password_change(ctx: Ctx) -> Response:
    body = body_object(ctx)
    session = ctx.session if isinstance(ctx.session, AuthSession) else None
    password_changes.change_password(
        ctx.db,
        ctx.settings,
        _me(ctx),
        current=body.get("current"),
        new=body.get("new"),
        otp=body.get("otp"),
        keep_session=session,
        keep_token=ctx.token,
        begin_write=ctx.begin_write,
    )
    return Response(status_code=204)


def member_reset(ctx: Ctx) -> Response:
    from constitution.accounts.admin_views import reset_url

    subject = services.get_member(ctx.db, ctx.request.path_params["member_id"])
    issued = password_changes.issue_reset(ctx.db, ctx.settings, _me(ctx), subject)
    return json_response(
        {
            "token": issued.token,
            "url": reset_url(ctx, issued.token),
            "expires_at": format_time(issued.expires_at),
        },
        201,
    )


def reset_accept(ctx: Ctx) -> Response:
    body = body_object(ctx)
    password_changes.accept_reset(
        ctx.db, ctx.settings, body.get("token"), body.get("password"), ctx.begin_write
    )
    return Response(status_code=204)


def invitation_create(ctx: Ctx) -> Response:
    body = body_object(ctx)
    issued = services.invite(
        ctx.db,
        ctx.settings,
        _me(ctx),
        username=body.get("username"),
        display_name=body.get("display_name"),
        roles=body.get("roles", ["member"]),
        groups=body.get("groups"),
    )
    from constitution.accounts.admin_views import invitation_url

    groups = body.get("groups")
    texts = {"display_name": body.get("display_name")}
    if isinstance(groups, dict):
        texts.update({f"groups.{key}": value for key, value in groups.items()})
    data = _invitation_json(issued.invitation, issued.token, invitation_url(ctx, issued.token))
    return json_response({**data, "notices": zawgyi_notices(texts)}, 201)


def _invitation_json(invitation: Invitation, token: str, url: str) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "token": token,
        "url": url,
        "expires_at": format_time(invitation.expires_at),
        "username": invitation.username,
    }


def invitation_accept(ctx: Ctx) -> Response:
    body = body_object(ctx)
    member = services.accept_invitation(
        ctx.db, ctx.settings, body.get("token"), body.get("password")
    )
    return json_response({"member": member_json(member)}, 201)


def member_list(ctx: Ctx) -> Response:
    viewer = _me(ctx)
    return json_response([member_json(m, viewer) for m in services.list_members(ctx.db)])


def member_update(ctx: Ctx) -> Response:
    body = body_object(ctx)
    member_id = ctx.request.path_params["member_id"]
    subject = services.get_member(ctx.db, member_id)
    active = body.get("active")
    if active is not None and not isinstance(active, bool):
        raise Invalid(N_("This field must be true or false."), field="active")
    unknown = set(body) - {"active", "roles"}
    if unknown:
        raise Invalid(N_("Unknown field."), field=sorted(unknown)[0])
    services.update_member(ctx.db, _me(ctx), subject, active=active, roles=body.get("roles"))
    return json_response(member_json(subject))


def member_sessions_end(ctx: Ctx) -> Response:
    subject = services.get_member(ctx.db, ctx.request.path_params["member_id"])
    services.end_sessions_of(ctx.db, _me(ctx), subject)
    return Response(status_code=204)


def member_totp_reset(ctx: Ctx) -> Response:
    subject = services.get_member(ctx.db, ctx.request.path_params["member_id"])
    services.reset_totp(ctx.db, _me(ctx), subject)
    return Response(status_code=204)


def committee_create(ctx: Ctx) -> Response:
    body = body_object(ctx)
    committee = committees.save_committee(
        ctx.db,
        _me(ctx),
        name=body.get("name"),
        names=body.get("names"),
        members=body.get("members", []),
        provisions=body.get("provisions", []),
    )
    names = committee.names or {}
    notices = zawgyi_notices(
        {"name": body.get("name"), **{f"names.{k}": body["names"][k] for k in names}}
    )
    return json_response({**committee_json(committee), "notices": notices}, 201)


def committee_list(ctx: Ctx) -> Response:
    return json_response([committee_json(c) for c in committees.list_committees(ctx.db)])


def audit_list(ctx: Ctx) -> Response:
    # A cursor: a number past every event (none is beyond MAX_ID) asks for none; it is
    # bound as MAX_ID, as the column (an INTEGER) takes no larger one.
    after = parse_id(ctx.request.query_params.get("after", "0"), max_digits=18, maximum=10**18)
    limit = parse_id(ctx.request.query_params.get("limit", "500"), max_digits=18, maximum=10**18)
    if after is None:
        raise Invalid(N_("This must be a whole number."), field="after")
    if limit is None or not 1 <= limit <= 5000:
        raise Invalid(N_("This must be a whole number from 1 to 5000."), field="limit")
    events = list_events(ctx.db, after=min(after, MAX_ID), limit=limit)
    return json_response(
        [
            {
                "seq": e.seq,
                "at": format_time(e.at),
                "actor": e.actor_id,
                "action": e.action,
                "object": e.object,
                "payload": e.payload,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in events
        ]
    )


def not_found(ctx: Ctx) -> Response:
    raise NotFound(N_("Not found."))
