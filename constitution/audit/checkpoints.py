"""Signed checkpoints of the chain head.

``GET /api/v1/audit/head`` answers ``{"seq", "hash", "at", "signature", "public_key"}``: the
signature is Ed25519, by the instance's key, over the UTF-8 bytes of the canonical JSON
(sorted keys, no spaces) of ``{"at", "hash", "seq"}``, for example
``{"at":"2026-01-01T00:00:00.000000Z","hash":"…","seq":42}`` (``at`` is ``null`` for an
empty chain). Someone who keeps that answer holds a checkpoint: a chain recomputed whole
after a rewrite, or cut short, no longer holds that event at that position with that hash,
which ``constitution verify --checkpoint FILE`` reports.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.audit.models import AuditEvent, AuditHead
from constitution.audit.services import GENESIS, canonical_json, format_time
from constitution.audit.signing import InstanceKey, b64, unb64, verify_signature

HEX64 = re.compile(r"[0-9a-f]{64}")


def signed_bytes(seq: int, digest: str, at: str | None) -> bytes:
    """Exactly what a checkpoint's signature covers."""
    return canonical_json({"seq": seq, "hash": digest, "at": at}).encode("utf-8")


def head_checkpoint(db: Session, key: InstanceKey) -> dict[str, Any]:
    """The chain's newest event, signed."""
    head = db.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    at = db.scalar(select(AuditEvent.at).where(AuditEvent.seq == head.seq))
    when = format_time(at) if at is not None else None
    signature = key.sign(signed_bytes(head.seq, head.hash, when))
    return {
        "seq": head.seq,
        "hash": head.hash,
        "at": when,
        "signature": b64(signature),
        "public_key": b64(key.public_key),
    }


def check_checkpoint(db: Session, checkpoint: Any, public_key: bytes) -> str | None:
    """Why the chain does not extend ``checkpoint`` (signed with ``public_key``), or None."""
    if not isinstance(checkpoint, dict):
        return "the checkpoint is not a JSON object"
    seq, digest, at = checkpoint.get("seq"), checkpoint.get("hash"), checkpoint.get("at")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        return "the checkpoint's seq is not a whole number"
    if not isinstance(digest, str) or not HEX64.fullmatch(digest):
        return "the checkpoint's hash is not 64 hexadecimal digits"
    if at is not None and not isinstance(at, str):
        return "the checkpoint's time is not a string"
    signature = unb64(checkpoint.get("signature"))
    if signature is None:
        return "the checkpoint's signature is not base64"
    if not verify_signature(public_key, signed_bytes(seq, digest, at), signature):
        return "the checkpoint's signature is not valid for this instance's key"
    head_seq = db.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
    if head_seq < seq:
        return f"the chain ends at event {head_seq}, before the checkpoint's event {seq}"
    if seq == 0:
        return None if digest == GENESIS else "the checkpoint's hash is not the empty chain's"
    event = db.execute(
        select(AuditEvent.hash, AuditEvent.at).where(AuditEvent.seq == seq)
    ).one_or_none()
    if event is None:
        return f"the chain no longer holds the checkpoint's event {seq}"
    if event.hash != digest or format_time(event.at) != at:
        return f"event {seq} is not the one the checkpoint holds: the chain was rewritten"
    return None
