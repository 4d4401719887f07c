"""Signed checkpoints: the instance's Ed25519 key, the signed head, and a chain that must
still extend a checkpoint someone kept (a chain recomputed whole after a rewrite does not)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from constitution.audit import signing
from constitution.audit.checkpoints import check_checkpoint, head_checkpoint
from constitution.audit.models import AuditHead
from constitution.audit.services import GENESIS, record, verify
from constitution.audit.signing import InstanceKey, load_key, verify_signature
from tests.factories import api_token, bearer, cut_chain, make_member, rewrite_chain


@pytest.fixture
def key(tmp_path: Path) -> InstanceKey:
    return load_key(tmp_path / "keys" / "signing_key")


def more_events(db: Session, count: int = 3) -> None:
    for n in range(count):
        record(db, "test.more", f"thing:{n}", actor_id=None, payload={"n": n})


def test_the_key_is_made_once_with_mode_0600_and_never_shown(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing_key"
    first = load_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    seed = base64.b64decode(path.read_text(encoding="ascii"))
    signing._CACHE.clear()  # as a new process would
    again = load_key(path)
    assert again.public_key == first.public_key == bytes(SigningKey(seed).verify_key)
    assert base64.b64encode(seed).decode() not in repr(again)
    assert [p.name for p in path.parent.iterdir()] == ["signing_key"]  # no temporary left
    with pytest.raises(signing.SigningKeyError, match="no signing key"):
        load_key(tmp_path / "elsewhere", create=False)
    assert not (tmp_path / "elsewhere").exists()


def test_an_existing_key_file_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "signing_key"
    seed = bytes(range(32))
    path.write_text(base64.b64encode(seed).decode() + "\n", encoding="ascii")
    assert load_key(path).public_key == bytes(SigningKey(seed).verify_key)
    bad = tmp_path / "bad_key"
    bad.write_text("not a key", encoding="ascii")
    with pytest.raises(signing.SigningKeyError, match="cannot be read"):
        load_key(bad)


def test_the_head_is_signed_over_the_canonical_json_of_seq_hash_and_at(
    db: Session, key: InstanceKey
) -> None:
    more_events(db)
    head = head_checkpoint(db, key)
    row = db.get_one(AuditHead, 1)
    assert (head["seq"], head["hash"]) == (row.seq, row.hash)
    assert set(head) == {"seq", "hash", "at", "signature", "public_key"}
    # Exactly what the OpenAPI document and the README say is signed.
    signed = json.dumps(
        {"seq": head["seq"], "hash": head["hash"], "at": head["at"]},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    assert signed.startswith(b'{"at":"') and head["at"].endswith("Z")
    public = base64.b64decode(head["public_key"])
    assert public == key.public_key
    assert verify_signature(public, signed, base64.b64decode(head["signature"]))
    assert not verify_signature(public, signed + b" ", base64.b64decode(head["signature"]))


def test_a_chain_that_grew_extends_its_checkpoint(db: Session, key: InstanceKey) -> None:
    more_events(db)
    checkpoint = head_checkpoint(db, key)
    more_events(db)
    assert verify(db).ok
    assert check_checkpoint(db, checkpoint, key.public_key) is None
    # The newest head is a checkpoint too, of course.
    assert check_checkpoint(db, head_checkpoint(db, key), key.public_key) is None


def test_a_chain_recomputed_whole_after_a_rewrite_passes_verify_but_not_the_checkpoint(
    db: Session, key: InstanceKey
) -> None:
    more_events(db)
    checkpoint = head_checkpoint(db, key)
    more_events(db)
    target = checkpoint["seq"] - 1
    rewrite_chain(db, target, payload={"n": "forged"})
    assert verify(db).ok, "a bare chain cannot tell"
    problem = check_checkpoint(db, checkpoint, key.public_key)
    assert problem is not None and "rewritten" in problem
    assert f"event {checkpoint['seq']}" in problem


def test_a_truncated_chain_does_not_extend_its_checkpoint(db: Session, key: InstanceKey) -> None:
    more_events(db)
    checkpoint = head_checkpoint(db, key)
    cut_chain(db, 2)
    assert verify(db).ok, "events cut off that recorded no row state: a bare chain cannot tell"
    problem = check_checkpoint(db, checkpoint, key.public_key)
    assert problem is not None and "ends at event" in problem
    # Cut, then grown again to the same length: another event at that position.
    more_events(db, 2)
    problem = check_checkpoint(db, checkpoint, key.public_key)
    assert problem is not None and "rewritten" in problem


def _forged(checkpoint: dict[str, Any], what: str, other: InstanceKey) -> Any:
    signature = bytearray(base64.b64decode(checkpoint["signature"]))
    signature[0] ^= 1
    return {
        "flipped bit": {**checkpoint, "signature": base64.b64encode(signature).decode()},
        "other key": {
            **checkpoint,
            "signature": base64.b64encode(
                other.sign(
                    json.dumps(
                        {k: checkpoint[k] for k in ("seq", "hash", "at")},
                        sort_keys=True,
                        separators=(",", ":"),
                    ).encode()
                )
            ).decode(),
            "public_key": base64.b64encode(other.public_key).decode(),
        },
        "older seq": {**checkpoint, "seq": checkpoint["seq"] - 1},
        "not base64": {**checkpoint, "signature": "***"},
        "no signature": {k: v for k, v in checkpoint.items() if k != "signature"},
    }[what]


@pytest.mark.parametrize(
    "what", ["flipped bit", "other key", "older seq", "not base64", "no signature"]
)
def test_a_forged_checkpoint_is_refused(
    db: Session, key: InstanceKey, tmp_path: Path, what: str
) -> None:
    more_events(db)
    checkpoint = head_checkpoint(db, key)
    forged = _forged(checkpoint, what, load_key(tmp_path / "other_key"))
    problem = check_checkpoint(db, forged, key.public_key)
    assert problem is not None and "signature" in problem, problem


@pytest.mark.parametrize(
    ("checkpoint", "words"),
    [
        ([1, 2], "not a JSON object"),
        ({"seq": "7", "hash": GENESIS, "at": None, "signature": ""}, "seq"),
        ({"seq": True, "hash": GENESIS, "at": None, "signature": ""}, "seq"),
        ({"seq": 1, "hash": "xyz", "at": None, "signature": ""}, "hash"),
        ({"seq": 1, "hash": GENESIS, "at": 5, "signature": ""}, "time"),
    ],
)
def test_a_malformed_checkpoint_gets_a_reason(
    db: Session, key: InstanceKey, checkpoint: Any, words: str
) -> None:
    problem = check_checkpoint(db, checkpoint, key.public_key)
    assert problem is not None and words in problem


def test_the_api_serves_the_signed_head_and_the_public_key(
    client: TestClient, db: Session, settings
) -> None:
    aye = make_member(db, settings, "aye")
    headers = bearer(api_token(client, aye))
    head = client.get("/api/v1/audit/head", headers=headers).json()
    public = client.get("/api/v1/public-key", headers=headers).json()
    assert public["algorithm"] == "ed25519"
    assert head["public_key"] == public["public_key"]
    db.expire_all()
    assert head["seq"] == db.get_one(AuditHead, 1).seq
    key = base64.b64decode(public["public_key"])
    assert check_checkpoint(db, head, key) is None
    # The key lives outside the database, under the var directory, private.
    path = settings.var_dir / "signing_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert client.get("/api/v1/audit/head").status_code == 401
