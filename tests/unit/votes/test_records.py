"""Signed poll records (``constitution.votes.records``) and ``constitution verify-record``."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from constitution.audit.signing import InstanceKey, b64, load_key, unb64, verify_signature
from constitution.cli import main
from constitution.settings import load
from constitution.votes.records import (
    RecordInvalid,
    canonical_json,
    load_envelope,
    parse_public_key,
    sign_record,
    verify_envelope,
)

RECORD: dict[str, Any] = {
    "poll": 7,
    "sitting": 2,
    "subject": {"amendment": 4, "motion": None},
    "majority": "two_thirds",
    "base": "present",
    "conditions": [],
    "entitled": [3, 5],
    "roll_call": [{"member": 3, "display_name": "ဒေါ်သီတာ", "choice": "yes", "proxy": None}],
    "tally": {"yes": 1, "no": 0, "abstain": 0},
    "passed": True,
    "receipts": ["r1"],
    "chain_head": "ab" * 32,
    "closed_at": "2026-01-01T08:00:00.000000Z",
}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[InstanceKey, InstanceKey]:
    folder = tmp_path_factory.mktemp("keys")
    return load_key(folder / "one"), load_key(folder / "two")


@pytest.fixture
def key(keys: tuple[InstanceKey, InstanceKey]) -> InstanceKey:
    return keys[0]


@pytest.fixture
def public(key: InstanceKey) -> str:
    return b64(key.public_key)


def saved(envelope: Any) -> bytes:
    """The envelope as a compact file (as ``canonical_json`` would write it)."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def check(data: bytes, public_key: str) -> str | None:
    """What ``verify-record`` does with a file's bytes: None when it holds, else why not."""
    try:
        verify_envelope(load_envelope(data), public_key)
    except RecordInvalid as error:
        return error.reason
    return None


