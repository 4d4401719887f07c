"""The ``constitution`` command, run on a SQLite file of its own.

The CLI opens its own engine from the environment, so these tests point DATABASE_URL and
VAR_DIR at a temporary directory instead of using the rolled-back test transaction.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from constitution.accounts import services
from constitution.audit.checkpoints import head_checkpoint
from constitution.audit.services import GENESIS
from constitution.audit.signing import b64, instance_key, load_key
from constitution.cli import COMMANDS, main, migrate
from constitution.db import Database, make_engine
from constitution.settings import PROJECT_ROOT, Settings, load
from tests.factories import PASSWORD, cut_chain, rewrite_chain

URL = re.compile(r"^(\S+)/invitations/(\S+)$")


class Cli:
    def __init__(self, path: Path, template: Path, monkeypatch: pytest.MonkeyPatch, capsys):
        self.path = path
        self.template = template
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        self.capsys.readouterr()
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def sql(self, *statements: str) -> list[tuple[object, ...]]:
        """Run statements straight on the file (as an attacker or a backup reader would)."""
        with contextlib.closing(sqlite3.connect(self.path)) as conn, conn:
            rows: list[tuple[object, ...]] = []
            for statement in statements:
                rows = conn.execute(statement).fetchall()
            return rows

    def ready(self) -> None:
        """A migrated database with an admin and two invitations: three audit events."""
        with (
            contextlib.closing(sqlite3.connect(self.template)) as source,
            contextlib.closing(sqlite3.connect(self.path)) as copy,
        ):
            source.backup(copy)
        assert (
            self("create-admin", "--username", "admin", "--password-stdin", stdin=PASSWORD)[0] == 0
        )
        for name in ("thida", "hla"):
            assert (
                self("invite", "--by", "admin", "--username", name, "--display-name", "T")[0] == 0
            )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly migrated SQLite file, copied by tests that need more than the schema."""
    var = tmp_path_factory.mktemp("cli-template")
    path = var / "template.sqlite3"
    migrate(Settings(database_url=f"sqlite:///{path}", secret_key="x" * 40, var_dir=var))
    return path


