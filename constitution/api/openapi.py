"""The OpenAPI 3.1 document of API v1, served at /api/v1/openapi.json.

A test checks that every API route is described here and every path here is routed.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.responses import Response

from constitution.api import openapi_amendments, openapi_live, openapi_texts, openapi_votes
from constitution.web.framework import Ctx, json_response

ROLE = {"type": "string", "enum": ["member", "chair", "secretariat", "admin", "observer"]}
GROUPS = {
    "type": "object",
    "properties": {
        k: {"type": "string", "maxLength": 100}
        for k in ("party", "state_region", "ethnicity", "chamber")
    },
    "additionalProperties": False,
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                },
            }
        },
    },
    "Member": {
        "type": "object",
        "description": "username, language and totp_confirmed are shown only to admins and "
        "to the member herself.",
        "required": ["id", "display_name", "roles", "groups", "active"],
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "display_name": {"type": "string"},
            "roles": {"type": "array", "items": ROLE},
            "groups": GROUPS,
            "active": {"type": "boolean"},
            "language": {"type": "string", "enum": ["my", "en"]},
            "totp_confirmed": {"type": "boolean"},
        },
    },
    "Notice": {
        "type": "object",
        "required": ["field", "code"],
        "properties": {
            "field": {"type": "string"},
            "code": {"type": "string", "enum": ["converted_from_zawgyi"]},
        },
    },
    "Committee": {
        "type": "object",
        "required": ["id", "name", "names", "members", "provisions"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "names": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Its name in each language that has one of its own; pages "
                "show it in their language, else name.",
            },
            "members": {"type": "array", "items": {"type": "integer"}},
            "provisions": {"type": "array", "items": {"type": "string"}},
            "notices": {
                "type": "array",
                "items": _ref("Notice"),
                "description": "Only in the response that created it: text converted.",
            },
        },
    },
    "AuditEvent": {
        "type": "object",
        "required": ["seq", "at", "actor", "action", "object", "payload", "prev_hash", "hash"],
        "properties": {
            "seq": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "actor": {"type": ["integer", "null"]},
            "action": {"type": "string"},
            "object": {"type": "string"},
            "payload": {"type": "object"},
            "prev_hash": {"type": "string"},
            "hash": {"type": "string"},
        },
    },
    "AuditHead": {
        "type": "object",
        "required": ["seq", "hash", "at", "signature", "public_key"],
        "properties": {
            "seq": {"type": "integer", "description": "The newest event's number (0: none)."},
            "hash": {"type": "string", "description": "Its hash, 64 hexadecimal digits."},
            "at": {"type": ["string", "null"], "format": "date-time"},
            "signature": {"type": "string", "description": "Ed25519 signature, base64."},
            "public_key": {"type": "string", "description": "The instance's key, base64."},
        },
    },
    "PublicKey": {
        "type": "object",
        "required": ["algorithm", "public_key"],
        "properties": {
            "algorithm": {"type": "string", "enum": ["ed25519"]},
            "public_key": {"type": "string", "description": "32 bytes, base64."},
        },
    },
}

HEAD_SIGNED = (
    "The signature is Ed25519, by the instance's key (the one `GET /api/v1/public-key` "
    "gives), over the UTF-8 bytes of the canonical JSON of the other three fields: an "
    'object with exactly the keys "at", "hash" and "seq", keys sorted, no spaces, for '
    'example `{"at":"2026-01-01T08:00:00.000000Z","hash":"<64 hex>","seq":42}` ("at" is '
    "null for an empty chain). Saved to a file, the answer is a checkpoint: "
    "`constitution verify --checkpoint FILE` fails when the chain no longer holds that "
    "event at that position with that hash."
)


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ok(status: str, schema: dict[str, Any] | None, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description}
    if schema is not None:
        response["content"] = {"application/json": {"schema": schema}}
    return {status: response}


BODY_ERRORS = ("400", "413", "422")


def _errors(*statuses: str) -> dict[str, Any]:
    return {
        s: {"description": "Error", "content": {"application/json": {"schema": _ref("Error")}}}
        for s in statuses
    }


def _op(
    summary: str,
    ok: dict[str, Any],
    errors: tuple[str, ...],
    *,
    body: Any = None,
    auth: bool = True,
    params: list[dict[str, Any]] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    statuses = set(errors)
    if body is not None:
        statuses.update(BODY_ERRORS)  # malformed JSON, body too large, invalid field
    if auth:
        statuses.add("401")
    responses = {**ok, **_errors(*sorted(statuses))}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if description is not None:
        operation["description"] = description
    if body is not None:
        operation["requestBody"] = _body(body)
    if not auth:
        operation["security"] = []
    if params:
        operation["parameters"] = params
    return operation


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


MEMBER_ID = {"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}}
STR = {"type": "string"}
AUTHED = ("401", "403")


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/openapi.json": {
            "get": _op(
                "This document.", _ok("200", {"type": "object"}, "The document."), (), auth=False
            )
        },
        "/api/v1/tokens": {
            "post": _op(
                "Log in: a bearer token for a username and password (and TOTP code).",
                _ok(
                    "201",
                    _obj(
                        ["token", "member", "device"],
                        token=STR,
                        member=_ref("Member"),
                        device={
                            "type": "string",
                            "description": "A device token: send it as `device` at the next "
                            "login, so that failed logins of others do not lock this client "
                            "out. Each login returns a new one.",
                        },
                    ),
                    "A new token.",
                ),
                ("400", "401", "413", "422", "429"),
                body=_obj(
                    ["username", "password"],
                    username=STR,
                    password=STR,
                    otp=STR,
                    device={"type": "string", "description": "The device token last returned."},
                ),
                auth=False,
            )
        },
        "/api/v1/tokens/current": {
            "delete": _op(
                "End the token used for this request.", _ok("204", None, "Ended."), ("401", "422")
            )
        },
        "/api/v1/me": {
            "get": _op("The member herself.", _ok("200", _ref("Member"), "The member."), ("401",))
        },
        "/api/v1/me/totp": {
            "post": _op(
                "Start setting up a second factor (TOTP, RFC 6238).",
                _ok(
                    "201",
                    _obj(["secret", "otpauth_uri"], secret=STR, otpauth_uri=STR),
                    "A new secret.",
                ),
                ("401", "409"),
            )
        },
        "/api/v1/me/totp/confirm": {
            "post": _op(
                "Confirm the second factor with a code.",
                _ok("200", _ref("Member"), "Confirmed."),
                ("400", "401", "409", "422"),
                body=_obj(["otp"], otp=STR),
            )
        },
        "/api/v1/me/password": {
            "post": _op(
                "Change her password with her current one (and a code when she has a second "
                "factor); every other session and token of hers ends; audited.",
                _ok("204", None, "Changed."),
                ("400", *AUTHED, "409", "422", "429"),
                body=_obj(["current", "new"], current=STR, new=STR, otp=STR),
            )
        },
        "/api/v1/invitations": {
            "post": _op(
                "Invite a member (admin).",
                _ok(
                    "201",
                    _obj(
                        ["token", "url", "expires_at"],
                        token=STR,
                        url=STR,
                        expires_at={"type": "string", "format": "date-time"},
                        id={"type": "integer"},
                        username=STR,
                        notices={"type": "array", "items": _ref("Notice")},
                    ),
                    "The invitation; the link is shown only here.",
                ),
                ("400", *AUTHED, "409", "422"),
                body=_obj(
                    ["username", "display_name"],
                    username=STR,
                    display_name=STR,
                    roles={"type": "array", "items": ROLE},
                    groups=GROUPS,
                ),
            )
        },
        "/api/v1/invitations/accept": {
            "post": _op(
                "Accept an invitation by choosing a password.",
                _ok("201", _obj(["member"], member=_ref("Member")), "The new member."),
                ("400", "409", "422"),
                body=_obj(["token", "password"], token=STR, password=STR),
                auth=False,
            )
        },
        "/api/v1/members": {
            "get": _op(
                "All members.",
                _ok("200", {"type": "array", "items": _ref("Member")}, "The members."),
                AUTHED,
            )
        },
        "/api/v1/members/{member_id}": {
            "patch": _op(
                "Change a member's roles or disable her (admin); disabling ends her sessions.",
                _ok("200", _ref("Member"), "The member."),
                ("400", *AUTHED, "404", "409", "422"),
                body={
                    "type": "object",
                    "properties": {
                        "active": {"type": "boolean"},
                        "roles": {"type": "array", "items": ROLE},
                    },
                    "additionalProperties": False,
                },
                params=[MEMBER_ID],
            )
        },
        "/api/v1/members/{member_id}/sessions/end": {
            "post": _op(
                "End every session and API token of a member (admin); audited.",
                _ok("204", None, "Ended."),
                (*AUTHED, "404"),
                params=[MEMBER_ID],
            )
        },
        "/api/v1/members/{member_id}/totp/reset": {
            "post": _op(
                "Reset a member's second factor (admin); her sessions and tokens end, and a "
                "role that needs one must set it up again before anything else; audited.",
                _ok("204", None, "Reset."),
                (*AUTHED, "404"),
                params=[MEMBER_ID],
            )
        },
        "/api/v1/members/{member_id}/reset": {
            "post": _op(
                "Issue a single-use, expiring link with which a member who lost her "
                "password sets a new one (admin); it voids any link issued before; audited.",
                _ok(
                    "201",
                    _obj(
                        ["token", "url", "expires_at"],
                        token=STR,
                        url=STR,
                        expires_at={"type": "string", "format": "date-time"},
                    ),
                    "The link; it is shown only here.",
                ),
                (*AUTHED, "404", "409"),
                params=[MEMBER_ID],
            )
        },
        "/api/v1/resets/accept": {
            "post": _op(
                "Set a new password with a reset link; all her sessions and tokens end.",
                _ok("204", None, "Set."),
                ("400", "409", "422"),
                body=_obj(["token", "password"], token=STR, password=STR),
                auth=False,
            )
        },
        "/api/v1/committees": {
            "get": _op(
                "All committees.",
                _ok("200", {"type": "array", "items": _ref("Committee")}, "The committees."),
                AUTHED,
            ),
            "post": _op(
                "Create a drafting committee (admin).",
                _ok("201", _ref("Committee"), "The committee."),
                ("400", *AUTHED, "409", "422"),
                body=_obj(
                    ["name"],
                    name=STR,
                    names={
                        "type": "object",
                        "additionalProperties": STR,
                        "description": "Optional: {language: name} for my and en.",
                    },
                    members={"type": "array", "items": {"type": "integer"}},
                    provisions={"type": "array", "items": STR},
                ),
            ),
        },
        "/api/v1/audit": {
            "get": _op(
                "Audit events after a sequence number (admin).",
                _ok("200", {"type": "array", "items": _ref("AuditEvent")}, "The events."),
                (*AUTHED, "422"),
                params=[
                    {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 5000},
                    },
                ],
            )
        },
        "/api/v1/audit/head": {
            "get": _op(
                "The audit chain's newest event, signed with the instance's key.",
                _ok("200", _ref("AuditHead"), "The signed head."),
                AUTHED,
                description=HEAD_SIGNED,
            )
        },
        "/api/v1/public-key": {
            "get": _op(
                "The instance's Ed25519 public key, which signs audit heads and poll records.",
                _ok("200", _ref("PublicKey"), "The public key."),
                AUTHED,
            )
        },
    }


@functools.cache
def spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Constitution drafting platform API",
            "version": "1",
            "description": 'JSON API v1. Errors: {"error": {"code", "message", '
            '"field"?}}. Times are ISO 8601 UTC with Z.',
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": {
                **SCHEMAS,
                **openapi_texts.SCHEMAS,
                **openapi_amendments.SCHEMAS,
                **openapi_votes.SCHEMAS,
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            **_paths(),
            **openapi_texts.paths(_op, _ok, _obj),
            **openapi_amendments.paths(_op, _ok, _obj),
            **openapi_live.paths(_op),
            **openapi_votes.paths(_op, _ok, _obj),
        },
    }


def document(ctx: Ctx) -> Response:
    return json_response(spec())
