"""The ``constitution`` command."""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from constitution.errors import DomainError
from constitution.settings import PROJECT_ROOT, Settings, SettingsError, load

# command -> one line of help; a test checks the README names each one.
COMMANDS: dict[str, str] = {
    "migrate": "bring the database to the newest schema",
    "create-admin": "create the first administrator (password on standard input)",
    "invite": "invite a member and print her one-time link",
    "serve": "run the web server",
    "verify": "check the audit chain (and a saved checkpoint); exit 1 naming what fails",
    "verify-record": "check a poll's signed record offline; exit 1 naming what fails",
    "backup": "write a consistent copy of the database while the server runs",
    "sample": "load sample members, committees and the sample draft into an empty database",
    "import": "create a document from a JSON file (or the Markdown format, .md)",
    "export": "write one revision of a document as JSON or Markdown",
    "otp": "print the current second-factor code of a member (development only)",
    "purge": "delete expired sessions, form tokens, invitations, tokens and throttle rows",
    "audit-baseline": "record the state of rows written before the audit covered them (once)",
}


def alembic_config(url: str) -> object:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["url"] = url
    return config


def migrate(settings: Settings) -> None:
    from alembic import command

    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url), "head")  # type: ignore[arg-type]


def _database(settings: Settings) -> object:
    from constitution.db import Database, make_engine

    return Database(make_engine(settings.database_url, pool_size=1))


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings)
    print("database is at the newest schema")
    return 0


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from constitution.accounts.services import create_admin
    from constitution.db import Database

    if not args.password_stdin:
        print("give --password-stdin and the password on standard input", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    database = _database(settings)
    assert isinstance(database, Database)
    with database.transaction() as db:
        member = create_admin(db, settings, args.username, password)
        print(
            f"created admin {member.username} (id {member.id}); set up a second factor at "
            "first login"
        )
    return 0


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from constitution.accounts.models import Member
    from constitution.accounts.services import invite
    from constitution.db import Database

    database = _database(settings)
    assert isinstance(database, Database)
    with database.transaction() as db:
        actor = db.scalar(select(Member).where(Member.username == args.by))
        if actor is None:
            print(f"no member named {args.by}", file=sys.stderr)
            return 1
        issued = invite(
            db,
            settings,
            actor,
            username=args.username,
            display_name=args.display_name,
            roles=args.role or ["member"],
        )
    base = settings.base_url or "http://127.0.0.1:8000"
    print(f"{base.rstrip('/')}/invitations/{issued.token}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    # No access log: it would write every visitor's address.
    uvicorn.run(
        "constitution.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        proxy_headers=settings.production,
        server_header=False,
        date_header=False,
    )
    return 0


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    from constitution.audit.checkpoints import check_checkpoint
    from constitution.audit.services import verify
    from constitution.audit.signing import SigningKeyError, instance_key
    from constitution.db import Database

    checkpoint = None
    if args.checkpoint:
        try:
            checkpoint = json.loads(Path(args.checkpoint).read_bytes().decode("utf-8"))
        except OSError as error:
            print(f"cannot read {args.checkpoint}: {error.strerror}", file=sys.stderr)
            return 1
        except (UnicodeDecodeError, json.JSONDecodeError):
            print(f"{args.checkpoint} is not a JSON checkpoint", file=sys.stderr)
            return 1
    database = _database(settings)
    assert isinstance(database, Database)
    with database.transaction(write=False) as db:
        result = verify(db)
        problem = None
        if result.ok and checkpoint is not None:
            try:
                public_key = instance_key(settings, create=False).public_key
            except SigningKeyError as error:
                print(f"checkpoint not verified: {error}", file=sys.stderr)
                return 1
            problem = check_checkpoint(db, checkpoint, public_key)
    if not result.ok:
        where = f"event {result.failed_seq}" if result.failed_seq is not None else "the rows"
        row = f" ({result.object})" if result.object else ""
        print(f"audit chain broken at {where}{row}: {result.reason}", file=sys.stderr)
        return 1
    if problem is not None:
        print(f"audit chain does not extend the checkpoint: {problem}", file=sys.stderr)
        return 1
    extends = ""
    if checkpoint is not None:
        extends = f"; it extends the checkpoint at event {checkpoint['seq']}"
    print(f"audit chain holds: {result.checked} events checked{extends}")
    return 0


def cmd_verify_record(settings: Settings | None, args: argparse.Namespace) -> int:
    """Check a saved ``GET /api/v1/polls/{id}/record`` against the instance's public key.

    It reads its two files and nothing else: ``main`` runs it without loading the settings
    (which would create the var directory for a development secret); no database, no network.
    """
    from constitution.votes.records import (
        RecordInvalid,
        load_envelope,
        parse_public_key,
        summary,
        verify_envelope,
    )

    key_argument = args.public_key
    try:
        key_path = Path(key_argument)
        key_text = key_path.read_text(encoding="utf-8") if key_path.is_file() else key_argument
        public_key = parse_public_key(key_text)
    except (OSError, UnicodeDecodeError):
        print(f"cannot read the public key in {key_argument}", file=sys.stderr)
        return 2
    except RecordInvalid as error:
        print(f"cannot use --public-key: {error.reason}", file=sys.stderr)
        return 2
    try:
        data = Path(args.file).read_bytes()
    except FileNotFoundError:
        print(f"there is no file {args.file}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        envelope = load_envelope(data)
        verify_envelope(envelope, public_key)
    except RecordInvalid as error:
        print(f"record does not hold: {error.reason}", file=sys.stderr)
        return 1
    print(f"record holds: {summary(envelope['record'])}")
    return 0


# Commands that read only their own files, run without loading the settings.
OFFLINE: dict[str, Callable[[Settings | None, argparse.Namespace], int]] = {
    "verify-record": cmd_verify_record,
}


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    target = Path(args.path)
    if target.exists():
        print(f"{target} exists; choose a new path", file=sys.stderr)
        return 2
    if settings.is_sqlite:
        source_path = settings.database_url.split("///", 1)[1]
        if not Path(source_path).is_file():  # connect() would create an empty one
            print(f"there is no database at {source_path}", file=sys.stderr)
            return 1
        source = sqlite3.connect(source_path)
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)  # the online backup API: consistent while others write
        dest.close()
        source.close()
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            print("pg_dump is needed to back up PostgreSQL", file=sys.stderr)
            return 1
        url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
        subprocess.run(  # noqa: S603 - fixed program, arguments from the settings
            [pg_dump, "--format=custom", f"--file={target}", url], check=True
        )
    print(f"backup written to {target}")
    return 0


def cmd_sample(settings: Settings, args: argparse.Namespace) -> int:
    from constitution.db import Database
    from constitution.sample import load_sample

    database = _database(settings)
    assert isinstance(database, Database)
    with database.transaction() as db:
        report = load_sample(db, settings, reset_passwords=args.reset_passwords)
    print(report)
    return 0


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    from constitution.accounts.purge import purge
    from constitution.db import Database

    database = _database(settings)
    assert isinstance(database, Database)
    with database.transaction() as db:
        counts = purge(db, settings)
    print(
        "purged: "
        + ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in counts.items())
    )
    return 0


def cmd_audit_baseline(settings: Settings, args: argparse.Namespace) -> int:
    from constitution.audit.services import record_baseline
    from constitution.db import Database

    database = _database(settings)
    assert isinstance(database, Database)
    with database.transaction() as db:
        count = record_baseline(db)
    print(f"recorded the state of {count} rows no event recorded")
    return 0


def cmd_otp(settings: Settings, args: argparse.Namespace) -> int:
    import pyotp
    from sqlalchemy import select

    from constitution.accounts.models import Member
    from constitution.db import Database

    if settings.production:
        print("this command only works in development", file=sys.stderr)
        return 2
    database = _database(settings)
    assert isinstance(database, Database)
    with database.transaction(write=False) as db:
        member = db.scalar(select(Member).where(Member.username == args.username))
        if member is None or not member.totp_secret:
            print("no such member with a second factor", file=sys.stderr)
            return 1
        print(pyotp.TOTP(member.totp_secret).now())
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from constitution.db import Database
    from constitution.texts.formats import from_markdown, markdown_error_line
    from constitution.texts.services import create_document
    from constitution.texts.validation import Notices, clean_document

    path = Path(args.file)
    try:
        source = path.read_bytes().decode("utf-8")
    except OSError as error:
        print(f"cannot read {path}: {error.strerror}", file=sys.stderr)
        return 1
    except UnicodeDecodeError as error:
        print(f"{path} is not valid UTF-8 (byte {error.start})", file=sys.stderr)
        return 1
    notices = Notices()
    if path.suffix.lower() in (".md", ".markdown"):
        body = from_markdown(source)
        try:
            data = clean_document(body, notices)
        except DomainError as error:
            raise markdown_error_line(body, error) from None
    else:
        try:
            body = json.loads(source)
        except json.JSONDecodeError as error:
            print(f"{path} is not valid JSON: line {error.lineno}: {error.msg}", file=sys.stderr)
            return 1
        data = clean_document(body, notices)
    database = _database(settings)
    assert isinstance(database, Database)
    with database.transaction() as db:
        document = create_document(db, None, data)
        print(f"imported {document.slug}: {len(data.provisions)} provisions, revision 1")
    for notice in notices.items:
        print(f"note: {notice['field']} was converted from Zawgyi to Unicode")
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from constitution.db import Database
    from constitution.texts.formats import document_json, to_markdown
    from constitution.texts.services import check_rev, get_document, versions_at

    database = _database(settings)
    assert isinstance(database, Database)
    with database.transaction(write=False) as db:
        document = get_document(db, args.slug)
        rev = check_rev(document, args.rev)
        rows = versions_at(db, document, rev)
        if args.format == "json":
            text = json.dumps(document_json(document, rows), ensure_ascii=False, indent=1) + "\n"
        else:
            text = to_markdown(document, rows)
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"wrote {document.slug} revision {rev} to {args.output}")
    return 0


