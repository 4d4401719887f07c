"""API v1: the signed head of the audit chain and the instance's public key."""

from __future__ import annotations

from starlette.responses import Response

from constitution.audit.checkpoints import head_checkpoint
from constitution.audit.signing import ALGORITHM, b64, instance_key
from constitution.web.framework import Ctx, json_response


def audit_head(ctx: Ctx) -> Response:
    """The newest event, signed: saved, it is a checkpoint for ``constitution verify``."""
    return json_response(head_checkpoint(ctx.db, instance_key(ctx.settings)))


def public_key(ctx: Ctx) -> Response:
    key = instance_key(ctx.settings)
    return json_response({"algorithm": ALGORITHM, "public_key": b64(key.public_key)})