@pytest.fixture
def cli(tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Cli:
    path = tmp_path / "cli.sqlite3"
    for name in ("CONSTITUTION_ENV", "SECRET_KEY", "BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "1024")
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "1")
    return Cli(path, template, monkeypatch, capsys)


@contextlib.contextmanager
def open_database() -> Iterator[Database]:
    database = Database(make_engine(load().database_url, pool_size=1))
    try:
        yield database
    finally:
        database.close()


def test_migrate_builds_the_schema_and_can_run_again(cli: Cli) -> None:
    code, out, _err = cli("migrate")
    assert code == 0
    assert "newest schema" in out
    tables = {row[0] for row in cli.sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"members", "invitations", "audit_events", "audit_head", "alembic_version"} <= tables
    assert cli.sql("SELECT id, seq, hash FROM audit_head") == [(1, 0, GENESIS)]
    assert cli("migrate")[0] == 0
    assert cli.sql("SELECT count(*) FROM audit_head") == [(1,)]


def test_create_admin_reads_the_password_from_stdin(cli: Cli) -> None:
    cli("migrate")
    code, out, _err = cli(
        "create-admin", "--username", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert code == 0, out
    assert "admin" in out
    assert PASSWORD not in out
    rows = cli.sql("SELECT username, roles, active FROM members")
    assert rows == [("admin", '["member", "admin"]', 1)]
    with open_database() as database, database.transaction() as db:
        from constitution.accounts.sessions import authenticate

        assert authenticate(db, load(), "admin", PASSWORD).username == "admin"


def test_create_admin_refusals(cli: Cli) -> None:
    cli("migrate")
    assert cli("create-admin", "--username", "admin", stdin=PASSWORD)[0] == 2
    code, _out, err = cli("create-admin", "--username", "admin", "--password-stdin", stdin="short")
    assert code == 1
    assert "password" in err
    assert cli("create-admin", "--username", "admin", "--password-stdin", stdin=PASSWORD)[0] == 0
    code, _out, err = cli("create-admin", "--username", "admin", "--password-stdin", stdin=PASSWORD)
    assert code == 1
    assert "username" in err
    assert cli.sql("SELECT count(*) FROM members") == [(1,)]


def test_invite_prints_a_link_that_works_once(cli: Cli) -> None:
    cli("migrate")
    cli("create-admin", "--username", "admin", "--password-stdin", stdin=PASSWORD)
    code, out, _err = cli(
        "invite", "--by", "admin", "--username", "thida", "--display-name", "Daw Thida",
        "--role", "chair",
    )  # fmt: skip
    assert code == 0
    match = URL.match(out.strip())
    assert match, out
    assert match.group(1) == "http://127.0.0.1:8000"
    with open_database() as database, database.transaction() as db:
        member = services.accept_invitation(db, load(), match.group(2), PASSWORD)
        assert (member.username, member.display_name) == ("thida", "Daw Thida")
        assert member.roles == ["member", "chair"]


def test_invite_uses_base_url_and_refuses_unknown_inviters(cli: Cli) -> None:
    cli("migrate")
    cli("create-admin", "--username", "admin", "--password-stdin", stdin=PASSWORD)
    cli.monkeypatch.setenv("BASE_URL", "http://example.onion/")
    code, out, _err = cli("invite", "--by", "admin", "--username", "aye", "--display-name", "Aye")
    assert code == 0
    assert out.startswith("http://example.onion/invitations/")
    code, _out, err = cli("invite", "--by", "nobody", "--username", "hla", "--display-name", "H")
    assert code == 1
    assert "nobody" in err
    code, _out, err = cli("invite", "--by", "admin", "--username", "aye", "--display-name", "A")
    assert code == 1
    assert "username" in err


def test_verify_passes_on_an_intact_chain(cli: Cli) -> None:
    cli.ready()
    code, out, err = cli("verify")
    assert (code, err) == (0, "")
    assert "3 events" in out


@pytest.mark.parametrize(
    "tampering",
    [
        [
            "DROP TRIGGER audit_events_no_update",
            """UPDATE audit_events SET payload = '{"username": "mallory"}' WHERE seq = 2""",
        ],
        [
            "DROP TRIGGER audit_events_no_update",
            "UPDATE audit_events SET actor_id = NULL WHERE seq = 2",
        ],
        ["DROP TRIGGER audit_events_no_delete", "DELETE FROM audit_events WHERE seq = 2"],
    ],
    ids=["payload", "actor", "deleted"],
)
def test_verify_exits_1_naming_the_event_after_tampering(cli: Cli, tampering: list[str]) -> None:
    cli.ready()
    cli.sql(*tampering)
    code, out, err = cli("verify")
    assert code == 1
    assert out == ""
    assert re.search(r"\bevent 2\b", err), err


def test_verify_exits_1_naming_a_member_row_edited_in_the_file(cli: Cli) -> None:
    cli.ready()
    assert cli("verify")[0] == 0
    cli.sql("""UPDATE members SET roles = '["member", "admin", "chair"]' WHERE id = 1""")
    code, out, err = cli("verify")
    assert (code, out) == (1, "")
    assert "event 1 (member:1)" in err and "state" in err, err


def test_audit_baseline_records_rows_from_before_the_audit_covered_them(cli: Cli) -> None:
    """A row no event records (written before its kind was covered) fails verify until
    ``audit-baseline`` records it, once; a row edited since its event stays caught."""
    cli.ready()
    cli.sql(
        "INSERT INTO members (username, display_name, roles, active, language, totp_confirmed,"
        " totp_last_step, created_at) VALUES ('old', 'Old', '[\"member\"]', 1, 'my', 0, 0,"
        " '2026-01-01 00:00:00.000000')"
    )
    code, _, err = cli("verify")
    assert code == 1 and "no event records" in err, err
    code, out, _ = cli("audit-baseline")
    assert code == 0 and "state of 1 rows" in out, out
    assert cli("verify")[0] == 0
    assert "state of 0 rows" in cli("audit-baseline")[1]
    cli.sql("""UPDATE members SET display_name = 'Forged' WHERE username = 'old'""")
    assert "state of 0 rows" in cli("audit-baseline")[1]
    code, _, err = cli("verify")
    assert code == 1 and "does not match" in err, err


def save_checkpoint(cli: Cli, path: Path) -> dict[str, object]:
    """GET /api/v1/audit/head's answer, saved, as a member would keep it."""
    with open_database() as database, database.transaction(write=False) as db:
        checkpoint = head_checkpoint(db, instance_key(load()))
    path.write_text(json.dumps(checkpoint), encoding="utf-8")
    return checkpoint


def invite(cli: Cli, name: str) -> None:
    assert cli("invite", "--by", "admin", "--username", name, "--display-name", "N")[0] == 0


def test_verify_checkpoint_passes_while_the_chain_extends_it(cli: Cli, tmp_path: Path) -> None:
    cli.ready()
    saved = tmp_path / "head.json"
    checkpoint = save_checkpoint(cli, saved)
    invite(cli, "aye")
    code, out, err = cli("verify", "--checkpoint", str(saved))
    assert (code, err) == (0, "")
    assert f"extends the checkpoint at event {checkpoint['seq']}" in out


def test_verify_checkpoint_fails_on_a_chain_recomputed_whole(cli: Cli, tmp_path: Path) -> None:
    cli.ready()
    saved = tmp_path / "head.json"
    save_checkpoint(cli, saved)
    invite(cli, "aye")
    with open_database() as database, database.transaction() as db:
        rewrite_chain(db, 2, payload={"username": "mallory"})
    assert cli("verify")[0] == 0  # a bare chain cannot tell
    code, out, err = cli("verify", "--checkpoint", str(saved))
    assert (code, out) == (1, "")
    assert "does not extend the checkpoint" in err and "rewritten" in err, err


def test_verify_checkpoint_fails_on_a_truncated_chain(cli: Cli, tmp_path: Path) -> None:
    cli.ready()
    saved = tmp_path / "head.json"
    save_checkpoint(cli, saved)
    with open_database() as database, database.transaction() as db:
        cut_chain(db, 1)
    assert cli("verify")[0] == 0  # the invitation's event recorded no row's state
    code, _out, err = cli("verify", "--checkpoint", str(saved))
    assert code == 1
    assert "ends at event 2" in err, err


def test_verify_checkpoint_refuses_a_forged_signature(cli: Cli, tmp_path: Path) -> None:
    cli.ready()
    saved = tmp_path / "head.json"
    checkpoint = save_checkpoint(cli, saved)
    other = load_key(tmp_path / "attacker_key")
    body = {k: checkpoint[k] for k in ("seq", "hash", "at")}
    forged = other.sign(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    saved.write_text(json.dumps({**checkpoint, "signature": b64(forged)}), encoding="utf-8")
    code, _out, err = cli("verify", "--checkpoint", str(saved))
    assert code == 1
    assert "signature is not valid for this instance's key" in err, err
    saved.write_text("{", encoding="utf-8")
    assert cli("verify", "--checkpoint", str(saved))[0] == 1
    assert cli("verify", "--checkpoint", str(tmp_path / "missing.json"))[0] == 1


def test_verify_checkpoint_without_the_instance_key_fails(cli: Cli, tmp_path: Path) -> None:
    cli.ready()
    saved = tmp_path / "head.json"
    save_checkpoint(cli, saved)
    cli.monkeypatch.setenv("SIGNING_KEY_FILE", str(tmp_path / "no_such_key"))
    code, _out, err = cli("verify", "--checkpoint", str(saved))
    assert code == 1
    assert "no signing key" in err
    assert not (tmp_path / "no_such_key").exists()


def test_triggers_refuse_tampering_in_a_migrated_file(cli: Cli) -> None:
    cli.ready()
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            cli.sql(statement)
    assert cli("verify")[0] == 0


def test_backup_writes_a_usable_copy(cli: Cli, tmp_path: Path) -> None:
    cli.ready()
    target = tmp_path / "backup.sqlite3"
    code, out, _err = cli("backup", str(target))
    assert code == 0
    assert str(target) in out
    with contextlib.closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("SELECT username FROM members").fetchall() == [("admin",)]
        assert copy.execute("SELECT max(seq) FROM audit_events").fetchall() == [(3,)]
    # The copy is a whole platform database: the CLI verifies it.
    cli.monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    assert cli("verify")[0] == 0
    # An existing file is never overwritten.
    assert cli("backup", str(target))[0] == 2


def test_backup_of_a_missing_database_fails_and_creates_nothing(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "backup.sqlite3"
    code, _out, err = cli("backup", str(target))
    assert code == 1
    assert str(cli.path) in err
    assert not cli.path.exists()
    assert not target.exists()


def test_backup_is_consistent_while_another_connection_writes(cli: Cli, tmp_path: Path) -> None:
    cli.ready()
    with contextlib.closing(sqlite3.connect(cli.path, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO members (username, display_name, roles, active, language, "
            "totp_confirmed, totp_last_step, created_at) "
            "VALUES ('half', 'Half', '[]', 1, 'my', 0, 0, '2026-01-01 00:00:00')"
        )
        target = tmp_path / "during.sqlite3"
        assert cli("backup", str(target))[0] == 0
        writer.execute("ROLLBACK")
    with contextlib.closing(sqlite3.connect(target)) as copy:
        assert copy.execute("SELECT username FROM members").fetchall() == [("admin",)]


def test_otp_prints_the_code_in_development_only(cli: Cli) -> None:
    cli.ready()
    secret = pyotp.random_base32()
    cli.sql(f"UPDATE members SET totp_secret = '{secret}' WHERE username = 'admin'")
    code, out, _err = cli("otp", "admin")
    assert code == 0
    totp = pyotp.TOTP(secret)
    assert out.strip() in {totp.now(), totp.at(time.time() - 30)}
    assert cli("otp", "thida")[0] == 1
    cli.monkeypatch.setenv("CONSTITUTION_ENV", "production")
    cli.monkeypatch.setenv("SECRET_KEY", "s" * 40)
    cli.monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "19456")
    code, out, err = cli("otp", "admin")
    assert code == 2
    assert out == ""
    assert "development" in err


def test_configuration_errors_exit_2(cli: Cli) -> None:
    cli.monkeypatch.setenv("CONSTITUTION_ENV", "production")
    code, _out, err = cli("verify")
    assert code == 2
    assert "SECRET_KEY" in err


def test_every_command_has_a_handler() -> None:
    from constitution.cli import parser

    _top, handlers = parser()
    assert set(handlers) == set(COMMANDS)


@pytest.mark.slow
def test_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "constitution.cli", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for command, help_line in COMMANDS.items():
        assert re.search(rf"^\s+{re.escape(command)}\s", result.stdout, re.M), command
        assert help_line.split()[0] in result.stdout