Handler = Callable[[Settings, argparse.Namespace], int]


def parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    top = argparse.ArgumentParser(prog="constitution", description="Constitution platform")
    sub = top.add_subparsers(dest="command", required=True)
    handlers: dict[str, Handler] = {}

    def add(name: str, handler: Handler) -> argparse.ArgumentParser:
        handlers[name] = handler
        return sub.add_parser(name, help=COMMANDS[name])

    add("migrate", cmd_migrate)
    p = add("create-admin", cmd_create_admin)
    p.add_argument("--username", required=True)
    p.add_argument("--password-stdin", action="store_true")
    p = add("invite", cmd_invite)
    p.add_argument("--by", required=True, help="username of the inviting admin")
    p.add_argument("--username", required=True)
    p.add_argument("--display-name", required=True)
    p.add_argument(
        "--role", action="append", choices=["member", "chair", "secretariat", "admin", "observer"]
    )
    p = add("serve", cmd_serve)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p = add("verify", cmd_verify)
    p.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="a saved GET /api/v1/audit/head answer the chain must still extend",
    )
    p = add("verify-record", cmd_verify_record)
    p.add_argument("file", help="a saved GET /api/v1/polls/{id}/record answer")
    p.add_argument(
        "--public-key",
        metavar="KEY",
        required=True,
        help="the instance's public key in base64, or a file holding it or the saved "
        "GET /api/v1/public-key answer",
    )
    add("audit-baseline", cmd_audit_baseline)
    p = add("backup", cmd_backup)
    p.add_argument("path")
    p = add("sample", cmd_sample)
    p.add_argument(
        "--reset-passwords",
        action="store_true",
        help="on a database that has the sample already, give its members fresh passwords",
    )
    p = add("import", cmd_import)
    p.add_argument("file")
    p = add("export", cmd_export)
    p.add_argument("slug")
    p.add_argument("--format", choices=["json", "markdown"], default="json")
    p.add_argument("--rev", type=int)
    p.add_argument("--output", required=True)
    p = add("otp", cmd_otp)
    p.add_argument("username")
    add("purge", cmd_purge)
    return top, handlers


def main(argv: Sequence[str] | None = None) -> int:
    from constitution.wiring import wire

    wire()  # the hooks between the parts, as the app has them (verify's row checks)
    top, handlers = parser()
    args = top.parse_args(argv)
    offline = OFFLINE.get(args.command)
    if offline is not None:
        return offline(None, args)
    try:
        settings = load()
        return handlers[args.command](settings, args)
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        where = f" ({error.field})" if error.field else ""
        print(f"refused{where}: {error.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
