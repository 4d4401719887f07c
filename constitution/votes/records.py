"""The signed record of a poll's result (API.md, "Records").

``GET /api/v1/polls/{id}/record`` answers an envelope ``{"record", "signature",
"public_key"}``: the signature is Ed25519, by the instance's key, over ``canonical_json`` of
the record: the UTF-8 bytes of its JSON with keys sorted (by code point), no spaces, and
non-ASCII text written as itself (Python's ``json.dumps(record, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)``). A record holds only whole numbers, strings,
booleans, null, lists and objects with string keys; never a float.

Anyone holding the envelope and the instance's public key verifies it offline
(``verify_envelope``; ``constitution verify-record FILE --public-key KEY``). Since the
signature covers the record's canonical bytes, not the file's, only an edit that leaves the
record meaning the same (whitespace between tokens, the order of keys, an escape such as
``\\u0041`` for ``A``) keeps it valid; anything else fails. Base64 must be in its one
canonical form, and an envelope holding fields beside the signed ones is refused: a reader
must not take an unsigned ``"passed": true`` beside the record for part of it.
"""

from __future__ import annotations

import json
from typing import Any

from constitution.audit.signing import ALGORITHM, InstanceKey, b64, unb64, verify_signature
from constitution.votes.majority import CHOICES

ENVELOPE_KEYS = frozenset({"record", "signature", "public_key"})
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class RecordInvalid(ValueError):
    """The record, its signature or a public key does not hold; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check_value(value: object, where: str) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"a record's keys are strings, not {key!r} at {where}")
            _check_value(item, f"{where}.{key}")
        return
    raise ValueError(f"a record holds no {type(value).__name__} (at {where})")


def canonical_json(obj: Any) -> bytes:
    """The canonical bytes of ``obj``; ``ValueError`` when it holds a float (or NaN), a
    key that is not a string, a text that is not Unicode (a lone surrogate), or any other
    kind of value."""
    _check_value(obj, "record")
    text = json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")


def sign_record(key: InstanceKey, record: dict[str, Any]) -> dict[str, Any]:
    """The envelope of ``record`` signed with ``key``. Its ``record`` is a copy of exactly
    what was signed (tuples become lists), unaffected by later changes to ``record``."""
    data = canonical_json(record)
    return {
        "record": json.loads(data),
        "signature": b64(key.sign(data)),
        "public_key": b64(key.public_key),
    }


def _canonical_b64(text: object, size: int) -> bytes | None:
    """``size`` bytes written as canonical base64 (the one form ``b64`` writes), or None."""
    data = unb64(text)
    if data is None or len(data) != size or b64(data) != text:
        return None
    return data


def public_key_bytes(public_key_b64: str) -> bytes:
    """The 32 bytes of a base64 Ed25519 public key, or ``RecordInvalid``."""
    key = _canonical_b64(public_key_b64.strip(), PUBLIC_KEY_BYTES)
    if key is None:
        raise RecordInvalid("the public key given is not an Ed25519 public key in base64")
    return key


def parse_public_key(text: str) -> str:
    """The base64 public key in ``text``: the key itself, or the JSON answer of
    ``GET /api/v1/public-key``; ``RecordInvalid`` when it is neither."""
    text = text.strip()
    if text.startswith("{"):
        try:
            answer = json.loads(text)
        except (ValueError, RecursionError):
            raise RecordInvalid("the public key given is not valid JSON") from None
        if not isinstance(answer, dict) or answer.get("algorithm", ALGORITHM) != ALGORITHM:
            raise RecordInvalid("the public key given is not an Ed25519 key")
        key = answer.get("public_key")
        if not isinstance(key, str):
            raise RecordInvalid("the JSON given holds no public_key")
        text = key.strip()
    public_key_bytes(text)
    return text


def verify_envelope(envelope: Any, public_key_b64: str) -> None:
    """Check a record's envelope against the instance's public key (base64); raise
    ``RecordInvalid`` naming the first thing that does not hold."""
    expected = public_key_bytes(public_key_b64)
    if not isinstance(envelope, dict):
        raise RecordInvalid("the file is not a JSON object")
    missing = sorted(ENVELOPE_KEYS.difference(envelope))
    if missing:
        raise RecordInvalid(f"the file lacks {', '.join(missing)}")
    extra = sorted(set(envelope).difference(ENVELOPE_KEYS))
    if extra:
        raise RecordInvalid(f"the file holds fields outside the signed record: {', '.join(extra)}")
    record = envelope["record"]
    if not isinstance(record, dict):
        raise RecordInvalid("the record is not a JSON object")
    signature = _canonical_b64(envelope["signature"], SIGNATURE_BYTES)
    if signature is None:
        raise RecordInvalid("the signature is not 64 bytes in canonical base64")
    public_key = _canonical_b64(envelope["public_key"], PUBLIC_KEY_BYTES)
    if public_key is None:
        raise RecordInvalid("the public key in the file is not 32 bytes in canonical base64")
    if public_key != expected:
        raise RecordInvalid("the public key in the file is not the one given")
    try:
        data = canonical_json(record)
    except ValueError as error:
        raise RecordInvalid(f"the record holds what no record holds: {error}") from None
    if not verify_signature(expected, data, signature):
        raise RecordInvalid("the signature does not match the record: it has been changed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise RecordInvalid("the file holds a key twice in one object")
    return obj


def _no_constant(name: str) -> Any:
    raise RecordInvalid(f"the file holds {name}, which no record holds")


def load_envelope(data: bytes) -> Any:
    """The JSON in a saved record's bytes; ``RecordInvalid`` when they are not UTF-8 JSON,
    hold a key twice in one object (which of the two would count?), or NaN/Infinity."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordInvalid(f"the file is not UTF-8 (byte {error.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecordInvalid:
        raise
    except json.JSONDecodeError as error:
        raise RecordInvalid(f"the file is not JSON: line {error.lineno}: {error.msg}") from None
    except (ValueError, RecursionError):  # a number of too many digits, too deep a nesting
        raise RecordInvalid("the file is not a record's JSON") from None


def summary(record: dict[str, Any]) -> str:
    """The poll and its result in a line: "poll 7, passed (yes 3, no 1, abstain 0)"."""
    passed = record.get("passed")
    result = ("passed" if passed else "not passed") if isinstance(passed, bool) else "no result"
    line = f"poll {record.get('poll')}, {result}"
    tally = record.get("tally")
    if isinstance(tally, dict) and all(isinstance(tally.get(k), int) for k in CHOICES):
        line += f" (yes {tally['yes']}, no {tally['no']}, abstain {tally['abstain']})"
    return line