# ---- canonical JSON ---------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_writes_no_spaces() -> None:
    value = {"b": 1, "a": [True, None, "မြန်မာ", -2], "c": {"z": "\n", "y": ("x",)}}
    expected = '{"a":[true,null,"မြန်မာ",-2],"b":1,"c":{"y":["x"],"z":"\\n"}}'
    assert canonical_json(value) == expected.encode("utf-8")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"yes": 1.0}, "no float"),
        ({"yes": float("nan")}, "no float"),
        ([float("inf")], "no float"),
        ({1: "one"}, "keys are strings"),
        ({"members": {3, 5}}, "no set"),
        ({"hash": b"\x00"}, "no bytes"),
        ({"text": "\ud800"}, "surrogate"),
    ],
)
def test_canonical_json_refuses_what_a_record_never_holds(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        canonical_json(value)


# ---- signing and verifying --------------------------------------------------------------


def test_a_signed_record_verifies(key: InstanceKey, public: str) -> None:
    envelope = sign_record(key, RECORD)
    assert set(envelope) == {"record", "signature", "public_key"}
    assert envelope["record"] == RECORD
    assert envelope["public_key"] == public
    # The signature is Ed25519 over the canonical bytes, as API.md states.
    signature = unb64(envelope["signature"])
    assert signature is not None
    assert verify_signature(key.public_key, canonical_json(RECORD), signature)
    verify_envelope(envelope, public)
    assert check(saved(envelope), public) is None


def test_the_envelope_holds_a_copy_of_what_was_signed(key: InstanceKey, public: str) -> None:
    record = {"poll": 1, "entitled": (3, 4), "tally": {"yes": 1, "no": 0, "abstain": 0}}
    envelope = sign_record(key, record)
    record["poll"] = 2
    assert envelope["record"] == {"poll": 1, "entitled": [3, 4], "tally": record["tally"]}
    assert envelope["record"]["tally"] is not record["tally"]
    verify_envelope(envelope, public)


def test_changing_any_byte_of_the_file_breaks_it(key: InstanceKey, public: str) -> None:
    """Every byte of a compact file, flipped three ways (a low bit, the case bit, a space):
    each edit makes it invalid JSON, changes what it means, or writes base64 other than its
    one form. (A pretty-printed file has whitespace whose edits are harmless: see below.)"""
    data = saved(sign_record(key, {"poll": 7, "passed": False, "tally": [0, 1, 2], "t": "ယ"}))
    assert check(data, public) is None
    kept = []
    for position in range(len(data)):
        for new in {data[position] ^ 0x01, data[position] ^ 0x20, 0x20} - {data[position]}:
            edited = data[:position] + bytes([new]) + data[position + 1 :]
            if check(edited, public) is None:
                kept.append((position, chr(data[position]), chr(new)))
    assert kept == []


def test_edits_that_keep_the_meaning_keep_it_valid(key: InstanceKey, public: str) -> None:
    """The signature covers the record's canonical bytes, not the file's: whitespace between
    tokens, the order of keys or an escape change nothing a reader can see, so they pass."""
    envelope = sign_record(key, RECORD)
    pretty = json.dumps(envelope, ensure_ascii=True, indent=2).encode("ascii")
    assert check(pretty, public) is None
    assert check(pretty.replace(b"\n  ", b"\n\t"), public) is None
    reordered = dict(reversed(list(envelope.items())))
    reordered["record"] = dict(reversed(list(RECORD.items())))
    assert check(saved(reordered), public) is None


def test_a_record_signed_by_another_key_fails(
    keys: tuple[InstanceKey, InstanceKey], public: str
) -> None:
    other = sign_record(keys[1], RECORD)
    with pytest.raises(RecordInvalid, match="public key in the file is not the one given"):
        verify_envelope(other, public)
    # Claiming the instance's key does not help: the signature is not its.
    with pytest.raises(RecordInvalid, match="signature does not match"):
        verify_envelope({**other, "public_key": public}, public)


def test_a_changed_record_fails(key: InstanceKey, public: str) -> None:
    envelope = sign_record(key, RECORD)
    for change in ({"passed": False}, {"tally": {"yes": 2, "no": 0, "abstain": 0}}, {"x": 1}):
        with pytest.raises(RecordInvalid, match="signature does not match"):
            verify_envelope({**envelope, "record": {**RECORD, **change}}, public)
    with pytest.raises(RecordInvalid, match="holds what no record holds"):
        verify_envelope({**envelope, "record": {**RECORD, "poll": 7.0}}, public)


def noncanonical(text: str) -> str:
    """The same bytes in base64 with a different last digit (its unused low bits set)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = len(text.rstrip("=")) - 1
    changed = text[:last] + alphabet[alphabet.index(text[last]) ^ 1] + text[last + 1 :]
    assert changed != text
    assert base64.b64decode(changed) == base64.b64decode(text)
    return changed


def envelopes(key: InstanceKey, public: str) -> Iterator[tuple[Any, str]]:
    good = sign_record(key, RECORD)
    yield [good], "not a JSON object"
    yield "record", "not a JSON object"
    yield None, "not a JSON object"
    yield {"record": RECORD, "signature": good["signature"]}, "lacks public_key"
    yield {"public_key": public}, "lacks record, signature"
    yield {**good, "passed": True}, "fields outside the signed record: passed"
    yield {**good, "record": [RECORD]}, "record is not a JSON object"
    yield {**good, "signature": "not base64!"}, "signature is not 64 bytes"
    yield {**good, "signature": None}, "signature is not 64 bytes"
    yield {**good, "signature": b64(b"\x00" * 63)}, "signature is not 64 bytes"
    yield {**good, "signature": noncanonical(good["signature"])}, "signature is not 64 bytes"
    yield {**good, "signature": good["signature"].rstrip("=")}, "signature is not 64 bytes"
    yield {**good, "public_key": 3}, "public key in the file is not 32 bytes"
    yield {**good, "public_key": noncanonical(public)}, "public key in the file is not 32"
    yield {**good, "public_key": b64(b"\x01" * 32)}, "not the one given"


def test_each_way_an_envelope_fails_is_named(key: InstanceKey, public: str) -> None:
    for envelope, reason in envelopes(key, public):
        with pytest.raises(RecordInvalid, match=reason):
            verify_envelope(envelope, public)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff{}", "not UTF-8"),
        (b"", "not JSON"),
        (b'{"record": ', "not JSON"),
        (b'{"record": {}, "record": {}}', "key twice"),
        (b'{"record": {"yes": NaN}}', "holds NaN"),
        (b'{"record": {"yes": -Infinity}}', "holds -Infinity"),
        (b"[" * 100_000 + b"]" * 100_000, "not a record's JSON"),
        (b'{"n": ' + b"9" * 5000 + b"}", "not a record's JSON"),
    ],
)
def test_a_file_that_is_not_a_record_json_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(RecordInvalid, match=reason):
        load_envelope(data)


def test_the_public_key_may_be_given_three_ways(public: str) -> None:
    assert parse_public_key(public) == public
    assert parse_public_key(f"  {public}\n") == public
    answer = json.dumps({"algorithm": "ed25519", "public_key": public})
    assert parse_public_key(answer) == public
    for bad, reason in [
        ("AAAA", "not an Ed25519 public key"),
        (public[:-2], "not an Ed25519 public key"),
        (noncanonical(public), "not an Ed25519 public key"),
        ("{not json", "not valid JSON"),
        ('{"algorithm": "rsa", "public_key": "x"}', "not an Ed25519 key"),
        ('{"algorithm": "ed25519"}', "holds no public_key"),
        ('{"public_key": "AAAA"}', "not an Ed25519 public key"),
    ]:
        with pytest.raises(RecordInvalid, match=reason):
            parse_public_key(bad)
    with pytest.raises(RecordInvalid, match="public key given"):
        verify_envelope({}, "AAAA")


# ---- the command ------------------------------------------------------------------------


def run_main(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_in_process(
    tmp_path: Path, key: InstanceKey, public: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "record.json"
    record.write_bytes(saved(sign_record(key, RECORD)))
    assert run_main("verify-record", str(record), "--public-key", public, capsys=capsys) == (
        0,
        "record holds: poll 7, passed (yes 1, no 0, abstain 0)\n",
        "",
    )
    record.write_bytes(saved(sign_record(key, {**RECORD, "passed": False, "tally": None})))
    code, out, _ = run_main("verify-record", str(record), "--public-key", public, capsys=capsys)
    assert (code, out) == (0, "record holds: poll 7, not passed\n")
    record.write_bytes(record.read_bytes().replace(b'"poll":7', b'"poll":8'))
    code, out, err = run_main("verify-record", str(record), "--public-key", public, capsys=capsys)
    assert (code, out) == (1, "")
    assert (
        err
        == "record does not hold: the signature does not match the record: it has been changed\n"
    )
    code, _, err = run_main(
        "verify-record", str(tmp_path / "none.json"), "--public-key", public, capsys=capsys
    )
    assert code == 2
    assert "there is no file" in err
    code, _, err = run_main("verify-record", str(record), "--public-key", "AAAA", capsys=capsys)
    assert code == 2
    assert "cannot use --public-key" in err


def cli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``constitution …`` in a fresh interpreter whose settings point at a var directory
    and SQLite file that must never appear: the command may not load settings or open a
    database."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SIGNING_KEY_FILE")}
    env |= {
        "CONSTITUTION_ENV": "development",
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'database.sqlite3'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "constitution.cli", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_needs_no_database(
    tmp_path: Path, keys: tuple[InstanceKey, InstanceKey], public: str
) -> None:
    # Loading the settings would create the var directory (the development secret):
    assert not (tmp_path / "var").exists()
    load({"VAR_DIR": str(tmp_path / "control")})
    assert (tmp_path / "control" / "secret_key").exists()

    record = tmp_path / "record.json"
    record.write_bytes(saved(sign_record(keys[0], RECORD)))
    key_file = tmp_path / "key.txt"
    key_file.write_text(public + "\n", encoding="ascii")
    answer_file = tmp_path / "public-key.json"
    answer_file.write_text(json.dumps({"algorithm": "ed25519", "public_key": public}))
    for given in (public, str(key_file), str(answer_file)):
        done = cli(tmp_path, "verify-record", str(record), "--public-key", given)
        assert (done.returncode, done.stdout, done.stderr) == (
            0,
            "record holds: poll 7, passed (yes 1, no 0, abstain 0)\n",
            "",
        )

    record.write_bytes(saved(sign_record(keys[1], RECORD)))
    done = cli(tmp_path, "verify-record", str(record), "--public-key", str(answer_file))
    assert done.returncode == 1
    assert done.stderr == "record does not hold: the public key in the file is not the one given\n"

    done = cli(tmp_path, "verify-record", "missing.json", "--public-key", public)
    assert done.returncode == 2
    assert "there is no file missing.json" in done.stderr

    assert not (tmp_path / "var").exists()
